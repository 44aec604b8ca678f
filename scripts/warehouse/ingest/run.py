"""Loading a landing zone: pending files in batch order, reloads, and the
scheduling of different entities on parallel connections."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg

from warehouse import audit, db
from warehouse.contract import LOAD_ORDER, Entity
from warehouse.ingest.load import (
    LateBatchError,
    LoadProgress,
    file_digest,
    give_space_back,
    load_file,
    previous_loads,
)
from warehouse.ingest.raw_tables import ensure_raw_tables
from warehouse.ingest.results import FileResult, IngestError, IngestResult
from warehouse.ingest.space import server_data_dir
from warehouse.landing import Batch, Ignored, LandingFile, discover
from warehouse.transient import TransientError, is_transient

#: Parallel loads: one per core, two at most (the machine this targets has two).
DEFAULT_WORKERS = max(1, min(2, os.cpu_count() or 1))


def pending_files(batches: list[Batch]) -> list[LandingFile]:
    return [f for batch in batches for f in batch.files]


def ingest_landing(
    conn: psycopg.Connection,
    landing_dir: Path,
    on_file: Callable[[FileResult], None] | None = None,
    until: date | None = None,
    reload: date | None = None,
    workers: int | None = None,
    only: set[date] | None = None,
    allow_late_batch: bool = False,
    data_dir: Path | None = None,
) -> IngestResult:
    """Load every batch not loaded yet, in batch-date order.

    ``reload``: a batch date whose files replace what was loaded from them.
    ``workers``: parallel loads (default: ``DEFAULT_WORKERS``), each on a
    connection of its own opened like ``conn``, which only keeps the books.
    ``only``: load only these batches (a backfill), the others wait.
    ``allow_late_batch``: load a batch older than one already loaded for the
    entity (recorded as late) instead of refusing it.
    ``data_dir``: the server's data directory, for the free-space check
    before each load (default: found from the connection; no check when it
    is not on this machine).

    A file that fails (missing key column, changed content, lost connection,
    too little disk) is recorded as failed with its error; the other files
    still load, except later unloaded files of the same entity, which wait so
    that batches stay in order (also behind a refused entry of the landing
    zone). A refused late batch makes nothing wait: it is out of order already.
    Entries of the landing zone that do not load are in ``ignored_entries``.
    """
    batches = discover(landing_dir)
    ignored = batches.ignored
    if until is not None:
        batches = [b for b in batches if b.batch_date <= until]
        ignored = [e for e in ignored if e.batch_date is None or e.batch_date <= until]
    if only is not None:
        batches = [b for b in batches if b.batch_date in only]
        ignored = [e for e in ignored if e.batch_date is None or e.batch_date in only]
    audit.ensure_schema(conn)
    files = pending_files(batches)
    if reload is not None:
        _check_reload(conn, batches, reload, landing_dir)
    ensure_raw_tables(conn, sorted({f.entity for f in files}, key=_order))
    if data_dir is None:
        data_dir = server_data_dir(conn)
    jobs = max(1, min(workers or DEFAULT_WORKERS, len(files)))
    run = _Run(
        conn,
        files,
        reload,
        jobs,
        on_file,
        allow_late_batch=allow_late_batch,
        data_dir=data_dir,
        refused_from=_refused_from(ignored),
    )
    outcomes = run.run() if files else []
    return IngestResult(outcomes, workers=jobs, ignored_entries=list(ignored))


def _order(entity: Entity) -> int:
    return LOAD_ORDER.index(entity.name)


def _refused_from(ignored: list[Ignored]) -> dict[str, Ignored]:
    """Per entity, its earliest refused entry of a batch: later batches of the
    entity wait behind it, as they would behind a failed file (a refused batch
    folder holds every entity)."""
    first: dict[str, Ignored] = {}
    for entry in ignored:
        if not entry.refused or entry.batch_date is None:
            continue
        for name in [entry.entity] if entry.entity else LOAD_ORDER:
            held = first.get(name)
            if held is None or held.batch_date is None or entry.batch_date < held.batch_date:
                first[name] = entry
    return first


def _check_reload(
    conn: psycopg.Connection, batches: list[Batch], reload: date, landing_dir: Path
) -> None:
    """A reload needs the batch's folder, with every file loaded from it before."""
    batch = next((b for b in batches if b.batch_date == reload), None)
    if batch is None:
        raise IngestError(
            f"--reload {reload}: there is no batch folder {landing_dir / reload.isoformat()}"
        )
    present = {f.relative_path for f in batch.files}
    gone = [
        path
        for (path,) in conn.execute(
            "select distinct file_path from audit.load_manifest"
            " where batch_date = %s and status = 'loaded' order by file_path",
            (reload,),
        ).fetchall()
        if path not in present
    ]
    if gone:
        raise IngestError(
            f"--reload {reload}: {', '.join(gone)} was loaded from this batch but is no "
            f"longer in {batch.path}; put it back (a reload replaces files, it does not "
            f"delete them)"
        )


