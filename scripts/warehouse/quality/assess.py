"""One run's data-quality assessment, in the order the pipeline needs it:
source freshness before the build; after it, every check measured and
scored, the new loads profiled, anomalies, reconciliation and ground truth,
all recorded in the audit schema."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from warehouse import db
from warehouse.config import Settings
from warehouse.dbt_runner import DbtResult, run_dbt
from warehouse.quality import (
    collect,
    ground_truth,
    monitor,
    profile,
    reconcile,
    signals,
    store,
)
from warehouse.quality.artifacts import ArtifactError, data_tests, node_timings, read_artifacts
from warehouse.quality.collect import MeasuredCheck
from warehouse.quality.failing_rows import keep_failing_rows
from warehouse.quality.scorecard import Score, scorecard
from warehouse.quality.settings import load_quality_settings


@dataclass
class Assessment:
    run_id: str
    checks: list[MeasuredCheck] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)
    anomalies: list[monitor.Anomaly] = field(default_factory=list)
    reconciliation: list[reconcile.Reconciliation] = field(default_factory=list)
    ground_truth: list[ground_truth.GroundTruthRow] = field(default_factory=list)
    profiled_loads: int = 0

    def with_status(self, *statuses: str) -> list[MeasuredCheck]:
        return [c for c in self.checks if c.outcome.status in statuses]

    @property
    def below_threshold(self) -> list[Score]:
        return [s for s in self.scores if s.below_threshold]

    @property
    def unbalanced(self) -> list[reconcile.Reconciliation]:
        return [r for r in self.reconciliation if not (r.lines_balance and r.rows_balance)]

    @property
    def ground_truth_mismatches(self) -> list[ground_truth.GroundTruthRow]:
        return [
            r for r in self.ground_truth
            if r.injected != r.detected or r.false_positive_count
        ]  # fmt: skip


def check_freshness(
    settings: Settings, conn: db.Connection, pg: psycopg.Connection, run_id: str
) -> list[MeasuredCheck]:
    """`dbt source freshness`, recorded; its results as timeliness checks. A
    source past its error threshold makes dbt exit 1: that is a result here,
    not a failure of the step (the checks carry it)."""
    result = run_dbt(
        ["source", "freshness"], settings, conn, echo=False, label=f"{run_id}-freshness"
    )
    path = result.target_dir / "sources.json"
    try:
        sources = json.loads(path.read_text())
        manifest = json.loads((result.target_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        tail = result.output.strip().splitlines()[-3:]
        raise ArtifactError(
            f"dbt source freshness wrote no results ({path}): {' | '.join(tail)}"
        ) from None
    checks = collect.freshness_checks(sources, manifest)
    store.ensure_tables(pg)
    with pg.transaction():
        store.insert_records(
            pg,
            "dq_freshness",
            (
                {
                    "run_id": run_id,
                    "source_name": manifest["sources"][r["unique_id"]]["source_name"],
                    "table_name": manifest["sources"][r["unique_id"]]["name"],
                    "status": r["status"],
                    "max_loaded_at": r.get("max_loaded_at"),
                    "snapshotted_at": r.get("snapshotted_at"),
                    "age_seconds": r.get("max_loaded_at_time_ago_in_s"),
                    "warn_after": collect.period_text((r.get("criteria") or {}).get("warn_after")),
                    "error_after": collect.period_text(
                        (r.get("criteria") or {}).get("error_after")
                    ),
                }
                for r in sources.get("results", [])
            ),
        )
    return checks


def assess_build(
    pg: psycopg.Connection,
    settings: Settings,
    run_id: str,
    build: DbtResult,
    freshness: Iterable[MeasuredCheck] = (),
    new_batches: Iterable[date] = (),
    landing: Path | None = None,
    load_ceiling: int | None = None,
) -> Assessment:
    """Everything after a build, recorded under ``run_id``. ``new_batches``:
    the batches this run loaded (judged for anomalies); ``landing``: where to
    look for the sources' defect manifests (ground truth); ``load_ceiling``:
    the newest load the build read (reconciliation and ground truth look at
    the same loads)."""
    store.ensure_tables(pg)
    quality = load_quality_settings(settings.project_dir)
    assessment = Assessment(run_id)
    artifacts = read_artifacts(build.target_dir)
    stored = keep_failing_rows(pg, artifacts, load_ceiling)
    checks = collect.measure(pg, data_tests(artifacts, stored))
    if pg.execute("select to_regclass('audit.load_manifest') is not null").fetchone()[0]:
        checks += collect.ingestion_checks(pg, quality)
    checks += list(freshness)
    assessment.checks = checks
    assessment.scores = scorecard((c.outcome for c in checks), quality.score_thresholds)
    collect.record(
        pg, run_id, artifacts.invocation_id, checks, assessment.scores, node_timings(artifacts)
    )
    assessment.profiled_loads = sum(profile.profile_all(pg, run_id).values())
    if pg.execute("select to_regclass('audit.load_manifest') is not null").fetchone()[0]:
        assessment.anomalies = monitor.find_anomalies(monitor.metric_points(pg), new_batches)
        monitor.record(pg, run_id, assessment.anomalies)
        assessment.reconciliation = reconcile.reconcile(pg, load_ceiling)
        reconcile.record(pg, run_id, assessment.reconciliation)
    if landing is not None and landing.is_dir():
        loaded = {
            (batch, entity)
            for batch, entity in pg.execute(
                "select distinct batch_date, entity from audit.load_manifest"
                " where status = 'loaded' and load_id <= %s",
                (load_ceiling if load_ceiling is not None else 2**62,),
            ).fetchall()
        }
        truth = ground_truth.read_manifests(landing).restricted_to(loaded)
        if truth.batches:
            assessment.ground_truth = ground_truth.compare(truth, signals.read_signals(pg))
            ground_truth.record(pg, run_id, assessment.ground_truth)
    return assessment
