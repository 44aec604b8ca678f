"""The ingestion on DuckDB: the same raw rows, quarantine and manifest as on
PostgreSQL for a hostile landing zone; counts that reconcile with the files;
re-runs that load nothing; reloads; late batches; the CLI's --engine."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg
import pytest

from warehouse import engines
from warehouse.config import load_settings
from warehouse.contract import ENTITY_BY_NAME
from warehouse.engines import duckdb_store, spark_session
from warehouse.engines.duckdb_store import DuckDBStore
from warehouse.engines.local import ingest_landing
from warehouse.ingest import ingest_landing as pg_ingest_landing

from .conftest import FIXTURES, run_cli
from .engine_helpers import (
    MANIFEST_COMPARED,
    QUARANTINE_COMPARED,
    hostile_landing,
    normal,
    order,
    raw_compared,
    sorted_rows,
)

ENTITIES = ("customers", "products", "orders")


def duckdb_raw(conn: duckdb.DuckDBPyConnection, entity: str) -> list[tuple]:
    columns = raw_compared(entity)
    quoted = ", ".join(f'"{c}"' for c in columns)
    rows = conn.execute(f'select {quoted} from raw."{entity}"').fetchall()
    return sorted_rows([normal(row, columns) for row in rows])


def duckdb_table(conn: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[tuple]:
    return sorted_rows(conn.execute(f"select {', '.join(columns)} from {table}").fetchall())


def test_duckdb_reads_lines_as_postgresql_does(tmp_path: Path, pg: psycopg.Connection) -> None:
    """Row for row (row hash included), line for line in the quarantine, and
    the same manifest: the engines judge lines with the same code."""
    landing = hostile_landing(tmp_path)
    pg_result = pg_ingest_landing(pg, landing, workers=1)
    with DuckDBStore(tmp_path / "w.duckdb") as store:
        result = ingest_landing(store, landing)
        conn = store.conn
        assert [f.status for f in result.files] == [f.status for f in pg_result.files]
        assert result.rows_quarantined == pg_result.rows_quarantined == 5
        for entity in ENTITIES:
            columns = raw_compared(entity)
            quoted = ", ".join(f'"{c}"::text' for c in columns)
            expected = pg.execute(f'select {quoted} from raw."{entity}"').fetchall()
            rows = duckdb_raw(conn, entity)
            assert rows == sorted_rows([normal(_typed(r, columns), columns) for r in expected])
        quarantine = ", ".join(QUARANTINE_COMPARED)
        assert duckdb_table(conn, "audit.quarantine", QUARANTINE_COMPARED) == sorted_rows(
            pg.execute(f"select {quarantine} from audit.quarantine").fetchall()
        )
        manifest = ", ".join(MANIFEST_COMPARED)
        assert duckdb_table(conn, "audit.load_manifest", MANIFEST_COMPARED) == sorted_rows(
            pg.execute(f"select {manifest} from audit.load_manifest").fetchall()
        )
        values = conn.execute(
            "select shipping_amount, order_number from raw.orders where order_id in"
            " ('O002', 'O003', 'O006') order by order_id"
        ).fetchall()
        assert values == [(None, "SO-2"), ("", "SO-3"), ("1", "SO-6\nsecond line")]
        crlf = conn.execute("select order_number from raw.orders where order_id = 'O016'")
        assert crlf.fetchone() == ("SO-16\r\nsecond line",)


def _typed(row: tuple, columns: list[str]) -> tuple:
    """PostgreSQL's text of a date and a line number back to Python values."""
    from datetime import date

    out = []
    for name, value in zip(columns, row, strict=True):
        if name == "_batch_date" and value is not None:
            value = date.fromisoformat(value)
        elif name == "_source_line" and value is not None:
            value = int(value)
        out.append(value)
    return tuple(out)


def count_records(path: Path) -> int:
    """Data lines of a file without quoted line breaks or blank lines."""
    return len(path.read_bytes().splitlines()) - 1


