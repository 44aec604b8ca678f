"""The raw and audit tables in a DuckDB file: records read by DuckDB's own
CSV reader (every column as text, PostgreSQL's NULL rules: an empty unquoted
field is NULL, a quoted one is the empty string), one transaction per file."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from pathlib import Path

import duckdb

from warehouse.contract import RAW_METADATA_COLUMNS, Entity
from warehouse.engines.local import MANIFEST_COLUMNS, Load, quarantine_rows
from warehouse.ingest.raw_tables import RAW_SCHEMA

METADATA_TYPES = {
    "_batch_date": "date",
    "_source_file": "varchar",
    "_source_line": "bigint",
    "_load_id": "bigint",
    "_loaded_at": "timestamp",  # UTC, as dbt's placeholders (warehouse_data_type)
    "_row_hash": "varchar",
    "_extra_columns": "varchar",
}
AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.load_manifest (
    load_id bigint primary key, batch_date date not null, entity varchar not null,
    file_path varchar not null, file_size bigint not null, content_hash varchar not null,
    data_lines bigint, rows_loaded bigint, rows_quarantined bigint, status varchar not null,
    load_path varchar, drift varchar, error varchar, started_at timestamp not null,
    finished_at timestamp not null, replaced_by bigint, source_path varchar,
    late_batch boolean not null default false
);
create table if not exists audit.quarantine (
    quarantine_id bigint, load_id bigint not null, batch_date date not null,
    entity varchar not null, file_path varchar not null, line_number bigint not null,
    reason varchar not null, raw_line varchar not null, quarantined_at timestamp not null,
    byte_offset bigint
);
create schema if not exists raw;
create table if not exists raw.replaced_loads (
    load_id bigint not null, entity varchar not null, replaced_by bigint not null,
    replaced_at timestamp not null
);
"""


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def quote_nullable(expression: str) -> str:
    """PostgreSQL's quote_nullable() in DuckDB SQL: 'NULL', or the text quoted
    (quotes doubled; with a backslash, backslashes doubled and an E prefix)."""
    return (
        f"case when {expression} is null then 'NULL'"
        f" when contains({expression}, '\\') then 'E''' || replace(replace({expression},"
        f" '\\', '\\\\'), '''', '''''') || ''''"
        f" else '''' || replace({expression}, '''', '''''') || '''' end"
    )


def row_hash(expressions: list[str]) -> str:
    """The md5 PostgreSQL's generated column _row_hash computes."""
    return "md5(" + " || ',' || ".join(quote_nullable(e) for e in expressions) + ")"


def raw_table_ddl(entity: Entity) -> str:
    columns = [f"{quote_ident(name)} varchar" for name in entity.column_names]
    columns += [f"{name} {METADATA_TYPES[name]}" for name in RAW_METADATA_COLUMNS]
    return f"create table {RAW_SCHEMA}.{quote_ident(entity.name)} ({', '.join(columns)})"


def read_csv_sql(path: Path, width: int) -> str:
    """DuckDB's reader over a CSV of ``width`` columns named c1..cn, all text."""
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, width + 1))
    return (
        f"read_csv({quote_literal(str(path))}, columns={{{columns}}}, header=true,"
        f" delim=',', quote='\"', escape='\"', allow_quoted_nulls=false,"
        f" strict_mode=true, auto_detect=false, parallel=false, encoding='utf-8')"
    )


def insert_sql(entity: Entity, header: list[str], path: Path, contiguous: bool) -> str:
    """Every record of one part into raw: contract columns by name, the others
    as JSON, the line from the part's list (parameter 5) or from the row number."""
    position = {name: f"c{i}" for i, name in enumerate(header, start=1)}
    values = [position.get(name, "null::varchar") for name in entity.column_names]
    extra = [name for name in header if name not in entity.column_names]
    extra_json = (
        "json_object("
        + ", ".join(f"{quote_literal(n)}, {position[n]}" for n in extra)
        + ")::varchar"
        if extra
        else "null::varchar"
    )
    line = "n + 1" if contiguous else "$lines[n]"
    targets = [*map(quote_ident, entity.column_names), *RAW_METADATA_COLUMNS]
    return (
        f"insert into {RAW_SCHEMA}.{quote_ident(entity.name)} ({', '.join(targets)})"
        f" select {', '.join(values)}, $batch_date, $source_file, {line}, $load_id,"
        f" $loaded_at, {row_hash(values)}, {extra_json}"
        f" from (select row_number() over () as n, * from {read_csv_sql(path, len(header))})"
    )


