"""Starting over: `warehouse reset` drops the warehouse database (every layer,
the load manifest, the run history) and deletes the generated landing batches.

It takes the writer lock first, so it never pulls the database from under a
running command. The embedded server and its passwords stay; the pseudonym
key lives in the database and goes with it (the next build makes a new one).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from warehouse import db, lock
from warehouse.config import Settings
from warehouse.generate.core import remove_generated


@dataclass
class ResetOutcome:
    database_dropped: bool = False
    removed_batches: list[Path] = field(default_factory=list)


def reset(
    settings: Settings,
    conn: db.Connection,
    landing: Path | None,
    wait_seconds: float = 0,
) -> ResetOutcome:
    """Drop ``conn``'s database (under its writer lock) and, unless ``landing``
    is None, the generator's batches in it."""
    outcome = ResetOutcome()
    db.ensure_server(settings, conn)
    with db.connect(db.admin_connection(settings, conn), autocommit=True) as admin:
        exists = db.database_exists(admin, conn.dbname)
    if exists:
        holder = lock.me("reset")
        lock_conn = lock.acquire(conn, holder, wait_seconds)
        try:
            # with (force) ends every session on it, the lock's own included
            db.drop_database(db.admin_connection(settings, conn), conn.dbname)
        finally:
            with suppress(psycopg.Error):  # already ended by the drop
                lock_conn.close()
        outcome.database_dropped = True
    if landing is not None:
        outcome.removed_batches = remove_generated(landing)
    return outcome