def test_counts_reconcile_and_reruns_load_nothing(tmp_path: Path) -> None:
    """Every data line of the fixture files is a raw row or a quarantined
    line, counted apart from the loader; a second run skips every file."""
    landing = FIXTURES / "landing"
    with DuckDBStore(tmp_path / "w.duckdb") as store:
        first = ingest_landing(store, landing)
        assert first.ok and first.count("loaded") == 4
        for result in first.files:
            lines = count_records(result.file.path)
            assert result.rows_loaded + result.rows_quarantined == lines
        total = sum(f.rows_loaded for f in first.files)
        raw = sum(
            store.conn.execute(f"select count(*) from raw.{name}").fetchone()[0]
            for name in ("customers", "orders")
        )
        assert raw == total
        again = ingest_landing(store, landing)
        assert again.ok and again.count("skipped") == 4 and again.rows_loaded == 0
        assert store.conn.execute("select count(*) from audit.load_manifest").fetchone()[0] == 4


def test_changed_file_refused_then_reloaded(tmp_path: Path) -> None:
    landing = hostile_landing(tmp_path)
    with DuckDBStore(tmp_path / "w.duckdb") as store:
        ingest_landing(store, landing)
        path = landing / "2025-01-02" / "orders.csv"
        path.write_text(path.read_text() + order(22) + "\n")
        refused = ingest_landing(store, landing)
        assert not refused.ok
        assert "content has changed" in (refused.failed[0].error or "")
        assert "--reload 2025-01-02" in (refused.failed[0].error or "")
        reloaded = ingest_landing(store, landing, reload=engines_date("2025-01-02"))
        assert reloaded.ok
        done = next(f for f in reloaded.files if f.file.relative_path == "2025-01-02/orders.csv")
        assert done.status == "loaded" and done.rows_loaded == 3 and done.replaced_load_ids
        replaced = store.conn.execute(
            "select load_id, entity, replaced_by from raw.replaced_loads"
        ).fetchall()
        assert replaced == [(done.replaced_load_ids[0], "orders", done.load_id)]
        statuses = store.conn.execute(
            "select status, replaced_by from audit.load_manifest where load_id = ?",
            [done.replaced_load_ids[0]],
        ).fetchone()
        assert statuses == ("replaced", done.load_id)
        # raw keeps the replaced load's rows as history
        assert store.conn.execute("select count(*) from raw.orders").fetchone()[0] == 11 + 2 + 3


def engines_date(text: str):  # noqa: ANN201 - a date
    from datetime import date

    return date.fromisoformat(text)


def test_late_batch_refused_unless_allowed(tmp_path: Path) -> None:
    landing = hostile_landing(tmp_path)
    early = landing / "2024-12-31"
    early.mkdir()
    (early / "orders.csv").write_text(",".join(ENTITY_BY_NAME["orders"].column_names) + "\n")
    later = landing.parent / "later"
    (landing / "2024-12-31").rename(later)
    with DuckDBStore(tmp_path / "w.duckdb") as store:
        ingest_landing(store, landing)
        later.rename(landing / "2024-12-31")
        refused = ingest_landing(store, landing)
        assert not refused.ok and "late batch 2024-12-31" in (refused.failed[0].error or "")
        allowed = ingest_landing(store, landing, allow_late_batch=True)
        assert allowed.ok and allowed.files[0].late_batch
        assert store.conn.execute(
            "select late_batch from audit.load_manifest where status = 'loaded'"
            " and batch_date = '2024-12-31'"
        ).fetchone() == (True,)


def test_missing_key_column_is_recorded_as_failed(tmp_path: Path) -> None:
    landing = tmp_path / "landing" / "2025-01-01"
    landing.mkdir(parents=True)
    (landing / "orders.csv").write_text("order_number\nSO-1\n")
    with DuckDBStore(tmp_path / "w.duckdb") as store:
        result = ingest_landing(store, landing.parent)
        assert not result.ok and "key column 'order_id' is missing" in result.failed[0].error
        row = store.conn.execute("select status, error from audit.load_manifest").fetchone()
        assert row[0] == "failed" and "order_id" in row[1]


def test_row_hash_expression_matches_postgresql(pg: psycopg.Connection) -> None:
    values = [None, "", "plain", "it's", "back\\slash", "both ' and \\", "ünï"]
    conn = duckdb.connect()
    for value in values:
        ours = conn.execute(
            f"select {duckdb_store.row_hash(['$1::varchar', '$2::varchar'])}", [value, "x"]
        ).fetchone()[0]
        theirs = pg.execute(
            "select md5(quote_nullable(%s::text) || ',' || quote_nullable(%s::text))",
            (value, "x"),
        ).fetchone()[0]
        assert ours == theirs, value


