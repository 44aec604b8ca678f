"""Load landing batches into the raw layer with PostgreSQL COPY.

Every file loads in one transaction (all of it or none of it), is recorded in
audit.load_manifest with its content hash, and is skipped when loaded before.
A clean file goes through one streamed COPY; a file COPY refuses is split into
records, its valid records still load and its invalid lines go to
audit.quarantine with their line number and reason. Data lines = raw rows +
quarantined lines, checked for every file.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from warehouse import audit, csvlines
from warehouse.contract import RAW_METADATA_COLUMNS, Entity
from warehouse.landing import Batch, LandingFile, discover

RAW_SCHEMA = "raw"
COPY_CHUNK = 1 << 20

#: COPY errors that mean "this file has bad lines", as opposed to a lost server.
DATA_ERRORS = (
    psycopg.errors.BadCopyFileFormat,
    psycopg.errors.CharacterNotInRepertoire,
    psycopg.errors.UntranslatableCharacter,
    psycopg.errors.InvalidTextRepresentation,
)


class IngestError(Exception):
    """A file cannot be loaded; the message names the file and the reason."""


@dataclass
class FileResult:
    file: LandingFile
    status: str  # loaded, skipped, failed
    rows_loaded: int = 0
    rows_quarantined: int = 0
    load_path: str | None = None
    extra_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


def file_digest(path: Path) -> tuple[str, int, int]:
    """sha256, size in bytes and number of line ends of a file, in one pass."""
    digest = hashlib.sha256()
    size = newlines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            newlines += chunk.count(b"\n")
            last = chunk
    if size and not last.endswith(b"\n"):
        newlines += 1  # a last line without a line end is still a line
    return digest.hexdigest(), size, newlines


def raw_table_ddl(entity: Entity) -> sql.Composed:
    source_columns = [
        sql.SQL("{} text").format(sql.Identifier(name)) for name in entity.column_names
    ]
    metadata = [
        sql.SQL("_batch_date date not null"),
        sql.SQL("_source_file text not null"),
        sql.SQL("_source_line bigint not null"),
        sql.SQL("_load_id bigint not null"),
        sql.SQL("_loaded_at timestamptz not null"),
        sql.SQL("_row_hash text not null"),
        sql.SQL("_extra_columns jsonb"),
    ]
    assert len(metadata) == len(RAW_METADATA_COLUMNS)
    table = sql.Identifier(RAW_SCHEMA, entity.name)
    return sql.SQL(
        "create table if not exists {table} ({columns});"
        " create index if not exists {index} on {table} (_load_id)"
    ).format(
        table=table,
        columns=sql.SQL(", ").join(source_columns + metadata),
        index=sql.Identifier(f"{entity.name}_load_id_idx"),
    )


def ensure_raw_tables(conn: psycopg.Connection, entities: list[Entity]) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('warehouse.raw.ddl'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        for entity in entities:
            conn.execute(raw_table_ddl(entity))


def _read_header(file: LandingFile) -> list[str]:
    with file.path.open("rb") as handle:
        first = handle.readline()
    if not first:
        raise IngestError(f"{file.path}: the file is empty (no header line)")
    try:
        header = csvlines.parse_header(first)
    except (ValueError, UnicodeDecodeError, Exception) as exc:
        raise IngestError(f"{file.path}, line 1: not a valid CSV header ({exc})") from None
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name:
            raise IngestError(f"{file.path}, line 1, column {position}: empty column name")
        if name in seen:
            raise IngestError(f"{file.path}, line 1, column {position}: duplicate column {name!r}")
        seen.add(name)
    return header


def _previous_load(conn: psycopg.Connection, file: LandingFile) -> tuple[int, str] | None:
    row = conn.execute(
        "select load_id, content_hash from audit.load_manifest"
        " where file_path = %s and status = 'loaded'",
        (file.relative_path,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def load_file(conn: psycopg.Connection, file: LandingFile) -> FileResult:
    """Load one landing file in one transaction; skip it when already loaded.

    ``conn`` must be in autocommit mode: the function opens its own transaction.
    """
    started = datetime.now().astimezone()
    clock = time.perf_counter()
    content_hash, size, line_ends = file_digest(file.path)
    previous = _previous_load(conn, file)
    if previous is not None:
        if previous[1] == content_hash:
            return FileResult(file, "skipped")
        raise IngestError(
            f"{file.path}: this file was loaded before (load {previous[0]}) and its content "
            f"has changed since: to replace batch {file.batch_date}, run "
            f"`warehouse ingest --reload {file.batch_date}`"
        )

    entity = file.entity
    header = _read_header(file)
    if entity.key not in header:
        raise IngestError(
            f"{file.path}, line 1: the key column {entity.key!r} is missing; "
            f"nothing of this file was loaded"
        )
    extra = tuple(name for name in header if name not in entity.column_names)
    missing = tuple(name for name in entity.column_names if name not in header)
    data_lines = max(line_ends - 1, 0)

    with conn.transaction():
        load_id = conn.execute(
            "insert into audit.load_manifest (batch_date, entity, file_path, file_size,"
            " content_hash, status, started_at, finished_at)"
            " values (%s, %s, %s, %s, %s, 'loaded', %s, %s) returning load_id",
            (file.batch_date, entity.name, file.relative_path, size, content_hash, started, started),
        ).fetchone()[0]
        _create_landing_table(conn, header)
        load_path = "fast"
        quarantined = 0
        try:
            with conn.transaction():
                _copy_whole_file(conn, file.path, header)
                copied = _count(conn)
                if copied != data_lines:
                    # Quoted line breaks or blank lines: line numbers need the split path.
                    raise _NeedsSplit
        except (_NeedsSplit, *DATA_ERRORS):
            load_path = "split"
            conn.execute("truncate _landing")
            quarantined, data_lines = _copy_split(conn, file, header, load_id)
        loaded = _insert_raw(conn, file, header, load_id, load_path)
        if loaded + quarantined != data_lines:
            raise IngestError(
                f"{file.path}: {data_lines} data lines but {loaded} rows loaded and "
                f"{quarantined} quarantined; nothing of this file was loaded"
            )
        drift = {"extra_columns": list(extra), "missing_columns": list(missing)}
        conn.execute(
            "update audit.load_manifest set data_lines = %s, rows_loaded = %s,"
            " rows_quarantined = %s, load_path = %s, drift = %s, finished_at = now()"
            " where load_id = %s",
            (data_lines, loaded, quarantined, load_path, json.dumps(drift), load_id),
        )
        conn.execute(
            "insert into audit.watermarks (entity, last_batch_date, last_load_id)"
            " values (%s, %s, %s) on conflict (entity) do update set"
            " last_batch_date = greatest(audit.watermarks.last_batch_date, excluded.last_batch_date),"
            " last_load_id = excluded.last_load_id, updated_at = now()",
            (entity.name, file.batch_date, load_id),
        )
    return FileResult(
        file,
        "loaded",
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        load_path=load_path,
        extra_columns=extra,
        missing_columns=missing,
        seconds=time.perf_counter() - clock,
    )


class _NeedsSplit(Exception):
    pass


def _create_landing_table(conn: psycopg.Connection, header: list[str]) -> None:
    """A temporary table shaped like the file. The fast path numbers records by
    their order in the file (_ordinal); the split path sends each line number."""
    columns = [sql.SQL("{} text").format(sql.Identifier(name)) for name in header]
    conn.execute(
        sql.SQL(
            "create temporary table _landing ({columns}, _line bigint,"
            " _ordinal bigint generated always as identity) on commit drop"
        ).format(columns=sql.SQL(", ").join(columns))
    )


def _count(conn: psycopg.Connection) -> int:
    return conn.execute("select count(*) from _landing").fetchone()[0]


def _copy_whole_file(conn: psycopg.Connection, path: Path, header: list[str]) -> None:
    """The fast path: stream the file's bytes to COPY; records keep file order."""
    statement = sql.SQL(
        "copy _landing ({}) from stdin with (format csv, header match, encoding 'UTF8')"
    ).format(sql.SQL(", ").join(sql.Identifier(name) for name in header))
    with path.open("rb") as handle, conn.cursor().copy(statement) as copy:
        while chunk := handle.read(COPY_CHUNK):
            copy.write(chunk)


