"""The main job: load every pending landing batch, check source freshness,
build the dbt project, assess data quality, write the report, alert.

Each step is logged in audit.run_log under one run id. A step that fails is
recorded and named in the outcome; the steps after it still run where they
can (the quality of a failed build is exactly what one wants to see), and
the run's outcome says whether everything passed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from warehouse import audit, db
from warehouse.config import Settings
from warehouse.dbt_runner import DbtError, DbtResult, run_dbt
from warehouse.ingest import FileResult, IngestResult, ingest_landing
from warehouse.quality import alerts, monitor
from warehouse.quality.artifacts import ArtifactError
from warehouse.quality.assess import Assessment, assess_build, check_freshness
from warehouse.quality.collect import MeasuredCheck
from warehouse.quality.report import report_data, write_report


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def ingest(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    run_id: str,
    on_file: Callable[[FileResult], None] | None = None,
    reload: date | None = None,
) -> IngestResult:
    """Load every pending batch under ``landing`` (and replace batch ``reload``),
    logged as one step."""
    db.ensure_database(settings, conn)
    target = f"{landing} --reload {reload}" if reload else str(landing)
    with db.connect(conn, autocommit=True) as pg:
        audit.ensure_schema(pg)
        with audit.log_step(pg, run_id, "ingest", target) as step:
            result = ingest_landing(pg, landing, on_file=on_file, reload=reload)
            step.rows_affected = result.rows_loaded
            step.details = {
                "files_loaded": result.count("loaded"),
                "files_skipped": result.count("skipped"),
                "files_failed": result.count("failed"),
                "rows_quarantined": result.rows_quarantined,
            }
            if reload:
                step.details["reload"] = reload.isoformat()
            if result.failed:
                step.status = "failed"
    return result


def needs_full_refresh(pg: psycopg.Connection) -> bool:
    """True when a batch was reloaded after the last successful dbt build.

    A reload deletes raw rows; incremental models only add and replace, so a
    record that disappeared with the old file would keep its rows until a
    full refresh.
    """
    return pg.execute(
        "select exists (select 1 from audit.run_log i where i.step = 'ingest'"
        " and i.status = 'success' and i.details ? 'reload'"
        " and i.finished_at > coalesce((select max(b.finished_at) from audit.run_log b"
        " where b.step = 'dbt build' and b.status = 'success'), '-infinity'))"
    ).fetchone()[0]


def _dbt_build(
    settings: Settings, conn: db.Connection, pg: psycopg.Connection, run_id: str, args: list[str]
) -> DbtResult:
    """``dbt build`` logged as one step; a full refresh when a batch was
    reloaded since the last successful build. Does not raise on failure."""
    args = ["build", *args]
    if "--full-refresh" not in args and needs_full_refresh(pg):
        args.append("--full-refresh")
    with audit.log_step(pg, run_id, "dbt build", " ".join(args)) as step:
        result = run_dbt(args, settings, conn)
        step.details = {"returncode": result.returncode, "deprecations": result.deprecations}
        if result.returncode != 0:
            step.status = "failed"
    return result


def _build_error(settings: Settings, result: DbtResult) -> str:
    return (
        f"dbt build failed (exit {result.returncode}): see the output above and "
        f"{settings.project_dir / 'logs' / 'dbt.log'}"
    )


def _assess(
    pg: psycopg.Connection,
    settings: Settings,
    run_id: str,
    result: DbtResult,
    freshness: list[MeasuredCheck],
    new_batches: list[date],
    landing: Path | None,
) -> Assessment | None:
    """The data-quality step; None when dbt left no artifacts to read."""
    with audit.log_step(pg, run_id, "data quality") as step:
        try:
            assessment = assess_build(pg, settings, run_id, result, freshness, new_batches, landing)
        except ArtifactError as exc:
            step.status = "failed"
            step.details = {"error": str(exc)}
            return None
        step.rows_affected = len(assessment.checks)
        step.details = {
            "checks": len(assessment.checks),
            "warned": len(assessment.with_status("warn")),
            "failed": len(assessment.with_status("fail", "error")),
            "anomalies": len(assessment.anomalies),
            "profiled_loads": assessment.profiled_loads,
        }
    return assessment


def build(
    settings: Settings, conn: db.Connection, run_id: str, dbt_args: list[str] | None = None
) -> DbtResult:
    """``dbt build`` against the resolved database and the quality of what it
    built, recorded; raises DbtError when the build failed."""
    db.ensure_database(settings, conn)
    with db.connect(conn, autocommit=True) as pg:
        audit.ensure_schema(pg)
        result = _dbt_build(settings, conn, pg, run_id, list(dbt_args or []))
        if result.returncode == 0 or (result.target_dir / "run_results.json").exists():
            _assess(pg, settings, run_id, result, [], [], None)
    if result.returncode != 0:
        raise DbtError(_build_error(settings, result))
    return result


@dataclass
class RunOutcome:
    run_id: str
    ingest: IngestResult | None = None
    build: DbtResult | None = None
    assessment: Assessment | None = None
    report: Path | None = None
    alert: alerts.AlertOutcome | None = None
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _quality_failures(assessment: Assessment) -> list[str]:
    """What in a quality assessment fails the run (beyond dbt's own failures)."""
    failures = []
    for check in assessment.with_status("fail", "error"):
        if check.outcome.test_type in ("ingestion", "freshness"):
            failures.append(f"{check.outcome.name}: {check.outcome.message}")
    for row in assessment.unbalanced:
        failures.append(
            f"{row.entity} batch {row.batch_date} does not reconcile: {row.data_lines} lines, "
            f"{row.raw_rows} raw rows + {row.quarantined_lines} quarantined; {row.staged_rows} "
            f"staged + {row.duplicate_rows} duplicates + {row.rejected_rows} rejected"
        )
    mismatched = assessment.ground_truth_mismatches
    if mismatched:
        missed = sum(len(r.missed) for r in mismatched)
        false = sum(r.false_positive_count for r in mismatched)
        failures.append(
            f"ground truth: {missed} injected defects missed, {false} false positives "
            f"({', '.join(sorted({f'{r.entity}/{r.defect}' for r in mismatched}))})"
        )
    return failures


def run(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    run_id: str,
    on_file: Callable[[FileResult], None] | None = None,
    webhook: str | None = None,
    report_dir: Path | None = None,
) -> RunOutcome:
    """The whole pipeline over every pending batch; never raises for a failed
    step, the outcome lists what failed."""
    ingested = ingest(settings, conn, landing, run_id, on_file=on_file)
    return run_after_ingest(settings, conn, landing, run_id, ingested, webhook, report_dir)


def run_after_ingest(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    run_id: str,
    ingested: IngestResult,
    webhook: str | None = None,
    report_dir: Path | None = None,
) -> RunOutcome:
    """Every step of the pipeline after the ingestion (see run)."""
    outcome = RunOutcome(run_id, ingest=ingested)
    if outcome.ingest.failed:
        outcome.failures.append(f"{len(outcome.ingest.failed)} landing files failed to load")
    new_batches = sorted({f.file.batch_date for f in outcome.ingest.files if f.status == "loaded"})
    with db.connect(conn, autocommit=True) as pg:
        freshness: list[MeasuredCheck] = []
        with audit.log_step(pg, run_id, "source freshness") as step:
            try:
                freshness = check_freshness(settings, conn, pg, run_id)
            except ArtifactError as exc:
                step.status = "failed"
                outcome.failures.append(str(exc))
            step.details = {"sources": len(freshness)}
        outcome.build = _dbt_build(settings, conn, pg, run_id, [])
        if outcome.build.returncode != 0:
            outcome.failures.append(_build_error(settings, outcome.build))
        outcome.assessment = _assess(
            pg, settings, run_id, outcome.build, freshness, new_batches, landing
        )
        if outcome.assessment is None:
            outcome.failures.append("data quality: dbt left no results to assess")
        else:
            outcome.failures += _quality_failures(outcome.assessment)
            outcome.warnings = monitor.warnings(outcome.assessment.anomalies)
        with audit.log_step(pg, run_id, "report") as step:
            try:
                html, _ = write_report(
                    report_data(pg, conn.url()), report_dir or settings.home / "reports"
                )
            except OSError as exc:
                step.status = "failed"
                outcome.failures.append(f"the report could not be written: {exc}")
            else:
                outcome.report = html
                step.details = {"path": str(html)}
        reasons = [alerts.Reason("run_failed", text) for text in outcome.failures]
        if outcome.assessment is not None:
            reasons += [
                alerts.Reason(
                    "below_threshold",
                    f"{s.name} score {s.score:.1%} is below its threshold {s.threshold:.0%}",
                )
                for s in outcome.assessment.below_threshold
            ]
        reasons += [alerts.Reason("anomaly", text) for text in outcome.warnings]
        with audit.log_step(pg, run_id, "alert") as step:
            report = str(outcome.report) if outcome.report else None
            outcome.alert = alerts.alert(pg, run_id, conn.url(), reasons, report, webhook)
            step.details = {
                "reasons": len(reasons),
                "status": outcome.alert.status if outcome.alert else "none",
            }
    return outcome


def alert_webhook() -> str | None:
    return os.environ.get(alerts.WEBHOOK_VARIABLE) or None
