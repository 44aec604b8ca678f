"""After a build: every check measured (rows checked, rows failed, a sample of
the failing rows) and recorded with the scorecard and dbt's node timings.

The checks are dbt's data tests (from its artifacts), plus two kinds the
warehouse runs itself and scores the same way: the ingestion's line checks
(quarantined lines per entity: validity) and dbt source freshness
(timeliness).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from warehouse.quality import store
from warehouse.quality.artifacts import NodeTiming, TestOutcome
from warehouse.quality.scorecard import Score
from warehouse.quality.settings import QualitySettings

#: Failing rows kept per failing or warning check, and the longest value kept.
SAMPLE_ROWS = 20
SAMPLE_VALUE_CHARS = 200
#: Tests whose failing rows carry rows_checked (the population they judged).
RATE_TESTS = ("failure_rate", "row_issue_rate", "late_arrival_rate")


@dataclass(frozen=True)
class MeasuredCheck:
    outcome: TestOutcome
    rows_checked: int | None
    rows_failed: int | None
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failure_rate(self) -> float | None:
        if self.rows_checked and self.rows_failed is not None:
            return self.rows_failed / self.rows_checked
        return None

    def as_record(self) -> dict[str, Any]:
        """The check as a row of audit.dq_test_results (without run and invocation)."""
        o = self.outcome
        return {
            "test_id": o.test_id,
            "test_name": o.name,
            "test_type": o.test_type,
            "model": o.model,
            "column_name": o.column,
            "dimension": o.dimension,
            "severity": o.severity,
            "status": o.status,
            "rows_checked": self.rows_checked,
            "rows_failed": self.rows_failed,
            "failure_rate": self.failure_rate,
            "warn_if": o.warn_if,
            "error_if": o.error_if,
            "failures_relation": o.failures_relation,
            "execution_seconds": o.execution_seconds,
            "message": o.message,
        }


def _relation(text: str) -> sql.Composable:
    """A relation name as dbt renders it ("db"."schema"."table"), for a query."""
    return sql.SQL(text)


class _Counter:
    """Row counts of relations (with a where condition), each counted once."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.known: dict[tuple[str, str | None], int | None] = {}

    def count(self, relation: str, where: str | None = None) -> int | None:
        key = (relation, where)
        if key not in self.known:
            statement = sql.SQL("select count(*) from {}{}").format(
                _relation(relation),
                sql.SQL(" where {}").format(sql.SQL(where)) if where else sql.SQL(""),
            )
            try:
                with self.conn.transaction():
                    self.known[key] = self.conn.execute(statement).fetchone()[0]
            except psycopg.Error:
                self.known[key] = None  # the relation is gone or the condition is dbt-only
        return self.known[key]


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > SAMPLE_VALUE_CHARS:
        return value[:SAMPLE_VALUE_CHARS] + "..."
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in value.items()}
    return value


def _stored(conn: psycopg.Connection, relation: str) -> tuple[int, int | None, list[dict]] | None:
    """Rows of a stored-failures table: its count, the rows_checked the rows carry
    (rate tests), and the first SAMPLE_ROWS rows as JSON."""
    try:
        with conn.transaction():
            failed = conn.execute(
                sql.SQL("select count(*) from {}").format(_relation(relation))
            ).fetchone()[0]
            sample = [
                _clip(row)
                for (row,) in conn.execute(
                    sql.SQL("select to_jsonb(failing) from {} as failing limit {}").format(
                        _relation(relation), sql.Literal(SAMPLE_ROWS)
                    )
                ).fetchall()
            ]
    except psycopg.Error:
        return None
    checked = sample[0].get("rows_checked") if sample else None
    return failed, checked if isinstance(checked, int) else None, sample


def measure(conn: psycopg.Connection, outcomes: Iterable[TestOutcome]) -> list[MeasuredCheck]:
    """Rows checked and failed for every test, with samples of failing rows."""
    counter = _Counter(conn)
    measured = []
    for outcome in outcomes:
        if outcome.status == "skipped":
            measured.append(MeasuredCheck(outcome, None, None))
            continue
        stored = _stored(conn, outcome.failures_relation) if outcome.failures_relation else None
        failed, checked_in_rows, sample = stored or (None, None, [])
        if failed is None and outcome.test_type not in RATE_TESTS:
            failed = int(outcome.failures) if outcome.failures is not None else None
        if outcome.test_type in RATE_TESTS and checked_in_rows is not None:
            checked = checked_in_rows
        elif outcome.test_type == "late_arrival_rate" or outcome.population_relation is None:
            checked = None  # a scoped population, or a singular test: no row count
        else:
            scope = [c for c in (outcome.where, outcome.changed_rows) if c]
            checked = counter.count(
                outcome.population_relation, " and ".join(f"({c})" for c in scope) or None
            )
        keep = sample if outcome.status in ("warn", "fail", "error") else []
        measured.append(MeasuredCheck(outcome, checked, failed, keep))
    return measured


# ------------------------------------------------------ the warehouse's own checks


def _judge(rate_percent: float, warn_percent: float, error_percent: float) -> str:
    """pass, warn or fail of a rate, with dbt's whole-percent rounding up."""
    rounded = math.ceil(rate_percent)
    if rounded > error_percent:
        return "fail"
    if rounded > warn_percent:
        return "warn"
    return "pass"


