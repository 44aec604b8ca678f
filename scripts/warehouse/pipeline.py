"""The main job: load every pending landing batch, then build the dbt project.

Each step is logged in audit.run_log under one run id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from warehouse import audit, db
from warehouse.config import Settings
from warehouse.dbt_runner import DbtError, DbtResult, run_dbt
from warehouse.ingest import FileResult, IngestResult, ingest_landing


@dataclass(frozen=True)
class RunResult:
    run_id: str
    ingest: IngestResult
    dbt: DbtResult | None


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def ingest(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    run_id: str,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestResult:
    """Load every pending batch under ``landing``, logged as one step."""
    db.ensure_database(settings, conn)
    with db.connect(conn, autocommit=True) as pg:
        audit.ensure_schema(pg)
        with audit.log_step(pg, run_id, "ingest", str(landing)) as step:
            result = ingest_landing(pg, landing, on_file=on_file)
            step.rows_affected = result.rows_loaded
            step.details = {
                "files_loaded": result.count("loaded"),
                "files_skipped": result.count("skipped"),
                "files_failed": result.count("failed"),
                "rows_quarantined": result.rows_quarantined,
            }
            if result.failed:
                step.status = "failed"
    return result


def build(
    settings: Settings, conn: db.Connection, run_id: str, dbt_args: list[str] | None = None
) -> DbtResult:
    """``dbt build`` against the resolved database, logged as one step."""
    db.ensure_database(settings, conn)
    args = ["build", *(dbt_args or [])]
    with db.connect(conn, autocommit=True) as pg:
        audit.ensure_schema(pg)
        with audit.log_step(pg, run_id, "dbt build", " ".join(args)) as step:
            result = run_dbt(args, settings, conn)
            step.details = {"returncode": result.returncode, "deprecations": result.deprecations}
            if result.returncode != 0:
                step.status = "failed"
    if result.returncode != 0:
        raise DbtError(
            f"dbt {' '.join(args)} failed (exit {result.returncode}): see the output above "
            f"and {settings.project_dir / 'logs' / 'dbt.log'}"
        )
    return result


def run(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    on_file: Callable[[FileResult], None] | None = None,
) -> RunResult:
    """The whole pipeline over every pending batch."""
    run_id = new_run_id()
    ingested = ingest(settings, conn, landing, run_id, on_file=on_file)
    built = build(settings, conn, run_id)
    return RunResult(run_id, ingested, built)
