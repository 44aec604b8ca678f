"""Loading one landing file in one transaction: the COPY fast path, the split
path with its quarantine, drift, the load manifest row; and the refusals that
come before a row is written (a late batch, too little disk space)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from warehouse import csvlines, db
from warehouse.contract import Entity
from warehouse.ingest.raw_tables import RAW_SCHEMA, REPLACED_LOADS, sequence_regclass
from warehouse.ingest.results import FileResult, IngestError
from warehouse.ingest.space import check_free_space
from warehouse.landing import LandingFile
from warehouse.lock import LOAD_CLASS

READ_CHUNK = 1 << 20
#: Quarantined lines held in memory before they are written out ...
QUARANTINE_BATCH = 10_000
#: ... and their raw bytes (a bad line may be up to MAX_LINE_BYTES long).
QUARANTINE_BUFFER_BYTES = 16 << 20
#: How long the VACUUM after a failed load waits for the raw table's lock.
VACUUM_LOCK_TIMEOUT = "60s"

#: COPY errors that mean "this file has bad lines", as opposed to a lost server.
DATA_ERRORS = (
    psycopg.errors.BadCopyFileFormat,
    psycopg.errors.CharacterNotInRepertoire,
    psycopg.errors.UntranslatableCharacter,
    psycopg.errors.InvalidTextRepresentation,
)
#: The load-time defaults of a raw table, set and dropped inside each load.
_DEFAULTED = ("_batch_date", "_source_line", "_load_id", "_loaded_at")


class LateBatchError(IngestError):
    """A batch older than one already loaded for the entity, not loaded before."""


@dataclass
class LoadProgress:
    """How far a load got, for the caller to see after it failed."""

    wrote_rows: bool = False  # COPY began: a rollback leaves dead rows behind


def file_digest(path: Path) -> tuple[str, int, int]:
    """sha256, size in bytes and number of lines of a file, in one pass."""
    digest = _Digest()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.hexdigest(), digest.size, digest.lines


class _Digest:
    """sha256, size and line count of bytes fed in order."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.size = 0
        self.complete = False  # fed up to the end of the file
        self._newlines = 0
        self._last = b""

    def update(self, chunk: bytes) -> None:
        self._sha.update(chunk)
        self.size += len(chunk)
        self._newlines += chunk.count(b"\n")
        self._last = chunk[-1:] or self._last

    def hexdigest(self) -> str:
        return self._sha.hexdigest()

    @property
    def lines(self) -> int:
        """Lines, counting a last line without a line end."""
        return self._newlines + (1 if self.size and self._last != b"\n" else 0)


def _read_header(file: LandingFile) -> list[str]:
    limit = csvlines.MAX_LINE_BYTES
    try:
        with file.source.open("rb") as handle:
            first = handle.readline(limit + 2)  # a CRLF is no part of the line
    except OSError as exc:
        raise IngestError(f"{file.path}: cannot read the file ({exc.strerror})") from None
    if not first:
        raise IngestError(f"{file.path}: the file is empty (no header line)")
    if len(first.rstrip(b"\r\n")) > limit:
        raise IngestError(
            f"{file.path}, line 1: the header line is longer than {limit:,} bytes "
            f"(MAX_LINE_BYTES); nothing of this file was loaded"
        )
    try:
        header = csvlines.parse_header(first)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(f"{file.path}, line 1: not a valid CSV header ({exc})") from None
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise IngestError(f"{file.path}, line 1, column {position}: empty column name")
        if name in seen:
            raise IngestError(f"{file.path}, line 1, column {position}: duplicate column {name!r}")
        seen.add(name)
    return header


def check_header(file: LandingFile) -> tuple[list[str], tuple[str, ...], tuple[str, ...]]:
    """The header, its extra and its missing columns; a file without the key
    column is refused."""
    header = _read_header(file)
    entity = file.entity
    if entity.key not in header:
        raise IngestError(
            f"{file.path}, line 1: the key column {entity.key!r} is missing; "
            f"nothing of this file was loaded"
        )
    extra = tuple(name for name in header if name not in entity.column_names)
    missing = tuple(name for name in entity.column_names if name not in header)
    return header, extra, missing


