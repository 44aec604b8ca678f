"""One writer at a time per database.

Every command that writes (run, ingest, build, backfill, reset) holds a
session-level PostgreSQL advisory lock on a connection of its own for its
whole duration. The connection's application_name says who holds it
(command, pid, host, start time), so a second command that cannot get the
lock names the holder. When the holder dies, its connection closes and the
lock goes with it: a killed run never leaves the database locked.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from warehouse import db
from warehouse.errors import WarehouseError

#: The advisory lock (two-key form: class, object) that writers hold.
LOCK_CLASS = 0x57484F55  # "WHOU"
WRITER_LOCK = 1
#: The class of the transaction locks each load holds while it runs (object: load id).
LOAD_CLASS = 0x57484C44  # "WHLD"
POLL_SECONDS = 0.5


class LockBusy(WarehouseError):
    """Another command holds the database; exit code 3."""

    exit_code = 3


@dataclass(frozen=True)
class Holder:
    command: str
    pid: int
    host: str
    started_at: datetime

    @property
    def application_name(self) -> str:
        stamp = self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"warehouse {self.command} {self.pid}@{self.host[:20]} {stamp}"[:63]


def me(command: str) -> Holder:
    return Holder(command, os.getpid(), socket.gethostname(), datetime.now(UTC))


def _holder_text(conn: psycopg.Connection) -> str:
    row = conn.execute(
        "select a.application_name, a.pid, a.client_addr, a.backend_start"
        " from pg_locks l join pg_stat_activity a on a.pid = l.pid"
        " where l.locktype = 'advisory' and l.classid = %s and l.objid = %s"
        " and l.objsubid = 2 and l.granted limit 1",
        (LOCK_CLASS, WRITER_LOCK),
    ).fetchone()
    if row is None:
        return "another session (it has just let go)"
    name, pid, address, started = row
    parts = (name or "").split(" ")
    if len(parts) == 4 and parts[0] == "warehouse" and "@" in parts[2]:
        command, (owner, host), stamp = parts[1], parts[2].split("@", 1), parts[3]
        when = stamp.replace("T", " ").replace("Z", " UTC")
        return f"`warehouse {command}` (pid {owner} on {host}, started {when})"
    where = f" from {address}" if address else ""
    return f"server process {pid}{where}, connected since {started:%Y-%m-%d %H:%M:%S}"


def acquire(
    conn_info: db.Connection, holder: Holder, wait_seconds: float = 0
) -> psycopg.Connection:
    """The writer lock, held by the returned connection until it closes; waits
    up to ``wait_seconds``, then raises LockBusy naming the holder."""
    conn = db.open_connection(conn_info, autocommit=True, application_name=holder.application_name)
    try:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while not conn.execute(
            "select pg_try_advisory_lock(%s, %s)", (LOCK_CLASS, WRITER_LOCK)
        ).fetchone()[0]:
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_seconds:g} s" if wait_seconds else ""
                raise LockBusy(
                    f"the database {conn_info.url()} is busy{waited}: {_holder_text(conn)} "
                    f"holds it; retry later or pass --wait SECONDS"
                )
            time.sleep(POLL_SECONDS)
    except BaseException:
        conn.close()
        raise
    return conn


@contextmanager
def writer_lock(
    conn_info: db.Connection, command: str, wait_seconds: float = 0
) -> Iterator[Holder]:
    """Hold the database's writer lock for the block (see acquire)."""
    holder = me(command)
    conn = acquire(conn_info, holder, wait_seconds)
    try:
        yield holder
    finally:
        conn.close()


def loads_in_progress(conn: psycopg.Connection) -> list[int]:
    """Load ids whose transaction is still open (each load holds a lock on its id)."""
    return [
        row[0]
        for row in conn.execute(
            "select objid::bigint from pg_locks where locktype = 'advisory'"
            " and classid = %s and objsubid = 2 order by 1",
            (LOAD_CLASS,),
        ).fetchall()
    ]


def load_ceiling(conn: psycopg.Connection) -> int:
    """The highest load id a build may read: every load at or below it has
    committed (or ended) when the build starts. Loads still open, and any that
    start later (their ids are higher), are left to the next build."""
    if not conn.execute("select to_regclass('audit.load_manifest') is not null").fetchone()[0]:
        return 0  # nothing was ever loaded
    visible = conn.execute(
        "select coalesce(max(load_id), 0) from audit.load_manifest"
        " where status in ('loaded', 'replaced')"
    ).fetchone()[0]
    open_loads = loads_in_progress(conn)
    return min([visible, *(load_id - 1 for load_id in open_loads)])
