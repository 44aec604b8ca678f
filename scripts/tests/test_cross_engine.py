"""The same answers on every engine: one generated landing zone built on
PostgreSQL, DuckDB and (marker spark, in CI) Spark, every mart and gold table
compared row for row, numbers to the cent, timestamps in UTC.

DuckDB's and Spark's builds run with --full-tests, so the unit tests of every
cleaning macro run on each engine too (PostgreSQL's run in test_dbt_pipeline)."""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from warehouse import db
from warehouse.config import load_settings
from warehouse.engines import spark_session

from .conftest import admin_of, create_test_database, db_env, run_cli

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

#: The schemas compared: the star schema and the business questions.
COMPARED_SCHEMAS = ("marts", "gold")
#: Columns that name a load or a dbt invocation: ids each engine numbers its
#: own way (PostgreSQL loads two files at a time, so its load ids follow
#: another order), never the answer to a question.
NOT_COMPARED = frozenset({"load_id", "source_load_id", "dbt_invocation_id"})
CENT = Decimal("0.01")


@dataclass
class Reference:
    landing: Path
    conn: db.Connection
    tables: dict[str, tuple[list[str], Counter]]  # schema.table -> columns, rows
    key: tuple[str, str]  # the pseudonym key's HMAC pads, as hex


#: Each installation makes its own pseudonym key, so the e-mail pseudonyms
#: agree only when the engines share one: PostgreSQL's is given to the others
#: before their build (the build keeps a key it finds).
KEY_COLUMNS = "key_id bigint, inner_key varchar, outer_key varchar, created_at timestamp"


def compared(columns: list[str], row: tuple) -> tuple:
    """The row without the columns that are not compared, normalised."""
    return tuple(normalise(v) for c, v in zip(columns, row, strict=True) if c not in NOT_COMPARED)


