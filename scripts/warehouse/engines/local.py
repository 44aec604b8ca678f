"""The ingestion on an engine without a server (DuckDB, Spark): the same
contract as on PostgreSQL (warehouse.ingest), over a ``Store`` that knows the
engine's tables.

Files load one at a time in batch-date order. A file already loaded with the
same content is skipped; one whose content changed is refused unless its
batch is reloaded; a reload keeps the earlier rows in raw and lists their
loads in raw.replaced_loads; a batch older than one loaded for the entity is
refused unless allowed (recorded as late). Every data line is a raw row or a
quarantined line, checked before the load's manifest row is written.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from warehouse.contract import LOAD_ORDER, Entity
from warehouse.engines.reading import FileReading, read_file
from warehouse.ingest.load import LateBatchError, _late_batch_message, file_digest, loaded_before
from warehouse.ingest.results import FileResult, IngestError, IngestResult
from warehouse.landing import Batch, LandingFile, discover

#: The columns of audit.load_manifest, as on PostgreSQL (warehouse.audit).
MANIFEST_COLUMNS: tuple[str, ...] = (
    "load_id",
    "batch_date",
    "entity",
    "file_path",
    "file_size",
    "content_hash",
    "data_lines",
    "rows_loaded",
    "rows_quarantined",
    "status",
    "load_path",
    "drift",
    "error",
    "started_at",
    "finished_at",
    "replaced_by",
    "source_path",
    "late_batch",
)
#: The columns of audit.quarantine, as on PostgreSQL.
QUARANTINE_COLUMNS: tuple[str, ...] = (
    "quarantine_id",
    "load_id",
    "batch_date",
    "entity",
    "file_path",
    "line_number",
    "reason",
    "raw_line",
    "quarantined_at",
    "byte_offset",
)


@dataclass(frozen=True)
class Load:
    """What a store needs to write one file's rows."""

    file: LandingFile
    reading: FileReading
    load_id: int
    loaded_at: datetime  # UTC

    @property
    def source_file(self) -> str:
        """'<batch>/<entity>.csv', as PostgreSQL's generated column has it."""
        return f"{self.file.batch_date.isoformat()}/{self.file.entity.file_name}"


class Store(Protocol):
    """The tables of one engine; every method is one step of a load."""

    def ensure_tables(self, entities: list[Entity]) -> None: ...

    def previous_loads(self, file_path: str) -> list[tuple[int, str]]: ...

    def newest_batch(self, entity: str, after: date) -> date | None: ...

    def batch_loaded(self, batch: date) -> list[str]: ...

    def next_load_id(self) -> int: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def write_rows(self, load: Load) -> int: ...

    def write_quarantine(self, load: Load) -> None: ...

    def replace_loads(self, entity: str, load_ids: tuple[int, ...], replaced_by: int) -> None:
        """Rows in raw.replaced_loads, the loads' manifest rows marked replaced."""

    def write_manifest(self, rows: list[dict]) -> None: ...

    def watermarks(self) -> list[tuple[str, date, int, int]]:
        """Per entity: newest batch loaded, files loaded, lines quarantined."""

    def loaded_files(self) -> list[str]: ...


def quarantine_rows(load: Load, first_id: int) -> list[tuple]:
    """The load's quarantined lines as rows of audit.quarantine (its columns,
    QUARANTINE_COLUMNS), numbered from ``first_id``."""
    return [
        (
            first_id + n,
            load.load_id,
            load.file.batch_date,
            load.file.entity.name,
            load.file.relative_path,
            bad.line,
            bad.reason,
            bad.raw,
            load.loaded_at,
            bad.offset,
        )
        for n, bad in enumerate(load.reading.bad)
    ]


def manifest_row(
    file: LandingFile,
    status: str,
    started: datetime,
    *,
    load_id: int,
    reading: FileReading | None = None,
    rows: int | None = None,
    late: bool = False,
    error: str | None = None,
) -> dict:
    """One audit.load_manifest row (every column of MANIFEST_COLUMNS)."""
    if reading is None:
        try:
            content_hash, size, _ = file_digest(file.source)
        except OSError:
            content_hash, size = "", 0
    else:
        content_hash, size = reading.content_hash, reading.size
    return {
        "load_id": load_id,
        "batch_date": file.batch_date,
        "entity": file.entity.name,
        "file_path": file.relative_path,
        "file_size": size,
        "content_hash": content_hash,
        "data_lines": reading.data_lines if reading else None,
        "rows_loaded": rows,
        "rows_quarantined": len(reading.bad) if reading else None,
        "status": status,
        "load_path": reading.load_path if reading else None,
        "drift": reading.drift() if reading else None,
        "error": error,
        "started_at": started,
        "finished_at": datetime.now(UTC),
        "replaced_by": None,
        "source_path": file.source_text,
        "late_batch": late,
    }


