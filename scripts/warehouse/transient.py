"""Transient failures: the database went away (connection refused or lost,
a server restart or shutdown, too many connections) or a transaction lost a
race (serialization failure, deadlock). Worth retrying, unlike an SQL error or
a failed test."""

from __future__ import annotations

import psycopg

from warehouse import db
from warehouse.errors import WarehouseError

#: SQLSTATEs of transient failures: connection lost or refused, server shutting
#: down or starting, too many connections, serialization failure, deadlock.
TRANSIENT_STATES = {
    "08000", "08001", "08003", "08004", "08006", "57P01", "57P02", "57P03", "53300",
    "40001", "40P01",
}  # fmt: skip


class TransientError(WarehouseError):
    """A step failed for a reason that may pass: the database went away or a
    transaction lost a race. The step is retried."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TransientError):
        return True
    if isinstance(exc, psycopg.Error):
        state = getattr(exc, "sqlstate", None)
        if state in TRANSIENT_STATES:
            return True
        return isinstance(exc, psycopg.OperationalError) and state is None
    if isinstance(exc, db.DatabaseError):
        text = str(exc)
        return "connection refused" in text or "did not answer" in text
    return False
