"""The data-quality report's content, read from the audit schema: the latest
assessed run's scorecard (with its trend over earlier runs), failing checks
with sample rows, ground truth, profiles, anomalies, freshness,
reconciliation and a timeline of the last runs. ``write_report`` renders it
as dq_report.json (for machines) and dq_report.html (self-contained)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from warehouse import db
from warehouse.errors import WarehouseError
from warehouse.quality import ground_truth as gt
from warehouse.quality.artifacts import DIMENSIONS

TREND_RUNS = 30
TIMELINE_RUNS = 20
REPORT_NAME = "dq_report"


def _rows(conn: psycopg.Connection, query: str, params: tuple = ()) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cursor:
        return [dict(row) for row in cursor.execute(query, params).fetchall()]


def _plain(value: Any) -> Any:
    """JSON-ready values: dates as ISO text, decimals as numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def latest_run(conn: psycopg.Connection) -> str | None:
    """The run whose build was assessed last."""
    row = conn.execute(
        "select run_id from audit.dq_scorecard order by recorded_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def _scorecard(conn: psycopg.Connection, run_id: str) -> dict[str, Any]:
    rows = _rows(
        conn,
        "select scope, name, checks, passed, warned, failed, score, threshold, below_threshold"
        " from audit.dq_scorecard where run_id = %s and recorded_at = (select max(recorded_at)"
        " from audit.dq_scorecard where run_id = %s) order by scope, name",
        (run_id, run_id),
    )
    by_scope: dict[str, list[dict]] = {"overall": [], "dimension": [], "model": []}
    for row in rows:
        by_scope[row.pop("scope")].append(row)
    dimensions = {row["name"]: row for row in by_scope["dimension"]}
    return {
        "overall": by_scope["overall"][0] if by_scope["overall"] else None,
        "dimensions": [
            {"dimension": name, **{k: v for k, v in dimensions[name].items() if k != "name"}}
            for name in DIMENSIONS
            if name in dimensions
        ],
        "models": [
            {"model": row["name"], **{k: v for k, v in row.items() if k != "name"}}
            for row in by_scope["model"]
        ],
    }


def _trend(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = _rows(
        conn,
        "with runs as (select invocation_id, run_id, max(recorded_at) as recorded_at"
        " from audit.dq_scorecard group by 1, 2 order by 3 desc limit %s)"
        " select r.run_id, r.recorded_at, s.name, s.score from runs r"
        " join audit.dq_scorecard s using (invocation_id)"
        " where s.scope in ('overall', 'dimension') order by r.recorded_at, s.name",
        (TREND_RUNS,),
    )
    trend: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in rows:
        point = trend.setdefault(
            (row["run_id"], row["recorded_at"]),
            {"run_id": row["run_id"], "recorded_at": row["recorded_at"], "dimensions": {}},
        )
        if row["name"] == "overall":
            point["overall"] = row["score"]
        else:
            point["dimensions"][row["name"]] = row["score"]
    return list(trend.values())


def _failing(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    tests = _rows(
        conn,
        "select t.invocation_id, t.test_id, t.test_name, t.test_type, t.model, t.column_name,"
        " t.dimension, t.severity, t.status, t.rows_checked, t.rows_failed, t.failure_rate,"
        " t.warn_if, t.error_if, t.message from audit.dq_test_results t"
        " where t.run_id = %s and t.status in ('warn', 'fail', 'error')"
        " order by case t.status when 'error' then 0 when 'fail' then 1 else 2 end, t.test_name",
        (run_id,),
    )
    for test in tests:
        test["samples"] = [
            row["sample_row"]
            for row in _rows(
                conn,
                "select sample_row from audit.dq_failure_samples where invocation_id = %s"
                " and test_id = %s order by sample_number",
                (test.pop("invocation_id"), test["test_id"]),
            )
        ]
    return tests


def _ground_truth(conn: psycopg.Connection, run_id: str) -> tuple[list[dict], list[dict]]:
    rows = _rows(
        conn,
        "select batch_date, entity, defect, dimension, injected, detected, missed,"
        " false_positives, missed_examples, false_positive_examples"
        " from audit.dq_ground_truth where run_id = %s order by batch_date, entity, defect",
        (run_id,),
    )
    table = [
        gt.GroundTruthRow(
            batch_date=r["batch_date"],
            entity=r["entity"],
            defect=r["defect"],
            dimension=r["dimension"],
            injected=r["injected"],
            detected=r["detected"],
            missed=r["missed_examples"] + [{}] * (r["missed"] - len(r["missed_examples"])),
            false_positives=r["false_positive_examples"],
            false_positive_count=r["false_positives"],
        )
        for r in rows
    ]
    totals = gt.totals(table)
    for row in totals:
        row["missed_examples"] = [e for e in row["missed_examples"] if e]
    return totals, rows


def _profiles(conn: psycopg.Connection) -> list[dict[str, Any]]:
    rows = _rows(
        conn,
        "select p.relation, p.column_name, p.data_type, p.load_id, m.batch_date, p.row_count,"
        " p.null_count, p.null_rate, p.distinct_count, p.min_value, p.max_value, p.mean_value,"
        " p.min_length, p.max_length from audit.dq_profiles p"
        " left join audit.load_manifest m on m.load_id = p.load_id"
        " order by p.relation, p.column_name, p.load_id",
    )
    profiles: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["relation"], row["column_name"])
        profile = profiles.setdefault(
            key,
            {
                "relation": row["relation"],
                "column": row["column_name"],
                "data_type": row["data_type"],
                "history": [],
            },  # fmt: skip
        )
        profile["history"].append(
            {
                k: row[k]
                for k in ("load_id", "batch_date", "row_count", "null_rate", "distinct_count")
            }  # fmt: skip
        )
        profile["latest"] = {
            k: row[k]
            for k in (
                "load_id",
                "batch_date",
                "row_count",
                "null_count",
                "null_rate",
                "distinct_count",
                "min_value",
                "max_value",
                "mean_value",
                "min_length",
                "max_length",
            )  # fmt: skip
        }
    return list(profiles.values())


def _runs(conn: psycopg.Connection) -> list[dict[str, Any]]:
    steps = _rows(
        conn,
        "with last_runs as (select run_id, min(started_at) as started_at from audit.run_log"
        " group by run_id order by 2 desc limit %s)"
        " select l.run_id, l.step, l.target, l.status, l.rows_affected, l.error,"
        " l.started_at, l.finished_at from audit.run_log l join last_runs using (run_id)"
        " order by last_runs.started_at, l.started_at, l.log_id",
        (TIMELINE_RUNS,),
    )
    runs: dict[str, dict[str, Any]] = {}
    for step in steps:
        run = runs.setdefault(
            step["run_id"],
            {"run_id": step["run_id"], "started_at": step["started_at"], "steps": []},
        )
        finished = step["finished_at"]
        step["seconds"] = (finished - step["started_at"]).total_seconds() if finished else None
        run["steps"].append({k: v for k, v in step.items() if k != "run_id"})
    for run in runs.values():
        statuses = {s["status"] for s in run["steps"]}
        run["status"] = next(
            (s for s in ("failed", "running", "abandoned") if s in statuses), "success"
        )
        ends = [s["finished_at"] for s in run["steps"] if s["finished_at"]]
        run["finished_at"] = max(ends) if ends else None
        run["seconds"] = (
            (run["finished_at"] - run["started_at"]).total_seconds() if run["finished_at"] else None
        )
    return list(runs.values())


def report_data(conn: psycopg.Connection, database: str) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data."""
    run_id = latest_run(conn)
    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "run_id": run_id,
    }
    if run_id is None:
        data.update(
            scorecard=None, scorecard_trend=[], failing_tests=[], ground_truth=[],
            ground_truth_batches=[], profiles=[], anomalies=[], freshness=[],
            reconciliation=[], runs=_runs(conn),
        )  # fmt: skip
        return _plain(data)
    totals, batches = _ground_truth(conn, run_id)
    data.update(
        scorecard=_scorecard(conn, run_id),
        scorecard_trend=_trend(conn),
        failing_tests=_failing(conn, run_id),
        ground_truth=totals,
        ground_truth_batches=batches,
        profiles=_profiles(conn),
        anomalies=_rows(
            conn,
            "select metric, entity, subject, observed, median, mad, robust_z, expected_low,"
            " expected_high, history_points from audit.dq_anomalies where run_id = %s"
            " order by entity, subject, metric",
            (run_id,),
        ),
        freshness=_rows(
            conn,
            "select source_name, table_name, status, max_loaded_at, age_seconds, warn_after,"
            " error_after from audit.dq_freshness where run_id = (select run_id from"
            " audit.dq_freshness order by recorded_at desc limit 1) order by 1, 2",
        ),
        reconciliation=_rows(
            conn,
            "select entity, batch_date, data_lines, raw_rows, quarantined_lines, staged_rows,"
            " duplicate_rows, rejected_rows, lines_balance, rows_balance"
            " from audit.dq_reconciliation where run_id = %s order by entity, batch_date",
            (run_id,),
        ),
        runs=_runs(conn),
    )
    return _plain(data)


def write_report(data: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """dq_report.html and dq_report.json in ``out_dir``; their paths."""
    from warehouse.quality.render import render_html

    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{REPORT_NAME}.json"
    html_path = out_dir / f"{REPORT_NAME}.html"
    json_path.write_text(json.dumps(data, indent=1, default=str) + "\n", encoding="utf-8")
    html_path.write_text(render_html(data), encoding="utf-8")
    return html_path, json_path


class ReportError(WarehouseError):
    """There is nothing to report on; the message says what to run first."""


def write_for_database(conn_info: db.Connection, out_dir: Path) -> tuple[Path, Path]:
    """The report of the database ``conn_info`` names, written to ``out_dir``."""
    with db.connect(conn_info) as conn:
        assessed = conn.execute("select to_regclass('audit.dq_scorecard') is not null").fetchone()
        if not assessed[0]:
            raise ReportError(
                f"{conn_info.url()} holds no data-quality results yet: run `warehouse run` "
                f"(or `warehouse build`) first"
            )
        data = report_data(conn, conn_info.url())
    return write_report(data, out_dir)
