"""Failing rows kept only where there are some (quality.failing_rows): the
tests that warn or fail get their compiled query stored in dq_failures, the
table of a test that passes now is dropped, dbt's own stored rows (the rate
tests) are taken as dbt wrote them, and a query that fails stores nothing."""

from __future__ import annotations

from typing import Any

import psycopg

from warehouse.quality.artifacts import Artifacts, data_tests
from warehouse.quality.failing_rows import keep_failing_rows

from .conftest import one


def _artifacts(database: str, tests: list[tuple[str, str, str, str | None]]) -> Artifacts:
    """Artifacts of an invocation that ran ``tests``: (name, status,
    compiled_code, relation_name dbt stored the rows in or None)."""
    nodes: dict[str, Any] = {}
    results = []
    for name, status, code, relation in tests:
        unique_id = f"test.p.{name}"
        nodes[unique_id] = {
            "unique_id": unique_id, "resource_type": "test", "name": name, "alias": name,
            "database": database, "schema": "dq_failures", "config": {}, "depends_on": {},
        }  # fmt: skip
        results.append({"unique_id": unique_id, "status": status, "compiled_code": code,
                        "relation_name": relation})  # fmt: skip
    nodes["model.p.t"] = {"unique_id": "model.p.t", "resource_type": "model", "name": "t"}
    return Artifacts({"nodes": nodes, "sources": {}}, {"metadata": {}, "results": results})


def _stored(pg: psycopg.Connection) -> dict[str, list[tuple]]:
    tables = [r[0] for r in pg.execute(
        "select tablename from pg_tables where schemaname = 'dq_failures' order by 1")]  # fmt: skip
    return {t: pg.execute(f"select * from dq_failures.{t} order by 1").fetchall() for t in tables}


def test_only_tests_that_warn_or_fail_keep_their_rows_and_only_from_their_latest_run(
    pg: psycopg.Connection,
) -> None:
    database = one(pg, "select current_database()")
    pg.execute("create schema marts")
    pg.execute("create table marts.t (id int, v text)")
    pg.execute("insert into marts.t values (1, 'a'), (2, null), (3, null)")
    pg.execute("create schema dq_failures")
    pg.execute("create table dq_failures.passes_now as select 7 as id")  # failed last time
    pg.execute("create table dq_failures.rate as select 3 as id, 3 as rows_checked")  # dbt's
    rate = f'"{database}"."dq_failures"."rate"'
    null_v = "select * from marts.t where v is null"
    # the build's load ceiling is a session setting its SQL reads (macro load_ceiling)
    up_to_ceiling = (
        "select * from marts.t"
        " where id <= cast(current_setting('warehouse.load_ceiling', true) as int)"
    )
    artifacts = _artifacts(database, [
        ("fails", "fail", null_v, None),
        ("warns", "warn", up_to_ceiling, None),
        ("passes_now", "pass", "select * from marts.t where id > 9", None),
        ("passes", "pass", "select * from marts.t where id > 9", None),
        ("breaks", "error", "select * from marts.missing", None),
        ("rate", "warn", "select 3 as id, 3 as rows_checked", rate),
    ])  # fmt: skip

    kept = keep_failing_rows(pg, artifacts, load_ceiling=1)

    assert kept == {
        "test.p.fails": f'"{database}"."dq_failures"."fails"',
        "test.p.warns": f'"{database}"."dq_failures"."warns"',
        "test.p.rate": rate,
    }
    assert _stored(pg) == {"fails": [(2, None), (3, None)], "rate": [(3, 3)], "warns": [(1, "a")]}
    assert {o.name: o.failures_relation for o in data_tests(artifacts, kept)} == {
        "fails": kept["test.p.fails"], "warns": kept["test.p.warns"], "rate": rate,
        "passes_now": None, "passes": None, "breaks": None,
    }  # fmt: skip

    # the next build: the failing rows are mended, so their tables go
    pg.execute("update marts.t set v = 'mended'")
    mended = _artifacts(database, [("fails", "pass", null_v, None),
                                   ("warns", "pass", up_to_ceiling, None)])  # fmt: skip
    assert keep_failing_rows(pg, mended, load_ceiling=1) == {}
    assert _stored(pg) == {"rate": [(3, 3)]}
    # and a query that breaks leaves the session usable
    assert one(pg, "select count(*) from marts.t") == 3