def loaded_before(file: LandingFile, previous: list[tuple[int, str]], replace: bool) -> bool:
    """Whether the file is loaded already and is to be skipped: ``previous``
    are its earlier loads (load id, content hash). Without ``replace``, a file
    whose content changed since is refused."""
    if not previous or replace:
        return False
    content_hash = file_digest(file.source)[0]
    if all(h == content_hash for _, h in previous):
        return True
    raise IngestError(
        f"{file.path}: this file was loaded before (load {previous[-1][0]}) and its "
        f"content has changed since; to replace batch {file.batch_date}, run "
        f"`warehouse ingest --reload {file.batch_date}`"
    )


def previous_loads(conn: psycopg.Connection, file: LandingFile) -> list[tuple[int, str]]:
    return conn.execute(
        "select load_id, content_hash from audit.load_manifest"
        " where file_path = %s and status = 'loaded' order by load_id",
        (file.relative_path,),
    ).fetchall()


@dataclass(frozen=True)
class _Target:
    """Where a file's COPY goes: the raw table itself, or a temporary table
    shaped like the file when it carries extra columns."""

    table: sql.Composable
    columns: list[str]  # COPY's column list, in the file's order
    staged: bool


@dataclass
class _Loaded:
    rows: int
    quarantined: int
    data_lines: int
    load_path: str
    digest: _Digest


def load_file(
    conn: psycopg.Connection,
    file: LandingFile,
    replace: bool = False,
    *,
    allow_late_batch: bool = False,
    data_dir: Path | None = None,
    progress: LoadProgress | None = None,
) -> FileResult:
    """Load one landing file in one transaction; skip it when already loaded.

    With ``replace``, a file loaded before is loaded again and its earlier
    rows are deleted in the same transaction. ``conn`` must be in autocommit
    mode: the function opens its own transaction.

    A file of a batch older than one loaded for its entity, and never loaded
    itself, is refused (``LateBatchError``) unless ``allow_late_batch``; then
    its manifest row says ``late_batch``. With ``data_dir`` (the server's data
    directory, on this machine), a file that would leave too little disk free
    is refused before a row is written. ``progress`` tells the caller whether
    rows were written, when the load fails.
    """
    started = datetime.now().astimezone()
    clock = time.perf_counter()
    entity = file.entity
    progress = progress if progress is not None else LoadProgress()
    header, extra, missing = check_header(file)
    before = _stat(file.source)

    with conn.transaction():
        # One load of an entity at a time, whatever the process: the line
        # sequence and the table's load-time defaults belong to it.
        conn.execute(
            "select pg_advisory_xact_lock(hashtext('warehouse.ingest.' || %s))", (entity.name,)
        )
        previous = previous_loads(conn, file)
        if loaded_before(file, previous, replace):
            return FileResult(file, "skipped", started_at=started)
        late = not previous and _late(conn, file, replace, allow_late_batch)
        if data_dir is not None:
            check_free_space(file.path, before[0], data_dir)
        replaced = tuple(load_id for load_id, _ in previous)
        if replaced:
            _mark_replaced(conn, replaced)
        load_id, loaded_at = _open_manifest_row(conn, file, started, late)
        # held until the load commits: builds read no load above an open one
        conn.execute("select pg_advisory_xact_lock(%s::int, %s::int)", (LOAD_CLASS, load_id))
        if replaced:
            _retire_loads(conn, entity, replaced, load_id)
        target = _prepare_target(conn, file, header, extra, load_id, loaded_at)
        progress.wrote_rows = True
        loaded = _copy(conn, file, target, load_id)
        if target.staged:
            rows = _insert_staged(conn, file, header, load_id, loaded_at)
        else:
            rows = loaded.rows
            _drop_load_defaults(conn, entity)
        _check(file, before, loaded, rows)
        _close_manifest_row(conn, file, load_id, loaded, rows, extra, missing, replaced)
    return FileResult(
        file,
        "loaded",
        late_batch=late,
        rows_loaded=rows,
        rows_quarantined=loaded.quarantined,
        load_path=loaded.load_path,
        extra_columns=extra,
        missing_columns=missing,
        seconds=time.perf_counter() - clock,
        load_id=load_id,
        replaced_load_ids=replaced,
        started_at=started,
    )


