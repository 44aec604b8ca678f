"""A daily build costs what the day brought: the staging models are incremental
on the load id.

- the base models clean only the new loads: the rows of older loads are not
  written again (their row versions, xmin, stay those of the build that wrote
  them), and the compiled SQL reads raw above the table's own watermark;
- a reload's replaced rows leave the base and version models on the next
  incremental build, and what they held is rebuilt from the rows left;
- after both, every built table equals a full refresh of the same raw rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from warehouse import db
from warehouse.contract import ENTITIES

from .conftest import DatabaseFactory
from .dbt_helpers import (
    MODELS_ONLY,
    built_tables,
    cli,
    dbt_env,
    keep_copy,
    query,
    row_differences,
    scalar,
)

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

BASE_MODELS = [f"base_{e.source}__{e.name}" for e in ENTITIES]
STG_MODELS = [f"stg_{e.source}__{e.name}" for e in ENTITIES]
COMPARED = ("staging", "intermediate", "marts", "gold")


def row_versions(conn: db.Connection, table: str) -> dict[int, tuple[int, str, str]]:
    """Per load id: rows, and the oldest and newest row version (xmin) of its rows."""
    return {
        load_id: (rows, low, high)
        for load_id, rows, low, high in query(
            conn,
            f"select _load_id, count(*), min(xmin::text), max(xmin::text)"
            f" from staging.{table} group by _load_id",
        )
    }


def test_a_daily_build_cleans_only_the_new_loads_and_a_reload_leaves_incrementally(
    make_db: DatabaseFactory, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    cli("generate", "--scale", "0.01", "--days", "2", "--seed", "11", "--out", str(landing),
        env={})  # fmt: skip
    conn = make_db("incremental")
    env = dbt_env(conn, tmp_path)
    arrived = tmp_path / "arrived"
    arrived.mkdir()
    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    for batch in batches[:2]:
        shutil.copytree(batch, arrived / batch.name)
    cli("ingest", "--landing", str(arrived), env=env)
    cli("build", *MODELS_ONLY, env=env)
    before = {table: row_versions(conn, table) for table in BASE_MODELS}

    # the daily batch: only its loads are cleaned
    shutil.copytree(batches[2], arrived / batches[2].name)
    cli("ingest", "--landing", str(arrived), env=env)
    new_loads = {
        load_id
        for (load_id,) in query(
            conn,
            "select load_id from audit.load_manifest where batch_date = %s",
            (batches[2].name,),
        )
    }
    cli("build", *MODELS_ONLY, env=env)
    for table in BASE_MODELS:
        after = row_versions(conn, table)
        kept = {load: versions for load, versions in after.items() if load not in new_loads}
        assert kept == before[table], table  # older loads' rows not written again
    assert all(
        scalar(conn, f"select count(*) from staging.{table} where _load_id = any(array"
               f"{sorted(new_loads)}::bigint[])")
        for table in ("base_shop__orders", "base_shop__order_lines")
    )  # fmt: skip
    compiled = tmp_path / "target" / "compiled" / "ecommerce_warehouse" / "models" / "staging"
    sql = (compiled / "shop" / "base" / "base_shop__orders.sql").read_text()
    assert "_load_id > (select coalesce(max(_load_id), 0) from" in sql

    # a reload of the second batch, its orders file cut in half: the rows of
    # the loads it replaces leave base and staging on an incremental build,
    # and the other batches' rows are not written again
    reloaded = arrived / batches[1].name / "orders.csv"
    lines = reloaded.read_text().splitlines(keepends=True)
    kept_lines = lines[: max(2, len(lines) // 2)]
    reloaded.write_text("".join(kept_lines))
    replaced = sorted(
        load_id
        for (load_id,) in query(
            conn,
            "select load_id from audit.load_manifest where batch_date = %s and status = 'loaded'",
            (batches[1].name,),
        )
    )
    before = {table: row_versions(conn, table) for table in BASE_MODELS}
    cli("ingest", "--landing", str(arrived), "--reload", batches[1].name, env=env)
    assert sorted(r for (r,) in query(conn, "select load_id from raw.replaced_loads")) == replaced
    cli("build", *MODELS_ONLY, env=env)
    for table in BASE_MODELS + STG_MODELS:
        left = scalar(
            conn,
            f"select count(*) from staging.{table} where _load_id = any(array{replaced})",
        )
        assert left == 0, table
    for table in BASE_MODELS:
        after = row_versions(conn, table)
        assert {load: after[load] for load in before[table] if load not in replaced} == {
            load: versions for load, versions in before[table].items() if load not in replaced
        }, table
    assert (
        scalar(
            conn,
            "select count(*) from staging.base_shop__orders where _load_id = (select max(load_id)"
            " from audit.load_manifest where entity = 'orders')",
        )
        == len(kept_lines) - 1
    )

    # the same raw rows built from scratch: every table row for row
    keep_copy(conn, COMPARED, "incremental")
    cli("build", "--full-refresh", *MODELS_ONLY, env=env)
    tables = built_tables(conn, COMPARED)
    assert {f"{name}" for _, name in tables} >= {*BASE_MODELS, *STG_MODELS}
    for schema, table in tables:
        only_incremental, only_full, sample = row_differences(
            conn, (f"incremental_{schema}", table), (schema, table)
        )
        assert (only_incremental, only_full) == (0, 0), (schema, table, sample)
