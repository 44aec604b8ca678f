"""The failing rows of a build's tests, kept in the schema dq_failures.

dbt's ``store_failures`` writes a table for every test it runs, passing or
not: some 380 CREATE TABLEs a build, nearly all of them empty, and on a daily
build they cost more than the tests' own queries. So the warehouse stores rows
only where there are some. dbt stores them itself for the rate tests, which
the quality report reads even when they pass (each failing row carries
rows_checked: the population the rate was taken over). For every other test
that warned or failed, the compiled query dbt ran is run once more after the
build, into ``dq_failures.<test>``; the table of a test that passes now is
dropped. Either way dq_failures holds the failing rows of each test's latest
run, and nothing older.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from warehouse.dbt_runner import CEILING_SETTING
from warehouse.quality.artifacts import Artifacts

#: The statuses whose failing rows are worth keeping (error: the query failed).
KEEP = frozenset({"warn", "fail"})


def _tests(artifacts: Artifacts) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(manifest node, run result) of every data test the invocation ran."""
    nodes = artifacts.manifest["nodes"]
    return [
        (nodes[r["unique_id"]], r)
        for r in artifacts.run_results["results"]
        if r["unique_id"] in nodes and nodes[r["unique_id"]]["resource_type"] == "test"
    ]


def _existing(conn: psycopg.Connection, schemas: set[str]) -> set[tuple[str, str]]:
    rows = conn.execute(
        "select schemaname, tablename from pg_tables where schemaname = any(%s)",
        (sorted(schemas),),
    ).fetchall()
    return {(schema, table) for schema, table in rows}


def keep_failing_rows(
    conn: psycopg.Connection, artifacts: Artifacts, load_ceiling: int | None = None
) -> dict[str, str]:
    """Store the failing rows of the invocation's warning and failing tests
    that dbt did not store, drop the stored rows of the tests that pass now;
    the relation that holds each test's failing rows, by test id, as dbt
    renders relation names. ``load_ceiling``: the one the build read."""
    tests = _tests(artifacts)
    existing = _existing(conn, {node["schema"] for node, _ in tests})
    kept: dict[str, str] = {}
    for node, result in tests:
        if result.get("relation_name"):  # dbt stored them (store_failures)
            kept[node["unique_id"]] = result["relation_name"]
            continue
        schema, table = node["schema"], node["alias"]
        relation = sql.Identifier(schema, table)
        if result["status"] in KEEP and result.get("compiled_code"):
            try:
                with conn.transaction():
                    if load_ceiling is not None:
                        conn.execute(
                            "select set_config(%s, %s, true)", (CEILING_SETTING, str(load_ceiling))
                        )
                    conn.execute(sql.SQL("create schema if not exists {}").format(
                        sql.Identifier(schema)))  # fmt: skip
                    conn.execute(sql.SQL("drop table if exists {}").format(relation))
                    conn.execute(
                        sql.SQL("create table {} as {}").format(
                            relation, sql.SQL(result["compiled_code"])
                        )
                    )
            except psycopg.Error:
                continue  # the report falls back to dbt's count of failures
            kept[node["unique_id"]] = sql.Identifier(node["database"], schema, table).as_string(
                conn
            )
        elif result["status"] == "pass" and (schema, table) in existing:
            with conn.transaction():
                conn.execute(sql.SQL("drop table {}").format(relation))
    return kept
