"""The pipeline's steps as a user runs them: the `warehouse` commands, each in a
process of its own, timed, with the peak memory of its process tree.

The landing zone holds a history batch and ``days`` daily batches; one more
daily batch is held back. After the first ingest and build, the database is
kept as a template; each round starts from a copy of it, ingests the held-back
day, builds incrementally, builds again with nothing new, then rebuilds the
same data with ``--full-refresh``: the three builds are compared on the same
data in the same round. The whole ``warehouse run`` is measured once, on a
database of its own.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from psycopg import sql

from warehouse import db
from warehouse.bench.measure import Measurement, Step, run_measured
from warehouse.config import Settings
from warehouse.landing import discover


def warehouse_command(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "warehouse"), *args]


def landing_bytes(landing: Path) -> int:
    return sum(f.path.stat().st_size for batch in discover(landing) for f in batch.files)


def hold_back_last_day(landing: Path, held: Path) -> Path:
    """Move the newest batch folder out of the landing zone; its new place."""
    newest = max(discover(landing), key=lambda batch: batch.batch_date)
    folder = held / newest.path.name
    shutil.move(newest.path, folder)
    return folder


#: How many of the largest tables the space report names.
LARGEST_RELATIONS = 12


@dataclass
class Database:
    """A benchmark database on the warehouse's server, and the environment
    that makes the `warehouse` commands use it."""

    settings: Settings
    conn: db.Connection
    env: Mapping[str, str]

    def named(self, name: str) -> Database:
        return Database(
            self.settings, self.conn.with_database(name), {**self.env, "PGDATABASE": name}
        )

    def admin(self) -> db.Connection:
        return db.admin_connection(self.settings, self.conn)

    def drop(self) -> None:
        db.drop_database(self.admin(), self.conn.dbname)

    def copy_from(self, template: Database) -> None:
        """This database anew, as a copy of ``template`` (which nobody may use)."""
        self.drop()
        with db.connect(self.admin(), autocommit=True) as pg:
            db.create_database(pg, self.conn, template=template.conn.dbname)

    def rename(self, new: Database) -> None:
        """This database under the name of ``new`` (which must not exist)."""
        with db.connect(self.admin(), autocommit=True) as pg:
            pg.execute(
                sql.SQL("alter database {} rename to {}").format(
                    sql.Identifier(self.conn.dbname), sql.Identifier(new.conn.dbname)
                )
            )

    def run(self, *args: str) -> Measurement:
        return run_measured(warehouse_command(*args), self.env)

    def sizes(self) -> dict:
        """The database's size, and per schema its tables and their indexes."""
        with db.connect(self.conn) as pg:
            total = pg.execute("select pg_database_size(current_database())").fetchone()[0]
            schemas = pg.execute(
                "select n.nspname, sum(pg_table_size(c.oid)), sum(pg_indexes_size(c.oid))"
                " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where c.relkind in ('r', 'm', 'p')"
                " and n.nspname not in ('pg_catalog', 'information_schema')"
                " group by 1 order by 2 + 3 desc"
            ).fetchall()
            largest = pg.execute(
                "select n.nspname || '.' || c.relname, pg_table_size(c.oid),"
                " pg_indexes_size(c.oid), greatest(c.reltuples, 0)::bigint"
                " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                " where c.relkind in ('r', 'm', 'p')"
                " and n.nspname not in ('pg_catalog', 'information_schema')"
                " order by pg_total_relation_size(c.oid) desc limit %s",
                (LARGEST_RELATIONS,),
            ).fetchall()
        return {
            "database_bytes": total,
            "schemas": [
                {"schema": s, "table_bytes": int(t), "index_bytes": int(i)} for s, t, i in schemas
            ],
            "relations": [
                {"relation": r, "table_bytes": int(t), "index_bytes": int(i), "rows": int(n)}
                for r, t, i, n in largest
            ],
        }


@dataclass
class PipelineResults:
    steps: dict[str, Step] = field(default_factory=dict)
    sizes: dict = field(default_factory=dict)

    def step(self, name: str) -> Step:
        return self.steps.setdefault(name, Step(name))


#: Step names, in the order of the report.
GENERATE = "generate"
INGEST = "ingest (history + daily batches)"
FIRST_BUILD = "first build"
DAILY_INGEST = "ingest one daily batch"
INCREMENTAL = "incremental build after one day"
NOTHING_NEW = "build with nothing new"
FULL_REFRESH = "full-refresh build (same data)"
WHOLE_RUN = "whole `warehouse run` (all batches)"


def measure_pipeline(
    base: Database, landing: Path, held_day: Path, rounds: int, results: PipelineResults
) -> None:
    """The ingest and build steps (see the module's text); ``held_day`` is the
    batch folder kept out of ``landing`` until the daily rounds."""
    work, template = base.named(f"{base.conn.dbname}_work"), base.named(f"{base.conn.dbname}_t")
    for database in (work, template):
        database.drop()
    # built under the work database's name, then renamed: every build of the
    # rounds runs with the same profile, so dbt's partial parsing holds, as in
    # daily use (a new database name would make dbt parse the project anew)
    work.run("db", "start")
    results.step(INGEST).add(work.run("ingest", "--landing", str(landing)))
    results.step(FIRST_BUILD).add(work.run("build"))
    work.rename(template)
    print(f"  first ingest and build: {results.steps[FIRST_BUILD].seconds[-1]:.1f} s", flush=True)
    shutil.move(held_day, landing / held_day.name)
    for n in range(1, rounds + 1):
        work.copy_from(template)
        for name, args in (
            (DAILY_INGEST, ("ingest", "--landing", str(landing))),
            (INCREMENTAL, ("build",)),
            (NOTHING_NEW, ("build",)),
            (FULL_REFRESH, ("build", "--full-refresh")),
        ):
            results.step(name).add(work.run(*args))
        print(
            f"  round {n}: "
            + ", ".join(
                f"{name} {results.steps[name].seconds[-1]:.1f} s"
                for name in (DAILY_INGEST, INCREMENTAL, NOTHING_NEW, FULL_REFRESH)
            ),
            flush=True,
        )
    results.sizes = work.sizes()
    results.sizes["csv_bytes"] = landing_bytes(landing)
    for database in (work, template):
        database.drop()
    whole = base.named(f"{base.conn.dbname}_run")
    whole.drop()
    results.step(WHOLE_RUN).add(whole.run("run", "--landing", str(landing)))
    print(f"  whole run: {results.steps[WHOLE_RUN].seconds[-1]:.1f} s", flush=True)
    whole.drop()
