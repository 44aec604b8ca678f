"""Run history in audit.runs (one row per writing command) next to its steps
in audit.run_log: what ran, how it ended, what a new run must do, and the
numbers `warehouse status` shows."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from warehouse.lock import Holder

HISTORY = 30


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    command: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    failed_step: str | None

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


def start(
    conn: psycopg.Connection,
    run_id: str,
    command: str,
    arguments: str,
    holder: Holder,
    resumed_from: str | None = None,
) -> None:
    conn.execute(
        "insert into audit.runs (run_id, command, arguments, status, pid, host, started_at,"
        " resumed_from) values (%s, %s, %s, 'running', %s, %s, now(), %s)",
        (run_id, command, arguments, holder.pid, holder.host, resumed_from),
    )


def finish(conn: psycopg.Connection, run_id: str, status: str, error: str | None = None) -> None:
    conn.execute(
        "update audit.runs set status = %s, error = %s, finished_at = now() where run_id = %s",
        (status, error, run_id),
    )


def close_abandoned(conn: psycopg.Connection) -> list[str]:
    """Runs and steps still 'running' while we hold the writer lock belong to a
    command that was killed or lost its server: closed as 'abandoned'."""
    with conn.transaction():
        runs = [
            row[0]
            for row in conn.execute(
                "update audit.runs set status = 'abandoned', finished_at = now(),"
                " error = coalesce(error, 'the command ended without closing its run')"
                " where status = 'running' returning run_id"
            ).fetchall()
        ]
        conn.execute(
            "update audit.run_log set status = 'abandoned', finished_at = now(),"
            " error = coalesce(error, 'the command ended during this step')"
            " where status = 'running'"
        )
    return runs


def _record(row: tuple) -> RunRecord:
    return RunRecord(*row)


_SELECT = (
    "select r.run_id, r.command, r.status, r.started_at, r.finished_at, r.error,"
    " (select l.step from audit.run_log l where l.run_id = r.run_id"
    "  and l.status in ('failed', 'abandoned') order by l.log_id limit 1)"
    " from audit.runs r"
)


def last(conn: psycopg.Connection, commands: tuple[str, ...] | None = None) -> RunRecord | None:
    """The latest run (of ``commands``), or None."""
    where = " where r.command = any(%s)" if commands else ""
    params = (list(commands),) if commands else ()
    row = conn.execute(f"{_SELECT}{where} order by r.started_at desc limit 1", params).fetchone()
    return _record(row) if row else None


def recent(conn: psycopg.Connection, limit: int = HISTORY) -> list[RunRecord]:
    """The latest runs, newest first."""
    return [
        _record(row)
        for row in conn.execute(
            f"{_SELECT} order by r.started_at desc limit %s", (limit,)
        ).fetchall()
    ]


@dataclass(frozen=True)
class RunStats:
    runs: int
    succeeded: int
    median_seconds: float | None

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.runs if self.runs else None


def stats(records: list[RunRecord]) -> RunStats:
    """Success rate and median duration of finished runs (not those still running)."""
    done = [r for r in records if r.status != "running"]
    durations = [r.seconds for r in done if r.seconds is not None]
    return RunStats(
        runs=len(done),
        succeeded=sum(1 for r in done if r.status == "success"),
        median_seconds=statistics.median(durations) if durations else None,
    )


@dataclass(frozen=True)
class WholeBuild:
    """The last successful build of the whole project (no node selection)."""

    load_ceiling: int  # every load at or below it is in the warehouse's models
    target_dir: Path | None  # its artifacts (manifest.json), when recorded


#: A build step that built every node: recorded as such, or from before the
#: wrapper recorded it (whole builds only, then).
_WHOLE_BUILD = (
    "step = 'dbt build' and status = 'success' and details ? 'load_ceiling'"
    " and coalesce((details->>'whole')::boolean, true)"
)


def last_whole_build(conn: psycopg.Connection) -> WholeBuild | None:
    row = conn.execute(
        "select (details->>'load_ceiling')::bigint, details->>'target_dir' from audit.run_log"
        f" where {_WHOLE_BUILD} order by finished_at desc limit 1"
    ).fetchone()
    if not row:
        return None
    return WholeBuild(row[0], Path(row[1]) if row[1] else None)


def built_up_to(conn: psycopg.Connection) -> int | None:
    """The load ceiling of the last successful whole build: every load at or
    below it is in the warehouse's models. None before any."""
    last = last_whole_build(conn)
    return last.load_ceiling if last else None


def newest_load(conn: psycopg.Connection) -> int:
    return conn.execute(
        "select coalesce(max(load_id), 0) from audit.load_manifest"
        " where status in ('loaded', 'replaced')"
    ).fetchone()[0]