# ------------------------------------------------------------------ the workers


class _Scheduler:
    """Hands out files: the first pending file whose entity no worker holds, so
    an entity's batches load in date order while other entities go alongside."""

    def __init__(self, files: list[LandingFile]) -> None:
        self._pending = list(enumerate(files))
        self._busy: set[str] = set()
        self.blocked: set[str] = set()
        self._cond = threading.Condition()
        self._stopped = False

    def take(self) -> tuple[int, LandingFile] | None:
        with self._cond:
            while not self._stopped and self._pending:
                for position, (index, file) in enumerate(self._pending):
                    if file.entity.name not in self._busy:
                        del self._pending[position]
                        self._busy.add(file.entity.name)
                        return index, file
                self._cond.wait()
            return None

    def done(self, file: LandingFile, failed: bool) -> None:
        with self._cond:
            self._busy.discard(file.entity.name)
            if failed:
                self.blocked.add(file.entity.name)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    @property
    def stopped(self) -> bool:
        return self._stopped


_DONE = object()


class _Run:
    """One ingestion: worker threads load, this thread keeps the books and
    reports each file as it finishes (``on_file`` runs here, never in a worker)."""

    def __init__(
        self,
        conn: psycopg.Connection,
        files: list[LandingFile],
        reload: date | None,
        jobs: int,
        on_file: Callable[[FileResult], None] | None,
        *,
        allow_late_batch: bool = False,
        data_dir: Path | None = None,
        refused_from: dict[str, Ignored] | None = None,
    ) -> None:
        self.conn = conn
        self.files = files
        self.reload = reload
        self.jobs = jobs
        self.on_file = on_file
        self.scheduler = _Scheduler(files)
        self.events: queue.Queue[Any] = queue.Queue()
        self.worker_conns: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self.allow_late_batch = allow_late_batch
        self.data_dir = data_dir
        self.refused_from = refused_from or {}

    def run(self) -> list[FileResult]:
        threads = [
            threading.Thread(target=self._work, name=f"ingest-{n}", daemon=True)
            for n in range(self.jobs)
        ]
        for thread in threads:
            thread.start()
        results: dict[int, FileResult] = {}
        error: BaseException | None = None
        try:
            for event in self._events(len(threads)):
                if isinstance(event, BaseException):
                    error = error or event
                    self.scheduler.stop()
                    continue
                index, outcome = event
                if outcome.status == "failed" and outcome.attempted and not outcome.transient:
                    _record_failure(self.conn, outcome)
                results[index] = outcome
                if self.on_file:
                    self.on_file(outcome)
        except BaseException:
            self._abort()
            raise
        finally:
            for thread in threads:
                thread.join(timeout=30)
        if error is not None:
            raise error
        return [results[i] for i in sorted(results)]

    def _events(self, workers: int) -> Iterator[Any]:
        running = workers
        while running:
            event = self.events.get()
            if event is _DONE:
                running -= 1
            else:
                yield event

    def _abort(self) -> None:
        """Interrupted: no new files, and the loads in progress are cancelled
        (their transactions roll back)."""
        self.scheduler.stop()
        with self._lock:
            for worker_conn in self.worker_conns:
                with suppress(psycopg.Error, OSError):
                    worker_conn.cancel_safe(timeout=5)

    def _connect(self) -> psycopg.Connection:
        try:
            worker_conn = db.connect_like(self.conn, "warehouse ingest")
        except db.DatabaseError as exc:
            raise TransientError(f"cannot open a loading connection: {exc}") from None
        with self._lock:
            self.worker_conns.append(worker_conn)
        return worker_conn

    def _work(self) -> None:
        worker_conn: psycopg.Connection | None = None
        try:
            while (item := self.scheduler.take()) is not None:
                index, file = item
                if worker_conn is None or worker_conn.broken or worker_conn.closed:
                    worker_conn = self._connect()
                outcome = self._load(worker_conn, file)
                # a refused late batch is out of order already: nothing waits for it
                self.scheduler.done(file, outcome.status == "failed" and not outcome.late_batch)
                self.events.put((index, outcome))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            self.events.put(exc)
        finally:
            if worker_conn is not None:
                worker_conn.close()
            self.events.put(_DONE)

    def _load(self, worker_conn: psycopg.Connection, file: LandingFile) -> FileResult:
        """Load one file; after a failure that left dead rows, give their space back."""
        progress = LoadProgress()
        outcome = self._attempt(worker_conn, file, progress)
        if outcome.status == "failed" and progress.wrote_rows and not self.scheduler.stopped:
            hint = give_space_back(self.conn, file.entity)
            if hint is not None:
                outcome.hint = hint
                outcome.error = f"{outcome.error}; {hint}"
        return outcome

    def _waits(self, worker_conn: psycopg.Connection, file: LandingFile) -> str | None:
        """Why a file not loaded before must wait, if it must."""
        name = file.entity.name
        refused = self.refused_from.get(name)
        if refused is not None and refused.batch_date and file.batch_date > refused.batch_date:
            reason = f"waits for the refused {refused.path} ({refused.reason})"
        elif name in self.scheduler.blocked:
            reason = f"waits for an earlier failed batch of {name}"
        else:
            return None
        return None if previous_loads(worker_conn, file) else f"{file.path}: {reason}"

    def _attempt(
        self, worker_conn: psycopg.Connection, file: LandingFile, progress: LoadProgress
    ) -> FileResult:
        """Load one file; every way it can fail becomes a failed result."""
        started = datetime.now().astimezone()
        try:
            waits = self._waits(worker_conn, file)
            if waits is not None:
                return FileResult(file, "failed", attempted=False, started_at=started, error=waits)
            return load_file(
                worker_conn,
                file,
                replace=file.batch_date == self.reload,
                allow_late_batch=self.allow_late_batch,
                data_dir=self.data_dir,
                progress=progress,
            )
        except LateBatchError as exc:
            return FileResult(file, "failed", error=str(exc), started_at=started, late_batch=True)
        except IngestError as exc:
            error = str(exc)
        except psycopg.OperationalError as exc:
            if worker_conn.broken or worker_conn.closed or is_transient(exc):
                error = (
                    f"{file.path}: lost the connection to the database while loading "
                    f"({_first_line(exc)}); nothing of this file was loaded"
                )
                return FileResult(file, "failed", error=error, started_at=started, transient=True)
            error = f"{file.path}: {_first_line(exc)}; nothing of this file was loaded"
        except psycopg.Error as exc:
            if is_transient(exc):
                error = f"{file.path}: {_first_line(exc)}; nothing of this file was loaded"
                return FileResult(file, "failed", error=error, started_at=started, transient=True)
            error = f"{file.path}: the database refused the load: {_first_line(exc)}"
        except OSError as exc:
            error = f"{file.path}: cannot read the file ({exc.strerror or exc})"
        return FileResult(file, "failed", error=error, started_at=started)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _record_failure(conn: psycopg.Connection, outcome: FileResult) -> None:
    """A failed file's manifest row: its error, when it started and ended."""
    file = outcome.file
    try:
        content_hash, size, _ = file_digest(file.source)
    except OSError:
        content_hash, size = "", 0
    conn.execute(
        "insert into audit.load_manifest (batch_date, entity, file_path, source_path,"
        " late_batch, file_size, content_hash, status, error, started_at, finished_at)"
        " values (%s, %s, %s, %s, %s, %s, %s, 'failed', %s, coalesce(%s, now()),"
        " clock_timestamp())",
        (
            file.batch_date,
            file.entity.name,
            file.relative_path,
            file.source_text,
            outcome.late_batch,
            size,
            content_hash,
            outcome.error,
            outcome.started_at,
        ),
    )