class DuckDBStore:
    """The warehouse's DuckDB file, open for one ingestion."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = duckdb.connect(str(path))
        # one thread: the reader hands records over in file order, so the
        # row number is the record's place in the file
        self.conn.execute("set threads = 1; set TimeZone = 'UTC'")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def ensure_tables(self, entities: list[Entity]) -> None:
        self.conn.execute(AUDIT_DDL)
        for entity in entities:
            columns = [
                row[0]
                for row in self.conn.execute(
                    "select column_name from information_schema.columns where table_schema = ?"
                    " and table_name = ? order by ordinal_position",
                    [RAW_SCHEMA, entity.name],
                ).fetchall()
            ]
            wanted = [*entity.column_names, *RAW_METADATA_COLUMNS]
            if columns == wanted:
                continue
            if columns:
                table = f"{RAW_SCHEMA}.{quote_ident(entity.name)}"
                if self.conn.execute(f"select count(*) from {table}").fetchone()[0]:
                    continue  # an earlier layout that holds rows: kept as it is
                self.conn.execute(f"drop table {table}")
            self.conn.execute(raw_table_ddl(entity))

    def previous_loads(self, file_path: str) -> list[tuple[int, str]]:
        if not self._has_manifest():
            return []
        return self.conn.execute(
            "select load_id, content_hash from audit.load_manifest"
            " where file_path = ? and status = 'loaded' order by load_id",
            [file_path],
        ).fetchall()

    def newest_batch(self, entity: str, after: date) -> date | None:
        if not self._has_manifest():
            return None
        return self.conn.execute(
            "select max(batch_date) from audit.load_manifest"
            " where status = 'loaded' and entity = ? and batch_date > ?",
            [entity, after],
        ).fetchone()[0]

    def batch_loaded(self, batch: date) -> list[str]:
        if not self._has_manifest():
            return []
        return [
            path
            for (path,) in self.conn.execute(
                "select distinct file_path from audit.load_manifest"
                " where batch_date = ? and status = 'loaded' order by file_path",
                [batch],
            ).fetchall()
        ]

    def next_load_id(self) -> int:
        if not self._has_manifest():
            return 1
        return self.conn.execute(
            "select coalesce(max(load_id), 0) + 1 from audit.load_manifest"
        ).fetchone()[0]

    def begin(self) -> None:
        self.conn.execute("begin transaction")

    def commit(self) -> None:
        self.conn.execute("commit")

    def rollback(self) -> None:
        with suppress(duckdb.TransactionException):  # none open
            self.conn.execute("rollback")

    def write_rows(self, load: Load) -> int:
        entity = load.file.entity
        table = f"{RAW_SCHEMA}.{quote_ident(entity.name)}"
        before = self.conn.execute(f"select count(*) from {table}").fetchone()[0]
        for part in load.reading.parts:
            params: dict[str, object] = {
                "batch_date": load.file.batch_date,
                "source_file": load.source_file,
                "load_id": load.load_id,
                "loaded_at": load.loaded_at,
            }
            if not part.contiguous:
                params["lines"] = part.lines
            self.conn.execute(
                insert_sql(entity, load.reading.header, part.path, part.contiguous), params
            )
        return self.conn.execute(f"select count(*) from {table}").fetchone()[0] - before

    def write_quarantine(self, load: Load) -> None:
        first = self.conn.execute(
            "select coalesce(max(quarantine_id), 0) + 1 from audit.quarantine"
        ).fetchone()[0]
        self.conn.executemany(
            "insert into audit.quarantine values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            quarantine_rows(load, first),
        )

    def replace_loads(self, entity: str, load_ids: tuple[int, ...], replaced_by: int) -> None:
        self.conn.executemany(
            "insert into raw.replaced_loads values (?, ?, ?, now()::timestamp)",
            [(load_id, entity, replaced_by) for load_id in load_ids],
        )
        self.conn.execute(
            "update audit.load_manifest set status = 'replaced', replaced_by = ?"
            " where list_contains(?, load_id)",
            [replaced_by, list(load_ids)],
        )

    def write_manifest(self, rows: list[dict]) -> None:
        self.conn.execute(AUDIT_DDL)
        marks = ", ".join("?" for _ in MANIFEST_COLUMNS)
        self.conn.executemany(
            f"insert into audit.load_manifest ({', '.join(MANIFEST_COLUMNS)}) values ({marks})",
            [[row[name] for name in MANIFEST_COLUMNS] for row in rows],
        )

    def _has_manifest(self) -> bool:
        return bool(
            self.conn.execute(
                "select count(*) from information_schema.tables"
                " where table_schema = 'audit' and table_name = 'load_manifest'"
            ).fetchone()[0]
        )

    def watermarks(self) -> list[tuple[str, date, int, int]]:
        """Per entity: newest batch loaded, loads, lines quarantined."""
        if not self._has_manifest():
            return []
        return self.conn.execute(
            "select entity, max(batch_date), count(*), coalesce(sum(rows_quarantined), 0)"
            " from audit.load_manifest where status = 'loaded' group by entity order by entity"
        ).fetchall()

    def loaded_files(self) -> list[str]:
        if not self._has_manifest():
            return []
        return [
            path
            for (path,) in self.conn.execute(
                "select file_path from audit.load_manifest where status = 'loaded'"
            ).fetchall()
        ]
