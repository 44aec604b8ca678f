"""The ingestion next to a bare `psql \\copy` of the same files, and next to
the row-by-row ways (one INSERT per row, ``executemany``) it replaces.

On a clean landing zone and a copy of it with 0.1 % of the data lines broken
(a field too few, an unterminated quote, a byte that is not UTF-8, in turn),
round after round:

- bare COPY: one psql session, one ``\\copy ... (format csv, header true)`` per
  file in batch-date order, into tables of the contract's columns as text;
  and the same into the warehouse's raw tables, whose load metadata (batch
  date, load id, load time, line number from a sequence) COPY fills from
  defaults: the share of the gap that is the metadata's, not the wrapper's;
- ``ingest_landing`` on the clean files (in parallel, and on one connection);
- ``ingest_landing`` on the dirty copy (bare COPY cannot load those at all);
- on a sample of one file: COPY, ``executemany`` and one INSERT per row.

Each run gets a fresh database on the warehouse's server.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse import db, embedded
from warehouse.config import load_settings
from warehouse.contract import ENTITIES
from warehouse.ingest import ingest_landing
from warehouse.ingest.raw_tables import ensure_raw_tables, sequence_regclass
from warehouse.landing import discover

BROKEN_SHARE = 0.001
TARGET_CLEAN = 0.7
TARGET_DIRTY = 0.5
BENCH_DB = "bench_ingest"


@dataclass
class Case:
    """One way of loading, timed over the rounds."""

    name: str
    rows: int = 0
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.rows / self.median


# ---------------------------------------------------------------- the files


def data_lines(landing: Path) -> int:
    return sum(
        path.read_bytes().count(b"\n") - 1
        for batch in discover(landing)
        for path in (f.path for f in batch.files)
    )


def break_line(line: bytes, kind: int) -> bytes:
    """A field too few, an unterminated quote, or a byte that is not UTF-8."""
    head, _, last = line.rpartition(b",")
    if kind == 0:
        return head
    if kind == 1:
        return head + b',"' + last
    first, _, rest = line.partition(b",")
    return first + b"\xe9," + rest


def make_dirty(clean: Path, dirty: Path, share: float, seed: int) -> int:
    """A copy of the landing zone with ``share`` of each file's data lines broken."""
    rng = random.Random(seed)
    broken = 0
    shutil.copytree(clean, dirty)
    for batch in discover(dirty):
        for file in batch.files:
            lines = file.path.read_bytes().split(b"\n")
            data = range(1, len(lines) - (1 if lines[-1] == b"" else 0))
            for n in rng.sample(data, round(len(data) * share)):
                lines[n] = break_line(lines[n], broken % 3)
                broken += 1
            file.path.write_bytes(b"\n".join(lines))
    return broken


# ----------------------------------------------------------------- the runs


def fresh_database(conn: db.Connection) -> db.Connection:
    admin_conn = db.admin_connection(load_settings(), conn)
    db.drop_database(admin_conn, BENCH_DB)
    target = conn.with_database(BENCH_DB)
    with db.connect(admin_conn, autocommit=True) as admin:
        db.create_database(admin, target)
    return target


def _raw_tables_with_metadata(pg: psycopg.Connection) -> None:
    """The warehouse's raw tables, their load metadata filled by defaults as
    the ingestion fills them (constants, and the line sequence)."""
    ensure_raw_tables(pg, list(ENTITIES))
    for entity in ENTITIES:
        pg.execute(
            sql.SQL(
                "alter table {} alter _batch_date set default current_date,"
                " alter _source_line set default nextval({}::regclass),"
                " alter _load_id set default 1, alter _loaded_at set default now()"
            ).format(sql.Identifier("raw", entity.name), sql.Literal(sequence_regclass(entity)))
        )