def _copy_split(
    conn: psycopg.Connection, file: LandingFile, header: list[str], load_id: int
) -> tuple[int, int]:
    """The slow path: valid records to COPY with their line numbers, invalid
    lines to the quarantine. Returns (quarantined lines, data records)."""
    columns = sql.SQL(", ").join(
        [sql.Identifier(n) for n in header] + [sql.Identifier("_line")]
    )
    bad: list[tuple] = []
    records = 0
    statement = sql.SQL("copy _landing ({}) from stdin with (format csv)").format(columns)
    with conn.cursor().copy(statement) as copy:
        for record in csvlines.records(file.path, len(header)):
            records += 1
            if record.text is None:
                bad.append(
                    (
                        load_id,
                        file.batch_date,
                        file.entity.name,
                        file.relative_path,
                        record.line,
                        record.reason,
                        record.raw.decode("utf-8", errors="backslashreplace").rstrip("\r\n"),
                    )
                )
                continue
            copy.write(f"{record.text},{record.line}\n".encode())
    if bad:
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into audit.quarantine (load_id, batch_date, entity, file_path,"
                " line_number, reason, raw_line) values (%s, %s, %s, %s, %s, %s, %s)",
                bad,
            )
    return len(bad), records


def _insert_raw(
    conn: psycopg.Connection, file: LandingFile, header: list[str], load_id: int, load_path: str
) -> int:
    entity = file.entity
    source_values = [
        sql.Identifier(name) if name in header else sql.SQL("null::text")
        for name in entity.column_names
    ]
    extra = [name for name in header if name not in entity.column_names]
    if extra:
        extra_json = sql.SQL("jsonb_build_object({})").format(
            sql.SQL(", ").join(
                sql.SQL("{}, {}").format(sql.Literal(name), sql.Identifier(name)) for name in extra
            )
        )
    else:
        extra_json = sql.SQL("null::jsonb")
    statement = sql.SQL(
        "insert into {table} ({columns}) select {values}, %s, %s,"
        " coalesce(_line, _ordinal + 1), %s, now(), md5(row({values})::text), {extra}"
        " from _landing"
    ).format(
        table=sql.Identifier(RAW_SCHEMA, entity.name),
        columns=sql.SQL(", ").join(
            sql.Identifier(n) for n in (*entity.column_names, *RAW_METADATA_COLUMNS)
        ),
        values=sql.SQL(", ").join(source_values),
        extra=extra_json,
    )
    cursor = conn.execute(statement, (file.batch_date, file.relative_path, load_id))
    return cursor.rowcount