def _late(conn: psycopg.Connection, file: LandingFile, replace: bool, allowed: bool) -> bool:
    """Whether a file never loaded is of a batch older than the newest batch
    loaded for its entity: refused (LateBatchError) unless ``allowed``.
    Reloading a batch that was loaded before is not late."""
    newest, batch_loaded = conn.execute(
        "select max(batch_date) filter (where entity = %s and batch_date > %s),"
        " bool_or(batch_date = %s) from audit.load_manifest where status = 'loaded'",
        (file.entity.name, file.batch_date, file.batch_date),
    ).fetchone()
    if newest is None or (replace and batch_loaded):
        return False
    if not allowed:
        raise LateBatchError(_late_batch_message(file, newest))
    return True


def _late_batch_message(file: LandingFile, newest: date) -> str:
    return (
        f"{file.path}: late batch {file.batch_date}: {file.entity.name} was already loaded "
        f"from batch {newest}, which is newer, so loading it now would put the batches of "
        f"{file.entity.name} out of date order; nothing of it was loaded. If it belongs "
        f"there all the same, run `warehouse ingest --allow-late-batch` (it is recorded as "
        f"late in audit.load_manifest)"
    )


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _mark_replaced(conn: psycopg.Connection, load_ids: tuple[int, ...]) -> None:
    """Earlier loads of a file are no longer the file's load: their manifest rows
    (and the lines quarantined from them) stay, marked replaced."""
    conn.execute(
        "update audit.load_manifest set status = 'replaced' where load_id = any(%s)",
        (list(load_ids),),
    )


def _retire_loads(
    conn: psycopg.Connection, entity: Entity, load_ids: tuple[int, ...], replaced_by: int
) -> None:
    """Raw keeps the replaced loads' rows (raw is append-only history);
    raw.replaced_loads says they are no longer current, and staging reads it."""
    conn.execute(
        sql.SQL(
            "insert into {} (load_id, entity, replaced_by, replaced_at)"
            " select unnest(%s::bigint[]), %s, %s, now()"
        ).format(sql.Identifier(RAW_SCHEMA, REPLACED_LOADS)),
        (list(load_ids), entity.name, replaced_by),
    )


def _open_manifest_row(
    conn: psycopg.Connection, file: LandingFile, started: datetime, late: bool
) -> tuple[int, datetime]:
    row = conn.execute(
        "insert into audit.load_manifest (batch_date, entity, file_path, source_path,"
        " late_batch, file_size, content_hash, status, started_at, finished_at)"
        " values (%s, %s, %s, %s, %s, 0, '', 'loaded', %s, %s) returning load_id, now()",
        (
            file.batch_date,
            file.entity.name,
            file.relative_path,
            file.source_text,
            late,
            started,
            started,
        ),
    ).fetchone()
    return row[0], row[1]


def _prepare_target(
    conn: psycopg.Connection,
    file: LandingFile,
    header: list[str],
    extra: tuple[str, ...],
    load_id: int,
    loaded_at: datetime,
) -> _Target:
    entity = file.entity
    if extra:
        # Positional names: a file's column names may be anything, even ours.
        staged = [f"c{i}" for i in range(1, len(header) + 1)]
        conn.execute(
            sql.SQL(
                "create temporary table _landing ({columns}, _source_line bigint not null"
                " default nextval({sequence})) on commit drop"
            ).format(
                columns=sql.SQL(", ").join(
                    sql.SQL("{} text").format(sql.Identifier(name)) for name in staged
                ),
                sequence=sql.Literal(sequence_regclass(entity)),
            )
        )
        return _Target(sql.Identifier("_landing"), staged, staged=True)
    _set_load_defaults(conn, file, load_id, loaded_at)
    return _Target(sql.Identifier(RAW_SCHEMA, entity.name), header, staged=False)


def _set_load_defaults(
    conn: psycopg.Connection, file: LandingFile, load_id: int, loaded_at: datetime
) -> None:
    """Constant defaults for this load, so COPY fills the metadata columns
    without a per-row function call. Inside the load's transaction, so no one
    else ever sees them; the ALTER locks the table until the load commits."""
    entity = file.entity
    values = {
        "_batch_date": sql.Literal(file.batch_date),
        "_source_line": sql.SQL("nextval({}::regclass)").format(
            sql.Literal(sequence_regclass(entity))
        ),
        "_load_id": sql.Literal(load_id),
        "_loaded_at": sql.Literal(loaded_at),
    }
    conn.execute(
        sql.SQL("alter table {} {}").format(
            sql.Identifier(RAW_SCHEMA, entity.name),
            sql.SQL(", ").join(
                sql.SQL("alter column {} set default {}").format(sql.Identifier(name), value)
                for name, value in values.items()
            ),
        )
    )