def normalise(value: Any) -> Any:
    """A value as every engine can agree on it: numbers to the cent, timestamps
    as UTC without a zone, dates and JSON as text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        return str(Decimal(str(value)).quantize(CENT) + 0)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def as_rows(columns: list[str], rows: list[tuple]) -> Counter:
    return Counter(compared(columns, row) for row in rows)


def column_differences(columns: list[str], expected: Counter, got: Counter) -> str:
    """Which columns differ, matching rows by their first column when it is a key."""
    names = [c for c in columns if c not in NOT_COMPARED]
    left = {row[0]: row for row in expected}
    right = {row[0]: row for row in got}
    if len(left) != sum(expected.values()) or len(right) != sum(got.values()):
        return "rows not keyed by their first column"
    differing: Counter = Counter()
    example: dict[str, tuple] = {}
    for key in left.keys() & right.keys():
        for name, a, b in zip(names, left[key], right[key], strict=True):
            if a != b:
                differing[name] += 1
                example.setdefault(name, (key, a, b))
    only = len(left.keys() - right.keys()), len(right.keys() - left.keys())
    return (
        f"keys only on one side: {only}; columns that differ (rows, example key, "
        f"postgres, engine): "
        + "; ".join(f"{n} ({k}, {example[n]})" for n, k in differing.most_common())
    )


def differences(reference: Reference, engine: str, read: Any) -> list[str]:
    """Per table that differs: the row counts and a few rows each side lacks."""
    found = []
    for name, (columns, expected) in sorted(reference.tables.items()):
        try:
            got_columns, got = read(name, columns)
        except Exception as exc:  # noqa: BLE001 - reported with the others
            found.append(f"{name}: cannot read on {engine}: {str(exc).splitlines()[0]}")
            continue
        if [c for c in got_columns] != columns:
            found.append(f"{name}: columns differ: postgres {columns}, {engine} {got_columns}")
            continue
        if got != expected:
            missing = list((expected - got).elements())
            extra = list((got - expected).elements())
            found.append(
                f"{name}: {sum(expected.values())} rows on postgres, {sum(got.values())} on "
                f"{engine}; {column_differences(columns, expected, got)}; only on postgres: "
                f"{missing[:1]}; only on {engine}: {extra[:1]}"
            )
    return found


@pytest.fixture(scope="module")
def reference(
    server: db.Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Reference]:
    """The generated landing zone, built on a PostgreSQL database of its own."""
    folder = tmp_path_factory.mktemp("engines")
    landing = folder / "landing"
    generated = run_cli(
        "generate", "--scale", "0.01", "--days", "3", "--seed", "42", "--out", str(landing)
    )
    assert generated.returncode == 0, generated.output
    name = f"wh_test_engines_{uuid.uuid4().hex[:10]}"
    conn = create_test_database(server, name)
    try:
        for command in (["ingest", "--landing", str(landing)], ["build"]):
            result = run_cli(*command, env=db_env(conn))
            assert result.returncode == 0, result.output[-3000:]
        tables: dict[str, tuple[list[str], Counter]] = {}
        with db.connect(conn) as pg:
            relations = pg.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_schema = any(%s) order by 1, 2",
                (list(COMPARED_SCHEMAS),),
            ).fetchall()
            for schema, table in relations:
                cursor = pg.execute(f'select * from "{schema}"."{table}"')
                columns = [c.name for c in cursor.description]
                tables[f"{schema}.{table}"] = (columns, as_rows(columns, cursor.fetchall()))
            key = pg.execute(
                "select encode(inner_key, 'hex'), encode(outer_key, 'hex')"
                " from private.pseudonym_key order by key_id desc limit 1"
            ).fetchone()
        assert len(tables) >= 10, tables.keys()
        yield Reference(landing, conn, tables, key)
    finally:
        db.drop_database(admin_of(server), name)


def test_duckdb_gives_the_answers_of_postgresql(reference: Reference, tmp_path: Path) -> None:
    env = {"WAREHOUSE_HOME": str(tmp_path / "home")}
    started = time.monotonic()
    path = load_settings({**os.environ, **env}).home / "duckdb" / "warehouse.duckdb"
    path.parent.mkdir(parents=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema private")
        conn.execute(f"create table private.pseudonym_key ({KEY_COLUMNS})")
        conn.execute("insert into private.pseudonym_key values (1, ?, ?, now())", reference.key)
    landing = str(reference.landing)
    result = run_cli("run", "--engine", "duckdb", "--full-tests", "--landing", landing, env=env)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.output[-4000:]
    assert "ERROR=0" in result.output
    with duckdb.connect(str(path), read_only=True) as conn:
        conn.execute("set TimeZone = 'UTC'")

        def read(name: str, columns: list[str]) -> tuple[list[str], Counter]:
            schema, table = name.split(".")
            cursor = conn.execute(f'select * from "{schema}"."{table}"')
            names = [d[0] for d in cursor.description]
            return names, as_rows(names, cursor.fetchall())

        found = differences(reference, "duckdb", read)
    assert not found, "\n".join(found)
    print(f"duckdb: run with unit tests in {seconds:.0f} s")


@pytest.mark.spark
@pytest.mark.skipif(spark_session.java_missing() is not None, reason="no Java for Spark")
def test_spark_gives_the_answers_of_postgresql(
    reference: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshots are left out on Spark without a table format (docs/engines.md)."""
    env = {"WAREHOUSE_HOME": str(tmp_path / "home")}
    loaded = run_cli("ingest", "--engine", "spark", "--landing", str(reference.landing), env=env)
    assert loaded.returncode == 0, loaded.output[-4000:]
    settings = load_settings({**os.environ, **env})
    session = spark_session.start(spark_session.session_parameters(settings))
    try:
        session.sql("create database if not exists private")
        session.createDataFrame(
            [(1, *reference.key, datetime.now(UTC))], KEY_COLUMNS.replace("varchar", "string")
        ).write.format("parquet").saveAsTable("private.pseudonym_key")
    finally:
        spark_session.stop(session)
    result = run_cli("build", "--engine", "spark", "--full-tests", env=env, timeout=3600)
    assert result.returncode == 0, result.output[-4000:]
    monkeypatch.setenv("TZ", "UTC")  # pyspark hands timestamps over in local time
    time.tzset()
    session = spark_session.start(spark_session.session_parameters(settings))
    try:

        def read(name: str, columns: list[str]) -> tuple[list[str], Counter]:
            frame = session.table(name)
            return frame.columns, as_rows(frame.columns, [tuple(r) for r in frame.collect()])

        found = differences(reference, "spark", read)
    finally:
        spark_session.stop(session)
        monkeypatch.delenv("TZ")
        time.tzset()
    assert not found, "\n".join(found)