def test_engine_names_and_paths(tmp_path: Path) -> None:
    assert engines.resolve_engine(None, {}) == "postgres"
    assert engines.resolve_engine(None, {"WAREHOUSE_ENGINE": "DuckDB"}) == "duckdb"
    assert engines.resolve_engine("spark", {"WAREHOUSE_ENGINE": "duckdb"}) == "spark"
    with pytest.raises(engines.EngineError, match="not an engine"):
        engines.resolve_engine("oracle", {})
    settings = load_settings({"WAREHOUSE_HOME": str(tmp_path)})
    assert engines.duckdb_path(settings) == tmp_path / "duckdb" / "warehouse.duckdb"
    assert engines.dbt_environment("spark", settings) == {
        "DBT_TARGET": "spark",
        "WAREHOUSE_SPARK_DIR": str(tmp_path / "spark"),
    }
    with pytest.raises(engines.EngineError):
        engines.dbt_environment("postgres", settings)


def test_spark_settings_come_from_the_profile(tmp_path: Path) -> None:
    profile = """
ecommerce_warehouse:
  outputs:
    dev:
      type: postgres
      port: "{{ env_var('PGPORT', '5432') | as_number }}"
      host: "{{ env_var('PGHOST') }}"
    spark:
      type: spark
      method: session
      server_side_parameters:
        spark.sql.warehouse.dir: "{{ env_var('WAREHOUSE_SPARK_DIR') }}/warehouse"
        spark.sql.session.timeZone: UTC
"""
    params = spark_session.profile_parameters(profile, {"WAREHOUSE_SPARK_DIR": "/s"})
    assert params == {
        "spark.sql.warehouse.dir": "/s/warehouse",
        "spark.sql.session.timeZone": "UTC",
    }
    assert spark_session.profile_parameters("ecommerce_warehouse: {outputs: {}}", {}) is None
    settings = load_settings({"WAREHOUSE_HOME": str(tmp_path)})
    merged = spark_session.session_parameters(settings)
    assert merged["spark.sql.session.timeZone"] == "UTC"
    assert merged["spark.sql.warehouse.dir"] == str(tmp_path / "spark" / "warehouse")
    assert (
        str(tmp_path / "spark" / "metastore_db")
        in merged["spark.hadoop.javax.jdo.option.ConnectionURL"]
    )


def test_cli_ingest_status_and_url_on_duckdb(tmp_path: Path) -> None:
    landing = hostile_landing(tmp_path)
    env = {"WAREHOUSE_HOME": str(tmp_path / "home")}
    url = run_cli("db", "url", "--engine", "duckdb", env=env)
    assert url.returncode == 0
    path = Path(url.stdout.strip())
    assert path == tmp_path / "home" / "duckdb" / "warehouse.duckdb"
    first = run_cli("ingest", "--engine", "duckdb", "--landing", str(landing), env=env)
    assert first.returncode == 0, first.output
    assert "4 files loaded" in first.output and "5 lines quarantined" in first.output
    again = run_cli("ingest", "--landing", str(landing), env={**env, "WAREHOUSE_ENGINE": "duckdb"})
    assert again.returncode == 0 and "0 files loaded, 4 already loaded" in again.output
    status = run_cli("status", "--engine", "duckdb", "--landing", str(landing), env=env)
    assert status.returncode == 0 and "orders" in status.output and "pending: none" in status.output
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("select count(*) from raw.orders").fetchone()[0] == 13
    refused = run_cli("db", "start", env={**env, "WAREHOUSE_ENGINE": "duckdb"})
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0
    assert "works on PostgreSQL only, not on duckdb" in refused.stderr
    unknown = run_cli("ingest", "--engine", "oracle", env=env)
    assert unknown.returncode == 1 and "not an engine" in unknown.stderr


def test_spark_table_layouts_without_spark() -> None:
    """The Spark store's DDL, checked without starting Spark."""
    from warehouse.engines import spark_store

    orders = ENTITY_BY_NAME["orders"]
    types = spark_store.raw_types(orders)
    assert list(types) == [*orders.column_names, *spark_store.METADATA_TYPES]
    assert types["_source_line"] == "bigint" and types["order_id"] == "string"
    ddl = spark_store.table_ddl("raw.orders", types)
    assert ddl.startswith("create table if not exists raw.orders (`order_id` string,")
    assert ddl.endswith("`_extra_columns` string) using parquet")
    assert spark_store.ddl_schema({"a`b": "bigint"}) == "`a``b` bigint"
    assert spark_store.quote_ident("x") == "`x`"
