"""What a command ends on: row counts of the warehouse's layers, the tests of
the build, the rows loaded, quarantined and rejected, and the time."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

#: The layers in flow order, as the summary lists them.
LAYERS: tuple[str, ...] = ("raw", "staging", "intermediate", "snapshots", "marts", "gold")


@dataclass(frozen=True)
class RelationCount:
    schema: str
    name: str
    kind: str  # table, view
    rows: int


def layer_counts(conn: psycopg.Connection, layers: tuple[str, ...] = LAYERS) -> list[RelationCount]:
    """Exact row counts of every table and view in the given schemas, in flow order."""
    relations = conn.execute(
        "select table_schema, table_name, case table_type when 'VIEW' then 'view'"
        " else 'table' end from information_schema.tables"
        " where table_schema = any(%s) order by table_schema, table_name",
        (list(layers),),
    ).fetchall()
    relations.sort(key=lambda r: (layers.index(r[0]), r[1]))
    counts = []
    for schema, name, kind in relations:
        rows = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name))
        ).fetchone()[0]
        counts.append(RelationCount(schema, name, kind, rows))
    return counts


@dataclass(frozen=True)
class BuildTests:
    """dbt's data and unit tests of one invocation, by outcome."""

    passed: int = 0
    warned: int = 0
    failed: int = 0  # failed or errored
    skipped: int = 0


def count_tests(target_dir: Path) -> BuildTests | None:
    """The tests of the dbt invocation that wrote ``target_dir`` (its
    run_results.json); None when it left no results."""
    path = target_dir / "run_results.json"
    if not path.exists():
        return None
    results = json.loads(path.read_text()).get("results", [])
    statuses = Counter(
        r["status"] for r in results if r["unique_id"].startswith(("test.", "unit_test."))
    )
    return BuildTests(
        passed=statuses["pass"],
        warned=statuses["warn"],
        failed=statuses["fail"] + statuses["error"],
        skipped=statuses["skipped"],
    )


def rejected_rows(conn: psycopg.Connection, load_ids: list[int]) -> int | None:
    """Rows of these loads that staging rejected (fct_row_exceptions); None
    before the first build made that view."""
    exists = conn.execute("select to_regclass('marts.fct_row_exceptions')").fetchone()[0]
    if exists is None or not load_ids:
        return None if exists is None else 0
    return conn.execute(
        "select count(*) from marts.fct_row_exceptions"
        " where exception_kind = 'rejected' and load_id = any(%s)",
        (load_ids,),
    ).fetchone()[0]


def duration(seconds: float) -> str:
    """1.2 s, 42 s, 3 min 05 s, 1 h 02 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def closing_line(
    tests: BuildTests | None,
    loaded: int | None,
    quarantined: int | None,
    rejected: int | None,
    seconds: float,
) -> str:
    """The one line a run ends on: tests, rows and time."""
    parts = []
    if tests is not None:
        parts.append(
            f"tests {tests.passed:,} passed, {tests.warned:,} warned, {tests.failed:,} failed"
            + (f", {tests.skipped:,} skipped" if tests.skipped else "")
        )
    if loaded is not None:
        rows = f"rows {loaded:,} loaded, {quarantined or 0:,} quarantined"
        if rejected is not None:
            rows += f", {rejected:,} rejected"
        parts.append(rows)
    parts.append(f"time {duration(seconds)}")
    return "; ".join(parts)
