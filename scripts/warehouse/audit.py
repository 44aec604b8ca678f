"""The audit schema: what was loaded, what was refused, how far each entity got,
and a log row per pipeline step. Created idempotently before every run."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

from warehouse.errors import WarehouseError

AUDIT_SCHEMA = "audit"

DDL = """
create schema if not exists audit;

create table if not exists audit.load_manifest (
    load_id         bigint generated always as identity primary key,
    batch_date      date        not null,
    entity          text        not null,
    file_path       text        not null,  -- <batch>/<file>, relative to the landing zone
    file_size       bigint      not null,
    content_hash    text        not null,  -- sha256 of the file's bytes
    data_lines      bigint,                -- records after the header
    rows_loaded     bigint,
    rows_quarantined bigint,
    status          text        not null check (status in ('loaded', 'failed', 'replaced')),
    load_path       text,                  -- fast (one COPY) or split (line-level checks)
    drift           jsonb,                 -- extra and missing columns
    error           text,
    started_at      timestamptz not null,
    finished_at     timestamptz not null
);
-- Added after the first layout; a reload links the loads it replaced to the new one.
alter table audit.load_manifest add column if not exists replaced_by bigint;
-- Added with the checks of hostile input: the file's real path (symlinks
-- resolved), and whether its batch was older than one already loaded.
alter table audit.load_manifest add column if not exists source_path text;
alter table audit.load_manifest add column if not exists late_batch boolean not null default false;
create unique index if not exists load_manifest_one_loaded_per_file
    on audit.load_manifest (file_path) where status = 'loaded';

create table if not exists audit.quarantine (
    quarantine_id   bigint generated always as identity primary key,
    load_id         bigint      not null references audit.load_manifest (load_id),
    batch_date      date        not null,
    entity          text        not null,
    file_path       text        not null,
    line_number     bigint      not null,
    reason          text        not null,
    raw_line        text        not null,  -- the line's bytes, invalid UTF-8 escaped
    quarantined_at  timestamptz not null default now()
);
create index if not exists quarantine_by_load on audit.quarantine (load_id);
-- Added with the line-length limit: where the line starts in its file.
alter table audit.quarantine add column if not exists byte_offset bigint;

create table if not exists audit.watermarks (
    entity          text primary key,
    last_batch_date date        not null,
    last_load_id    bigint      not null,
    updated_at      timestamptz not null default now()
);

create table if not exists audit.run_log (
    log_id          bigint generated always as identity primary key,
    run_id          text        not null,
    step            text        not null,
    target          text,
    status          text        not null
                    check (status in ('running', 'success', 'failed', 'skipped', 'abandoned')),
    rows_affected   bigint,
    details         jsonb,
    error           text,
    started_at      timestamptz not null,
    finished_at     timestamptz
);
-- Added with run history: retries of a step, and the 'abandoned' status (a step
-- whose command was killed, closed as such by the next command).
alter table audit.run_log add column if not exists retries integer not null default 0;
alter table audit.run_log drop constraint if exists run_log_status_check;
alter table audit.run_log add constraint run_log_status_check
    check (status in ('running', 'success', 'failed', 'skipped', 'abandoned'));

create table if not exists audit.runs (
    run_id          text        primary key,
    command         text        not null,   -- run, ingest, build, backfill, reset
    arguments       text,
    status          text        not null
                    check (status in ('running', 'success', 'failed', 'abandoned')),
    pid             integer     not null,
    host            text        not null,
    started_at      timestamptz not null,
    finished_at     timestamptz,
    resumed_from    text,                   -- the failed or abandoned run this one continued
    error           text
);
"""


def ensure_schema(conn: psycopg.Connection) -> None:
    # One advisory lock so that concurrent first runs do not race on DDL.
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('warehouse.audit.ddl'))")
        conn.execute(DDL)


@dataclass
class Step:
    """A run_log row being filled in by the step it describes."""

    run_id: str
    step: str
    target: str | None = None
    rows_affected: int | None = None
    details: dict = field(default_factory=dict)
    status: str = "success"
    retries: int = 0
    error: str | None = None


Connector = Callable[[], psycopg.Connection]


@contextmanager
def log_step(
    conn: psycopg.Connection | Connector, run_id: str, step: str, target: str | None = None
) -> Iterator[Step]:
    """Record a step in audit.run_log: a 'running' row first, its outcome at the end.

    ``conn``: an autocommit connection (so the log survives the step's own
    failure), or a function that returns a live one: then the outcome is still
    written after the server went away and came back. If it cannot be written
    at all, the row stays 'running' and the next command closes it as
    'abandoned'.
    """
    connect = conn if callable(conn) else (lambda: conn)
    record = Step(run_id, step, target)
    started = datetime.now().astimezone()
    log_id = (
        connect()
        .execute(
            "insert into audit.run_log (run_id, step, target, status, started_at)"
            " values (%s, %s, %s, 'running', %s) returning log_id",
            (run_id, step, target, started),
        )
        .fetchone()[0]
    )
    try:
        yield record
    except BaseException as exc:
        record.status = "failed"
        record.error = record.error or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with suppress(psycopg.Error, WarehouseError):
            connect().execute(
                "update audit.run_log set status = %s, rows_affected = %s, details = %s,"
                " error = %s, retries = %s, finished_at = now() where log_id = %s",
                (
                    record.status,
                    record.rows_affected,
                    json.dumps(record.details, default=str),
                    record.error,
                    record.retries,
                    log_id,
                ),
            )