def _drop_load_defaults(conn: psycopg.Connection, entity: Entity) -> None:
    conn.execute(
        sql.SQL("alter table {} {}").format(
            sql.Identifier(RAW_SCHEMA, entity.name),
            sql.SQL(", ").join(
                sql.SQL("alter column {} drop default").format(sql.Identifier(name))
                for name in _DEFAULTED
            ),
        )
    )


def _restart_lines(conn: psycopg.Connection, entity: Entity, line: int) -> None:
    """The next row COPY writes gets line number ``line``."""
    conn.execute(
        "select setval(%s::regclass, %s, false)",
        (sequence_regclass(entity), line),
    )


class _NeedsSplit(Exception):
    """COPY took the file but counted other records than the file has lines
    (quoted line breaks, blank lines): line numbers need the split path."""


def _copy(conn: psycopg.Connection, file: LandingFile, target: _Target, load_id: int) -> _Loaded:
    """The fast path, and the split path when COPY refuses the file."""
    digest = _Digest()
    try:
        with conn.transaction():
            _restart_lines(conn, file.entity, 2)
            rows = _copy_whole_file(conn, file.source, target, digest)
            if rows != digest.lines - 1:
                raise _NeedsSplit
            return _Loaded(rows, 0, rows, "fast", digest)
    except (_NeedsSplit, *DATA_ERRORS):
        pass
    # COPY reports bad data when the stream ends, so the hash is usually done.
    return _copy_split(conn, file, target, load_id, digest if digest.complete else _Digest())


def _copy_statement(
    target: _Target, header: bool, where: sql.Composable | None = None
) -> sql.Composed:
    options = "format csv, encoding 'UTF8'" + (", header true" if header else "")
    return sql.SQL("copy {} ({}) from stdin with ({}){}").format(
        target.table,
        sql.SQL(", ").join(sql.Identifier(name) for name in target.columns),
        sql.SQL(options),
        sql.SQL(" where {}").format(where) if where is not None else sql.SQL(""),
    )


def _copy_whole_file(conn: psycopg.Connection, path: Path, target: _Target, digest: _Digest) -> int:
    """Stream the file's bytes to COPY, hashing and counting lines on the way.

    A record longer than MAX_LINE_BYTES is never sent: COPY is abandoned
    before the chunk that makes it too long, and the split path quarantines
    the line. So the server never holds more than that of one record (it
    fails on fields of 1 GB), and neither does this process."""
    watch = csvlines.LineWatch()
    with path.open("rb") as handle, conn.cursor() as cursor:
        with cursor.copy(_copy_statement(target, header=True)) as copy:
            while chunk := handle.read(READ_CHUNK):
                if watch.over(chunk):
                    raise _NeedsSplit
                digest.update(chunk)
                copy.write(chunk)
            digest.complete = True
        return cursor.rowcount


def _copy_split(
    conn: psycopg.Connection, file: LandingFile, target: _Target, load_id: int, digest: _Digest
) -> _Loaded:
    """Valid records to COPY, span by span; invalid lines to the quarantine.
    ``digest``: the file's, or an empty one for the scan to fill."""
    header = _read_header(file)
    on_bytes = None if digest.complete else digest.update
    scanner = csvlines.Scanner(file.source, header, on_bytes=on_bytes)
    writer = _SplitWriter(conn, file, target, header.index(file.entity.key), load_id)
    try:
        for event in scanner:
            if isinstance(event, csvlines.Span):
                writer.span(event)
            else:
                writer.bad(event)
        writer.close()
    except DATA_ERRORS as exc:
        # The scanner follows COPY's rules, so this means a case it missed.
        raise IngestError(
            f"{file.path}, after line {writer.first_line_of_copy}: COPY refused a record the "
            f"line checks passed ({exc.diag.message_primary}); nothing of this file was loaded"
        ) from None
    finally:
        writer.abort()
    counts = scanner.counts
    if writer.rows != counts.good:
        raise IngestError(
            f"{file.path}: COPY stored {writer.rows} rows for {counts.good} valid records; "
            f"nothing of this file was loaded"
        )
    return _Loaded(writer.rows, writer.quarantined, counts.records, "split", digest)