def ingestion_checks(conn: psycopg.Connection, settings: QualitySettings) -> list[MeasuredCheck]:
    """Per entity: the share of landing data lines the ingestion quarantined
    (not valid CSV for the header, not UTF-8), over every file loaded now;
    judged from ``min_rows_checked`` lines on, like dbt's rate tests."""
    rows = conn.execute(
        "select entity, coalesce(sum(data_lines), 0), coalesce(sum(rows_quarantined), 0)"
        " from audit.load_manifest where status = 'loaded' group by entity order by entity"
    ).fetchall()
    checks = []
    for entity, lines, quarantined in rows:
        lines, quarantined = int(lines), int(quarantined)
        rate = 100.0 * quarantined / lines if lines else 0.0
        outcome = TestOutcome(
            test_id=f"ingestion.well_formed_lines.{entity}",
            name=f"ingest_{entity}_well_formed_lines",
            test_type="ingestion",
            model=entity,
            model_relation=None,
            population_relation=None,
            column=None,
            dimension="validity",
            severity="error",
            status=(
                _judge(rate, settings.quarantine_warn_percent, settings.quarantine_error_percent)
                if lines >= settings.min_rows_checked
                else "pass"
            ),
            failures=quarantined,
            warn_if=f">{settings.quarantine_warn_percent:g}%",
            error_if=f">{settings.quarantine_error_percent:g}%",
            where=None,
            changed_rows=None,
            failures_relation="audit.quarantine",
            execution_seconds=0.0,
            message=f"{quarantined} of {lines} data lines quarantined"
            + ("" if lines >= settings.min_rows_checked else " (too few lines to judge a rate)"),
        )
        sample = []
        if outcome.status != "pass":
            sample = [
                _clip(row)
                for (row,) in conn.execute(
                    "select to_jsonb(q) - 'raw_line' || jsonb_build_object('raw_line',"
                    " left(q.raw_line, %s)) from audit.quarantine q"
                    " join audit.load_manifest m using (load_id)"
                    " where m.status = 'loaded' and q.entity = %s"
                    " order by q.quarantine_id limit %s",
                    (SAMPLE_VALUE_CHARS, entity, SAMPLE_ROWS),
                ).fetchall()
            ]
        checks.append(MeasuredCheck(outcome, lines, quarantined, sample))
    return checks


FRESHNESS_STATUS = {"pass": "pass", "warn": "warn", "error": "fail", "runtime error": "error"}


def freshness_checks(sources: dict[str, Any], manifest: dict[str, Any]) -> list[MeasuredCheck]:
    """dbt source freshness results (sources.json) as timeliness checks."""
    checks = []
    for result in sources.get("results", []):
        source = manifest.get("sources", {}).get(result["unique_id"], {})
        criteria = result.get("criteria") or {}
        empty = str(result.get("max_loaded_at") or "").startswith("0001-")
        outcome = TestOutcome(
            test_id=f"freshness.{result['unique_id']}",
            name=f"freshness_{source.get('source_name', '')}__{source.get('name', '')}",
            test_type="freshness",
            model=source.get("name"),
            model_relation=source.get("relation_name"),
            population_relation=None,
            column=(source.get("loaded_at_field") or None),
            dimension="timeliness",
            severity="error",
            # dbt reads an empty table's newest row as year 1: nothing to judge yet
            status="skipped" if empty else FRESHNESS_STATUS.get(result["status"], "error"),
            failures=0 if result["status"] == "pass" else 1,
            warn_if=period_text(criteria.get("warn_after")),
            error_if=period_text(criteria.get("error_after")),
            where=None,
            changed_rows=None,
            failures_relation=None,
            execution_seconds=float(result.get("execution_time") or 0.0),
            message=(
                "no row loaded yet"
                if empty
                else f"newest row loaded {result.get('max_loaded_at_time_ago_in_s', 0):,.0f} s ago"
                if result["status"] != "runtime error"
                else result.get("error") or "freshness could not be checked"
            ),
        )
        failed = None if empty else 0 if outcome.status == "pass" else 1
        checks.append(MeasuredCheck(outcome, None if empty else 1, failed))
    return checks


def period_text(criterion: dict | None) -> str:
    if not criterion or not criterion.get("count"):
        return ""
    return f"> {criterion['count']} {criterion['period']}"


# -------------------------------------------------------------------- recording


def record(
    conn: psycopg.Connection,
    run_id: str,
    invocation_id: str,
    checks: list[MeasuredCheck],
    scores: list[Score],
    timings: list[NodeTiming],
) -> None:
    """Append one build's checks, samples, scorecard and timings, in one transaction."""
    run = {"run_id": run_id, "invocation_id": invocation_id}
    with conn.transaction():
        store.insert_records(conn, "dq_test_results", ({**run, **c.as_record()} for c in checks))
        store.insert_records(
            conn,
            "dq_failure_samples",
            (
                {**run, "test_id": c.outcome.test_id, "sample_number": n, "sample_row": row}
                for c in checks
                for n, row in enumerate(c.samples, start=1)
            ),
        )
        store.insert_records(
            conn,
            "dq_scorecard",
            (
                {
                    **run,
                    "scope": s.scope,
                    "name": s.name,
                    "checks": s.checks,
                    "passed": s.passed,
                    "warned": s.warned,
                    "failed": s.failed,
                    "score": s.score,
                    "threshold": s.threshold,
                    "below_threshold": s.below_threshold,
                }
                for s in scores
            ),
        )
        store.insert_records(
            conn,
            "dbt_node_timings",
            (
                {
                    **run,
                    "unique_id": t.unique_id,
                    "resource_type": t.resource_type,
                    "name": t.name,
                    "status": t.status,
                    "started_at": t.started_at,
                    "completed_at": t.completed_at,
                    "execution_seconds": t.execution_seconds,
                    "rows_affected": t.rows_affected,
                    "message": t.message,
                }
                for t in timings
            ),
        )
