"""The ingestion on Spark (marker spark: CI runs it after make test, since
it needs Java 17 and a JVM's start-up): the same raw rows, row hashes,
quarantine and manifest as DuckDB (which test_engine_load holds to
PostgreSQL's) for a hostile landing zone, re-runs that load nothing, a reload,
and a session that leaves no JVM behind (Derby takes one process at a time)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from warehouse.config import load_settings
from warehouse.engines import spark_session
from warehouse.engines.duckdb_store import DuckDBStore
from warehouse.engines.local import ingest_landing
from warehouse.engines.spark_store import SparkStore

from .engine_helpers import (
    MANIFEST_COMPARED,
    QUARANTINE_COMPARED,
    hostile_landing,
    normal,
    order,
    raw_compared,
    sorted_rows,
)
from .test_engine_load import ENTITIES, duckdb_raw, duckdb_table

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(spark_session.java_missing() is not None, reason="no Java for Spark"),
]


def spark_rows(store: SparkStore, table: str, columns: list[str]) -> list[tuple]:
    frame = store.spark.table(table).select(*columns)
    return sorted_rows([normal(tuple(row), columns) for row in frame.collect()])


def test_spark_loads_like_duckdb(tmp_path: Path) -> None:
    landing = hostile_landing(tmp_path)
    settings = load_settings({**os.environ, "WAREHOUSE_HOME": str(tmp_path / "home")})
    with DuckDBStore(tmp_path / "w.duckdb") as duck:
        expected = ingest_landing(duck, landing)
        raw = {entity: duckdb_raw(duck.conn, entity) for entity in ENTITIES}
        quarantine = duckdb_table(duck.conn, "audit.quarantine", QUARANTINE_COMPARED)
        manifest = duckdb_table(duck.conn, "audit.load_manifest", MANIFEST_COMPARED)
    with SparkStore.open(settings) as store:
        gateway = spark_session.jvm_process()
        result = ingest_landing(store, landing)
        assert [(f.status, f.rows_loaded, f.rows_quarantined) for f in result.files] == [
            (f.status, f.rows_loaded, f.rows_quarantined) for f in expected.files
        ]
        for entity in ENTITIES:
            assert spark_rows(store, f"raw.{entity}", raw_compared(entity)) == raw[entity], entity
        assert spark_rows(store, "audit.quarantine", QUARANTINE_COMPARED) == quarantine
        assert spark_rows(store, "audit.load_manifest", MANIFEST_COMPARED) == manifest

        again = ingest_landing(store, landing)
        assert again.ok and again.rows_loaded == 0 and again.count("skipped") == 4

        # what killed processes leave: a load's rows and quarantined lines written
        # without its manifest row (the commit cut before its end), a rewrite cut
        # after dropping the old table, another cut while writing the new one
        spark = store.spark
        spark.table("raw.orders").withColumn(
            "_load_id", F.lit(999).cast("bigint")
        ).write.insertInto("raw.orders")
        spark.table("audit.quarantine").withColumn(
            "load_id", F.lit(999).cast("bigint")
        ).write.insertInto("audit.quarantine")
        spark.table("raw.customers").write.format("parquet").saveAsTable("raw.customers__rewrite")
        spark.sql("drop table raw.customers")
        spark.table("raw.products").limit(1).write.format("parquet").saveAsTable(
            "raw.products__rewrite"
        )
        mended = ingest_landing(store, landing)
        assert mended.ok and mended.rows_loaded == 0 and mended.count("skipped") == 4
        for entity in ENTITIES:
            assert spark_rows(store, f"raw.{entity}", raw_compared(entity)) == raw[entity], entity
        assert spark_rows(store, "audit.quarantine", QUARANTINE_COMPARED) == quarantine
        assert not [t.name for t in spark.catalog.listTables("raw") if t.name.endswith("__rewrite")]

        path = landing / "2025-01-02" / "orders.csv"
        path.write_text(path.read_text() + order(22) + "\n")
        assert "content has changed" in (ingest_landing(store, landing).failed[0].error or "")
        reloaded = ingest_landing(store, landing, reload=date(2025, 1, 2))
        done = next(f for f in reloaded.files if f.status == "loaded")
        assert done.rows_loaded == 3 and done.replaced_load_ids
        replaced = store.spark.table("raw.replaced_loads").collect()
        assert [(r.load_id, r.entity, r.replaced_by) for r in replaced] == [
            (done.replaced_load_ids[0], "orders", done.load_id)
        ]
        statuses = {
            r.load_id: (r.status, r.replaced_by)
            for r in store.spark.table("audit.load_manifest").collect()
        }
        assert statuses[done.replaced_load_ids[0]] == ("replaced", done.load_id)
    # the JVM is gone: dbt's own session can open the Derby metastore
    assert gateway is not None and gateway.poll() is not None