class _SplitWriter:
    """Writes spans of valid records to one COPY, keeping the line sequence in
    step with the file.

    Restarting COPY where the numbering jumps would cost milliseconds per bad
    line, so each line that loads no row (a bad line, a blank line, the rest of
    a record with quoted line breaks) is sent as a placeholder row instead: it
    takes its line number from the sequence, and COPY's WHERE clause drops it.
    Its key is a token made for this load, which no source value can equal.
    """

    def __init__(
        self,
        conn: psycopg.Connection,
        file: LandingFile,
        target: _Target,
        key_position: int,
        load_id: int,
    ) -> None:
        self.conn = conn
        self.file = file
        self.load_id = load_id
        self.rows = 0
        self.quarantined = 0
        self.first_line_of_copy = 2
        token = f"warehouse-placeholder-{uuid.uuid4().hex}"
        key = sql.Identifier(target.columns[key_position])
        self._statement = _copy_statement(
            target,
            header=False,
            where=sql.SQL("{} is distinct from {}").format(key, sql.Literal(token)),
        )
        fields = [b""] * len(target.columns)
        fields[key_position] = token.encode()
        self._placeholder = b",".join(fields)
        self._cursor = conn.cursor()
        self._copy_cm: AbstractContextManager[Any] | None = None
        self._copy: Any = None
        self._next_line = -1
        self._crlf = False
        self._bad: list[tuple[Any, ...]] = []
        self._bad_bytes = 0

    def span(self, span: csvlines.Span) -> None:
        if self._copy is None or span.crlf != self._crlf:
            self._start(span.first_line, span.crlf)
        gap = span.first_line - self._next_line
        assert gap >= 0, "spans arrive in file order"
        if gap:
            self._copy.write((self._placeholder + (b"\r\n" if self._crlf else b"\n")) * gap)
        self._copy.write(span.data)
        self._next_line = span.first_line + span.records

    def bad(self, line: csvlines.BadLine) -> None:
        file = self.file
        raw = line.raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
        self._bad.append(
            (
                self.load_id,
                file.batch_date,
                file.entity.name,
                file.relative_path,
                line.line,
                line.offset,
                line.reason,
                raw,
            )
        )
        self._bad_bytes += len(raw)
        if len(self._bad) >= QUARANTINE_BATCH or self._bad_bytes >= QUARANTINE_BUFFER_BYTES:
            self._flush_bad()

    def close(self) -> None:
        self._end_copy()
        self._flush_bad()

    def abort(self) -> None:
        """After an error: leave COPY so the transaction can roll back."""
        if self._copy_cm is not None:
            cm, self._copy_cm, self._copy = self._copy_cm, None, None
            with suppress(psycopg.Error):
                cm.__exit__(IngestError, IngestError("aborted"), None)
        self._cursor.close()

    def _start(self, line: int, crlf: bool) -> None:
        """A new COPY whose first row gets line number ``line`` (COPY learns the
        line end from its first row, so a change of line end needs a new one)."""
        self._end_copy()
        _restart_lines(self.conn, self.file.entity, line)
        self._copy_cm = self._cursor.copy(self._statement)
        self._copy = self._copy_cm.__enter__()
        self._next_line = line
        self._crlf = crlf
        self.first_line_of_copy = line

    def _end_copy(self) -> None:
        if self._copy_cm is not None:
            cm, self._copy_cm, self._copy = self._copy_cm, None, None
            cm.__exit__(None, None, None)
            self.rows += self._cursor.rowcount

    def _flush_bad(self) -> None:
        if not self._bad:
            return
        self._end_copy()
        with self._cursor.copy(
            "copy audit.quarantine (load_id, batch_date, entity, file_path, line_number,"
            " byte_offset, reason, raw_line) from stdin"
        ) as copy:
            for row in self._bad:
                copy.write_row(row)
        self.quarantined += len(self._bad)
        self._bad.clear()
        self._bad_bytes = 0


