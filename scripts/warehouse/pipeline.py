"""The main job: load every pending landing batch, then build the dbt project.

Each step is logged in audit.run_log under one run id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

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


def build(
    settings: Settings, conn: db.Connection, run_id: str, dbt_args: list[str] | None = None
) -> DbtResult:
    """``dbt build`` against the resolved database, logged as one step; a full
    refresh when a batch was reloaded since the last successful build."""
    db.ensure_database(settings, conn)
    args = ["build", *(dbt_args or [])]
    with db.connect(conn, autocommit=True) as pg:
        audit.ensure_schema(pg)
        if "--full-refresh" not in args and needs_full_refresh(pg):
            args.append("--full-refresh")
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