def bare_copy(conn: db.Connection, landing: Path, metadata: bool = False) -> tuple[float, str]:
    """Seconds of one psql session that \\copies every file; psql's error if
    any. Into tables of the contract's columns as text, or with ``metadata``
    into the warehouse's raw tables (what the load metadata costs COPY)."""
    target = fresh_database(conn)
    with db.connect(target, autocommit=True) as pg:
        pg.execute("create schema raw")
        if metadata:
            _raw_tables_with_metadata(pg)
        for entity in () if metadata else ENTITIES:
            columns = sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(c)) for c in entity.column_names
            )
            pg.execute(
                sql.SQL("create table {} ({})").format(sql.Identifier("raw", entity.name), columns)
            )
    script = "".join(
        f"\\copy raw.{f.entity.name} ({', '.join(f.entity.column_names)}) from '{f.path}'"
        " with (format csv, header true)\n"
        for batch in discover(landing)
        for f in batch.files
    )
    env = {**os.environ, **target.libpq_env()}
    started = time.perf_counter()
    proc = subprocess.run(
        [str(embedded.psql_path()), "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=script,
        text=True,
        capture_output=True,
        env=env,
    )
    seconds = time.perf_counter() - started
    error = proc.stderr.strip().splitlines()[0] if proc.returncode else ""
    return seconds, error


def warehouse_ingest(conn: db.Connection, landing: Path, workers: int) -> tuple[float, int, int]:
    """Seconds of ``ingest_landing`` into a fresh database; lines loaded and quarantined."""
    target = fresh_database(conn)
    with db.connect(target, autocommit=True) as pg:
        started = time.perf_counter()
        result = ingest_landing(pg, landing, workers=workers)
        seconds = time.perf_counter() - started
    if result.failed:
        raise SystemExit(f"ingestion failed: {result.failed[0].error}")
    return seconds, result.rows_loaded, result.rows_quarantined


def sample_rows(path: Path, rows: int) -> tuple[list[str], list[list[str]], bytes]:
    """The header and the first ``rows`` data rows of a clean file, parsed and as CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        data = [row for _, row in zip(range(rows), reader, strict=False)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([header, *data])
    return header, data, text.getvalue().encode()


def row_by_row_rates(conn: db.Connection, path: Path, rows: int) -> tuple[int, dict[str, float]]:
    """Rows per second of COPY, ``executemany`` and one INSERT per row, loading
    the same sample of ``path`` into a table of text columns, one transaction each."""
    header, data, as_csv = sample_rows(path, rows)
    target = fresh_database(conn)
    table = sql.Identifier("sample")
    columns = sql.SQL(", ").join(map(sql.Identifier, header))
    insert = sql.SQL("insert into {} ({}) values ({})").format(
        table, columns, sql.SQL(", ").join(sql.Placeholder() * len(header))
    )

    def copy(pg: psycopg.Connection) -> None:
        with pg.cursor().copy(
            sql.SQL("copy {} ({}) from stdin (format csv, header true)").format(table, columns)
        ) as copying:
            copying.write(as_csv)

    def executemany(pg: psycopg.Connection) -> None:
        pg.cursor().executemany(insert, data)

    def one_insert_per_row(pg: psycopg.Connection) -> None:
        for row in data:
            pg.execute(insert, row)

    rates = {}
    with db.connect(target) as pg:
        pg.execute(
            sql.SQL("create table {} ({})").format(
                table,
                sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in header),
            )
        )
        pg.commit()
        for name, load in (
            ("COPY", copy),
            ("executemany", executemany),
            ("one INSERT per row", one_insert_per_row),
        ):
            pg.execute(sql.SQL("truncate {}").format(table))
            pg.commit()
            started = time.perf_counter()
            load(pg)
            pg.commit()
            rates[name] = len(data) / (time.perf_counter() - started)
            loaded = pg.execute(sql.SQL("select count(*) from {}").format(table)).fetchone()[0]
            if loaded != len(data):
                raise RuntimeError(f"{name} loaded {loaded} of {len(data)} rows")
    return len(data), rates


def compare_ingestion(
    conn: db.Connection, clean: Path, dirty: Path, rounds: int, workers: int, sample: int
) -> dict:
    """Every way of loading, interleaved round after round (so that a busy
    moment of the machine hits them all); medians and rates."""
    rows = data_lines(clean)
    _, bare_dirty_error = bare_copy(conn, dirty)
    cases = {
        "bare": Case("bare psql \\copy, clean files", rows),
        "bare_raw": Case("bare psql \\copy into the raw tables (load metadata)", rows),
        "parallel": Case(f"warehouse ingest, clean files, {workers} connections", rows),
        "serial": Case("warehouse ingest, clean files, 1 connection", rows),
        "dirty": Case(
            f"warehouse ingest, {BROKEN_SHARE:.1%} bad lines, {workers} connections", rows
        ),
    }
    quarantined = 0
    for n in range(1, rounds + 1):
        seconds, error = bare_copy(conn, clean)
        if error:
            raise RuntimeError(f"bare COPY failed: {error}")
        cases["bare"].seconds.append(seconds)
        seconds, error = bare_copy(conn, clean, metadata=True)
        if error:
            raise RuntimeError(f"bare COPY into the raw tables failed: {error}")
        cases["bare_raw"].seconds.append(seconds)
        for key, landing, count in (
            ("parallel", clean, workers),
            ("serial", clean, 1),
            ("dirty", dirty, workers),
        ):
            seconds, loaded, quarantined_now = warehouse_ingest(conn, landing, count)
            if loaded + quarantined_now != rows:
                raise RuntimeError(f"{key}: {loaded} + {quarantined_now} lines != {rows}")
            cases[key].seconds.append(seconds)
            quarantined = max(quarantined, quarantined_now)
        print(
            f"  ingestion round {n}: "
            + ", ".join(f"{k} {c.seconds[-1]:.2f} s" for k, c in cases.items()),
            flush=True,
        )
    history = min(discover(clean), key=lambda b: b.batch_date)
    sample_file = next(f.path for f in history.files if f.entity.name == "orders")
    measured = [row_by_row_rates(conn, sample_file, sample) for _ in range(rounds)]
    row_rates = [rates for _, rates in measured]
    db.drop_database(db.admin_connection(load_settings(), conn), BENCH_DB)
    bare = cases["bare"]
    return {
        "rows": rows,
        "cases": [
            {
                "name": c.name,
                "seconds": c.seconds,
                "median_s": c.median,
                "rows_per_s": c.rate,
                "vs_bare": c.rate / bare.rate,
            }
            for c in cases.values()
        ],
        "one_connection_vs_bare": cases["serial"].rate / bare.rate,
        "one_connection_vs_bare_raw": cases["serial"].rate / cases["bare_raw"].rate,
        "bare_raw_s": cases["bare_raw"].median,
        "parallel_vs_bare": cases["parallel"].rate / bare.rate,
        "dirty_vs_bare": cases["dirty"].rate / bare.rate,
        "dirty_quarantined": quarantined,
        "bare_dirty_error": bare_dirty_error,
        "row_by_row": {
            "sample_rows": measured[0][0],
            "sample_file": f"{history.batch_date}/orders.csv",
            "rows_per_s": {
                name: statistics.median(r[name] for r in row_rates) for name in row_rates[0]
            },
        },
    }