def _insert_staged(
    conn: psycopg.Connection,
    file: LandingFile,
    header: list[str],
    load_id: int,
    loaded_at: datetime,
) -> int:
    """From the temporary table to raw: contract columns by name, the others as JSON."""
    entity = file.entity
    staged = {name: sql.Identifier(f"c{i}") for i, name in enumerate(header, start=1)}
    present = [name for name in entity.column_names if name in staged]
    extra = [name for name in header if name not in entity.column_names]
    extra_json = sql.SQL("jsonb_build_object({})").format(
        sql.SQL(", ").join(sql.SQL("{}::text, {}").format(sql.Literal(n), staged[n]) for n in extra)
    )
    statement = sql.SQL(
        "insert into {table} ({columns}, _batch_date, _source_line, _load_id, _loaded_at,"
        " _extra_columns) select {values}, %s, _source_line, %s, %s, {extra} from _landing"
    ).format(
        table=sql.Identifier(RAW_SCHEMA, entity.name),
        columns=sql.SQL(", ").join(sql.Identifier(n) for n in present),
        values=sql.SQL(", ").join(staged[n] for n in present),
        extra=extra_json,
    )
    cursor = conn.execute(statement, (file.batch_date, load_id, loaded_at))
    return cursor.rowcount


def _check(file: LandingFile, before: tuple[int, int], loaded: _Loaded, rows: int) -> None:
    """Every data line is a raw row or a quarantined line, and the file did not
    change while it loaded; otherwise nothing of it commits."""
    if _stat(file.source) != before or loaded.digest.size != before[0]:
        raise IngestError(
            f"{file.path}: the file changed while it was being loaded; nothing of it was "
            f"loaded, run the ingestion again once it is complete"
        )
    if rows + loaded.quarantined != loaded.data_lines:
        raise IngestError(
            f"{file.path}: {loaded.data_lines} data lines but {rows} rows loaded and "
            f"{loaded.quarantined} quarantined; nothing of this file was loaded"
        )


def _close_manifest_row(
    conn: psycopg.Connection,
    file: LandingFile,
    load_id: int,
    loaded: _Loaded,
    rows: int,
    extra: tuple[str, ...],
    missing: tuple[str, ...],
    replaced: tuple[int, ...],
) -> None:
    drift = {"extra_columns": list(extra), "missing_columns": list(missing)}
    conn.execute(
        "update audit.load_manifest set file_size = %s, content_hash = %s, data_lines = %s,"
        " rows_loaded = %s, rows_quarantined = %s, load_path = %s, drift = %s,"
        " finished_at = clock_timestamp() where load_id = %s",
        (
            loaded.digest.size,
            loaded.digest.hexdigest(),
            loaded.data_lines,
            rows,
            loaded.quarantined,
            loaded.load_path,
            json.dumps(drift),
            load_id,
        ),
    )
    if replaced:
        conn.execute(
            "update audit.load_manifest set replaced_by = %s where load_id = any(%s)",
            (load_id, list(replaced)),
        )
    conn.execute(
        "insert into audit.watermarks (entity, last_batch_date, last_load_id)"
        " values (%s, %s, %s) on conflict (entity) do update set"
        " last_load_id = case when excluded.last_batch_date >= audit.watermarks.last_batch_date"
        "   then excluded.last_load_id else audit.watermarks.last_load_id end,"
        " last_batch_date = greatest(audit.watermarks.last_batch_date,"
        "   excluded.last_batch_date),"
        " updated_at = now()",
        (file.entity.name, file.batch_date, load_id),
    )


def give_space_back(like: psycopg.Connection, entity: Entity) -> str | None:
    """After a load that failed once it had written rows: VACUUM the raw
    table, so the rows the rollback left dead give their disk space back (the
    table shrinks by its empty pages at the end) instead of holding it until
    autovacuum comes by. On a connection of its own, opened like ``like``.
    Returns None, or a hint for the user when the VACUUM failed."""
    table = f"{RAW_SCHEMA}.{entity.name}"
    try:
        with db.connect_like(like, "warehouse ingest vacuum") as conn:
            conn.execute(sql.SQL("set lock_timeout = {}").format(sql.Literal(VACUUM_LOCK_TIMEOUT)))
            conn.execute(sql.SQL("vacuum {}").format(sql.Identifier(RAW_SCHEMA, entity.name)))
    except (psycopg.Error, db.DatabaseError, OSError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return (
            f"the rows this load wrote before it failed still take disk space (VACUUM "
            f"{table} failed: {reason}); run `VACUUM {table}` once space is free "
            f"(warehouse db psql -c 'VACUUM {table}')"
        )
    return None
