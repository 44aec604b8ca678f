"""A writing command's hold on the database, for its whole duration.

Entering a session: the database is made to exist, the writer lock taken
(waiting up to ``wait_seconds``), the audit schema ensured, and runs and steps
left 'running' by a killed command closed as 'abandoned'; then the command's
own run is recorded. Inside, ``pg()`` is a bookkeeping connection that is
reopened when it broke, and ``recover()`` waits for a server that went away
(restarting the embedded one), takes the lock again and reopens. Transient
failures (no connection, a server restart, a serialization failure or a
deadlock) are what steps retry; logic errors (SQL errors, failed tests) are not.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

import psycopg
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random_exponential

from warehouse import audit, db, embedded, lock, runs
from warehouse.config import Settings
from warehouse.errors import WarehouseError
from warehouse.transient import TransientError, is_transient

RECOVERY_SECONDS = 120


class Session:
    def __init__(
        self,
        settings: Settings,
        conn_info: db.Connection,
        command: str,
        arguments: str,
        run_id: str,
        wait_seconds: float = 0,
        emit: Callable[..., None] | None = None,
    ) -> None:
        self.settings = settings
        self.conn_info = conn_info
        self.command = command
        self.arguments = arguments
        self.run_id = run_id
        self.wait_seconds = wait_seconds
        self.emit = emit or (lambda *_a, **_k: None)
        self.holder = lock.me(command)
        self.abandoned: list[str] = []
        self.previous: runs.RunRecord | None = None
        self._lock: psycopg.Connection | None = None
        self._pg: psycopg.Connection | None = None

    # ---------------------------------------------------------------- life

    def __enter__(self) -> Session:
        db.ensure_database(self.settings, self.conn_info)
        self._lock = lock.acquire(self.conn_info, self.holder, self.wait_seconds)
        try:
            pg = self.pg()
            audit.ensure_schema(pg)
            self.abandoned = runs.close_abandoned(pg)
            self.previous = runs.last(pg)
            resumed = (
                self.previous.run_id
                if self.previous and self.previous.status in ("failed", "abandoned")
                else None
            )
            runs.start(pg, self.run_id, self.command, self.arguments, self.holder, resumed)
        except BaseException:
            self.close()
            raise
        return self

    def finish(self, status: str, error: str | None = None) -> None:
        # if it cannot be written, the run stays 'running': the next command
        # closes it as abandoned
        with suppress(psycopg.Error, WarehouseError):
            runs.finish(self.pg(), self.run_id, status, error)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> None:
        if exc is not None:
            reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
            self.finish("failed", reason or type(exc).__name__)
        self.close()

    def close(self) -> None:
        for conn in (self._pg, self._lock):
            if conn is not None:
                conn.close()
        self._pg = self._lock = None

    # ---------------------------------------------------------- connections

    def pg(self) -> psycopg.Connection:
        """The bookkeeping connection (autocommit), reopened if it broke."""
        if self._pg is None or self._pg.closed or self._pg.broken:
            if self._pg is not None:
                self._pg.close()
            self._pg = db.open_connection(self.conn_info, autocommit=True)
        return self._pg

    def lock_alive(self) -> bool:
        if self._lock is None or self._lock.closed or self._lock.broken:
            return False
        try:
            self._lock.execute("select 1")
        except psycopg.Error:
            return False
        return True

    def recover(self, error: BaseException) -> None:
        """After a transient failure: wait for the server (starting the embedded
        one again), hold the lock again, reopen the bookkeeping connection."""
        if self.lock_alive() and not (self._pg is not None and self._pg.broken):
            return  # the server stayed up: a lost race, nothing to recover
        self.emit("recovering", error=str(error).strip().splitlines()[0] if str(error) else "")
        for attempt in Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_delay(RECOVERY_SECONDS),
            wait=wait_random_exponential(multiplier=0.5, max=10),
            reraise=True,
        ):
            with attempt:
                if self.conn_info.embedded:
                    try:
                        embedded.start(self.settings.pgdata, self.settings.embedded_port)
                    except embedded.EmbeddedServerError as exc:
                        raise TransientError(str(exc)) from None
                with db.connect(self.conn_info.with_database("postgres")):
                    pass
        if not self.lock_alive():
            if self._lock is not None:
                self._lock.close()
            self._lock = lock.acquire(self.conn_info, self.holder, 0)
        if self._pg is not None:
            self._pg.close()
            self._pg = None
        self.pg()


def retrying(
    session: Session,
    step: str,
    attempts: int,
    on_retry: Callable[[int, BaseException, float], None],
) -> Retrying:
    """Tenacity's loop for a step: transient failures retried with exponential
    backoff and jitter (the session recovered before each), others raised."""

    def before_sleep(state: Any) -> None:
        error = state.outcome.exception()
        wait = state.next_action.sleep if state.next_action else 0.0
        on_retry(state.attempt_number, error, wait)
        session.recover(error)

    return Retrying(
        retry=retry_if_exception(is_transient),
        stop=lambda state: state.attempt_number >= attempts,
        wait=wait_random_exponential(multiplier=1, max=20),
        before_sleep=before_sleep,
        reraise=True,
    )
