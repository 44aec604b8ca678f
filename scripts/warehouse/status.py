"""What `warehouse status` reports: the database in use, the last runs with
their durations, success rate and median duration over the last 30, the
watermark of each entity, and the landing batches not loaded yet."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psycopg

from warehouse import runs
from warehouse.landing import LandingError, discover


@dataclass(frozen=True)
class Watermark:
    entity: str
    last_batch: date
    loaded_at: datetime
    files: int
    quarantined: int


@dataclass
class Status:
    database: str
    server: str
    recent: list[runs.RunRecord] = field(default_factory=list)
    stats: runs.RunStats | None = None
    watermarks: list[Watermark] = field(default_factory=list)
    pending: dict[date, list[str]] = field(default_factory=dict)  # batch -> files
    landing: Path | None = None
    landing_error: str | None = None
    built_up_to: int | None = None
    newest_load: int = 0


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def pending_files(conn: psycopg.Connection, landing: Path) -> dict[date, list[str]]:
    """Landing files no load has taken yet, by batch (changed files, which need
    --reload, are not told apart here: that takes reading every file)."""
    loaded = set()
    if _exists(conn, "audit.load_manifest"):
        loaded = {
            row[0]
            for row in conn.execute(
                "select file_path from audit.load_manifest where status = 'loaded'"
            ).fetchall()
        }
    pending: dict[date, list[str]] = {}
    for batch in discover(landing):
        waiting = [f.relative_path for f in batch.files if f.relative_path not in loaded]
        if waiting:
            pending[batch.batch_date] = waiting
    return pending


def read_status(conn: psycopg.Connection, database: str, landing: Path | None) -> Status:
    server = conn.execute("select current_setting('server_version')").fetchone()[0]
    status = Status(database=database, server=f"PostgreSQL {server}", landing=landing)
    if _exists(conn, "audit.runs"):
        history = runs.recent(conn, runs.HISTORY)
        status.recent = history[:10]
        status.stats = runs.stats(history)
    if _exists(conn, "audit.watermarks"):
        status.watermarks = [
            Watermark(*row)
            for row in conn.execute(
                "select w.entity, w.last_batch_date, w.updated_at,"
                " (select count(*) from audit.load_manifest m where m.entity = w.entity"
                "   and m.status = 'loaded'),"
                " (select coalesce(sum(rows_quarantined), 0) from audit.load_manifest m"
                "   where m.entity = w.entity and m.status = 'loaded')"
                " from audit.watermarks w order by w.entity"
            ).fetchall()
        ]
        status.built_up_to = runs.built_up_to(conn) if _exists(conn, "audit.run_log") else None
        status.newest_load = runs.newest_load(conn)
    if landing is not None:
        try:
            status.pending = pending_files(conn, landing)
        except LandingError as exc:
            status.landing_error = str(exc)
    return status