def load_file(
    store: Store,
    file: LandingFile,
    replace: bool = False,
    *,
    allow_late_batch: bool = False,
    work_dir: Path,
) -> FileResult:
    """Load one landing file into ``store``; skip it when already loaded."""
    started = datetime.now(UTC)
    clock = time.perf_counter()
    previous = store.previous_loads(file.relative_path)
    if loaded_before(file, previous, replace):
        return FileResult(file, "skipped", started_at=started)
    late = False
    if not previous:
        newest = store.newest_batch(file.entity.name, file.batch_date)
        reloading = replace and bool(store.batch_loaded(file.batch_date))
        if newest is not None and not reloading:
            if not allow_late_batch:
                raise LateBatchError(_late_batch_message(file, newest))
            late = True
    reading = read_file(file, work_dir)
    replaced = tuple(load_id for load_id, _ in previous)
    load = Load(file, reading, store.next_load_id(), started)
    store.begin()
    try:
        rows = store.write_rows(load)
        if rows + len(reading.bad) != reading.data_lines:
            raise IngestError(
                f"{file.path}: {reading.data_lines} data lines but {rows} rows loaded and "
                f"{len(reading.bad)} quarantined; nothing of this file was loaded"
            )
        if reading.bad:
            store.write_quarantine(load)
        if replaced:
            store.replace_loads(file.entity.name, replaced, load.load_id)
        row = manifest_row(
            file, "loaded", started, load_id=load.load_id, reading=reading, rows=rows, late=late
        )
        store.write_manifest([row])
        store.commit()
    except BaseException:
        store.rollback()
        raise
    return FileResult(
        file,
        "loaded",
        late_batch=late,
        rows_loaded=rows,
        rows_quarantined=len(reading.bad),
        load_path=reading.load_path,
        extra_columns=reading.extra,
        missing_columns=reading.missing,
        seconds=time.perf_counter() - clock,
        load_id=load.load_id,
        replaced_load_ids=replaced,
        started_at=started,
    )


def ingest_landing(
    store: Store,
    landing_dir: Path,
    on_file: Callable[[FileResult], None] | None = None,
    until: date | None = None,
    reload: date | None = None,
    only: set[date] | None = None,
    allow_late_batch: bool = False,
) -> IngestResult:
    """Load every batch not loaded yet, in batch-date order (one file at a time).

    A failed file is recorded as failed in the manifest; later unloaded files
    of its entity wait, so that batches stay in order."""
    batches = discover(landing_dir)
    ignored = batches.ignored
    if until is not None:
        batches = [b for b in batches if b.batch_date <= until]
    if only is not None:
        batches = [b for b in batches if b.batch_date in only]
    files = [f for batch in batches for f in batch.files]
    if reload is not None:
        _check_reload(store, batches, reload, landing_dir)
    store.ensure_tables(sorted({f.entity for f in files}, key=lambda e: LOAD_ORDER.index(e.name)))
    blocked: set[str] = set()
    outcomes: list[FileResult] = []
    with tempfile.TemporaryDirectory(prefix="warehouse-ingest-") as work:
        for file in files:
            outcome = _attempt(store, file, reload, allow_late_batch, blocked, Path(work))
            if outcome.status == "failed" and not outcome.late_batch:
                blocked.add(file.entity.name)
            if outcome.status == "failed" and outcome.attempted:
                started = outcome.started_at or datetime.now(UTC)
                row = manifest_row(
                    file,
                    "failed",
                    started,
                    load_id=store.next_load_id(),
                    late=outcome.late_batch,
                    error=outcome.error,
                )
                store.write_manifest([row])
            outcomes.append(outcome)
            if on_file is not None:
                on_file(outcome)
    return IngestResult(outcomes, workers=1, ignored_entries=list(ignored))


def _attempt(
    store: Store,
    file: LandingFile,
    reload: date | None,
    allow_late_batch: bool,
    blocked: set[str],
    work_dir: Path,
) -> FileResult:
    started = datetime.now(UTC)
    if file.entity.name in blocked and not store.previous_loads(file.relative_path):
        error = f"{file.path}: waits for an earlier failed batch of {file.entity.name}"
        return FileResult(file, "failed", attempted=False, started_at=started, error=error)
    try:
        return load_file(
            store,
            file,
            replace=file.batch_date == reload,
            allow_late_batch=allow_late_batch,
            work_dir=work_dir,
        )
    except LateBatchError as exc:
        return FileResult(file, "failed", error=str(exc), started_at=started, late_batch=True)
    except IngestError as exc:
        return FileResult(file, "failed", error=str(exc), started_at=started)
    except OSError as exc:
        error = f"{file.path}: cannot read the file ({exc.strerror or exc})"
        return FileResult(file, "failed", error=error, started_at=started)


def _check_reload(store: Store, batches: list[Batch], reload: date, landing_dir: Path) -> None:
    """A reload needs the batch's folder, with every file loaded from it before."""
    batch = next((b for b in batches if b.batch_date == reload), None)
    if batch is None:
        raise IngestError(
            f"--reload {reload}: there is no batch folder {landing_dir / reload.isoformat()}"
        )
    present = {f.relative_path for f in batch.files}
    gone = [path for path in store.batch_loaded(reload) if path not in present]
    if gone:
        raise IngestError(
            f"--reload {reload}: {', '.join(gone)} was loaded from this batch but is no "
            f"longer in {batch.path}; put it back (a reload replaces files, it does not "
            f"delete them)"
        )