def pending_files(batches: list[Batch]) -> list[LandingFile]:
    return [f for batch in batches for f in batch.files]


def ingest_landing(
    conn: psycopg.Connection,
    landing_dir: Path,
    on_file: Callable[[FileResult], None] | None = None,
    until: date | None = None,
) -> IngestResult:
    """Load every batch not loaded yet, in batch-date order.

    A file that fails (missing key column, changed content, unreadable header)
    is recorded as failed with its error; the other files still load, except
    later unloaded files of the same entity, which wait so that batches stay in
    order.
    """
    batches = discover(landing_dir)
    if until is not None:
        batches = [b for b in batches if b.batch_date <= until]
    audit.ensure_schema(conn)
    ensure_raw_tables(conn, sorted({f.entity for f in pending_files(batches)}, key=_order))
    result = IngestResult()
    blocked: set[str] = set()
    for file in pending_files(batches):
        if file.entity.name in blocked and _previous_load(conn, file) is None:
            outcome = FileResult(
                file, "failed", error=f"{file.path}: waits for an earlier failed batch of "
                f"{file.entity.name}"
            )
        else:
            try:
                outcome = load_file(conn, file)
            except IngestError as exc:
                outcome = FileResult(file, "failed", error=str(exc))
                blocked.add(file.entity.name)
                _record_failure(conn, file, str(exc))
        result.files.append(outcome)
        if on_file:
            on_file(outcome)
    return result


def _order(entity: Entity) -> int:
    from warehouse.contract import LOAD_ORDER

    return LOAD_ORDER.index(entity.name)


def _record_failure(conn: psycopg.Connection, file: LandingFile, error: str) -> None:
    try:
        content_hash, size, _ = file_digest(file.path)
    except OSError:
        content_hash, size = "", 0
    conn.execute(
        "insert into audit.load_manifest (batch_date, entity, file_path, file_size,"
        " content_hash, status, error, started_at, finished_at)"
        " values (%s, %s, %s, %s, %s, 'failed', %s, now(), now())",
        (file.batch_date, file.entity.name, file.relative_path, size, content_hash, error),
    )
