"""The raw tables: one per entity, every source column as text plus load
metadata; the line sequence and the computed row hash and source file."""

from __future__ import annotations

import psycopg
from psycopg import sql

from warehouse.contract import RAW_METADATA_COLUMNS, Entity
from warehouse.ingest.results import IngestError

RAW_SCHEMA = "raw"
#: First PostgreSQL with virtual generated columns; older ones store the row hash.
VIRTUAL_COLUMNS_VERSION = 180000


def line_sequence(entity: Entity) -> sql.Identifier:
    """The sequence that numbers the lines of an entity's load."""
    return sql.Identifier(RAW_SCHEMA, _sequence_name(entity))


def _sequence_name(entity: Entity) -> str:
    return f"{entity.name}_source_line_seq"


def sequence_regclass(entity: Entity) -> str:
    """The sequence's qualified name as regclass text (entity names are plain)."""
    return f"{RAW_SCHEMA}.{_sequence_name(entity)}"


def _row_hash_expression(entity: Entity) -> sql.Composed:
    """md5 over every source column, NULL told apart from ''; immutable, as a
    generated column must be."""
    parts = sql.SQL(" || ',' || ").join(
        sql.SQL("quote_nullable({})").format(sql.Identifier(name)) for name in entity.column_names
    )
    return sql.SQL("md5({})").format(parts)


def _source_file_expression(entity: Entity) -> sql.Composed:
    """'<batch>/<entity>.csv' from the batch date: a landing file's path is
    always that (landing.discover), so it need not be stored in every row."""
    parts = [
        sql.SQL("lpad(extract({} from _batch_date)::int::text, {}, '0')").format(
            sql.SQL(field), sql.Literal(width)
        )
        for field, width in (("year", 4), ("month", 2), ("day", 2))
    ]
    return sql.SQL("{} || '-' || {} || '-' || {} || {}").format(
        *parts, sql.Literal(f"/{entity.file_name}")
    )


def raw_table_ddl(entity: Entity, virtual: bool = True) -> sql.Composed:
    """The raw table: source columns as text, then the load metadata.

    ``_source_file`` and ``_row_hash`` are computed from the stored columns:
    virtual generated columns where the server has them (PostgreSQL 18), so
    loading does not pay for them, else stored ones. No index: COPY would pay
    for it on every row, and only a reload looks rows up by load id.
    """
    source_columns = [
        sql.SQL("{} text").format(sql.Identifier(name)) for name in entity.column_names
    ]
    kind = sql.SQL("virtual" if virtual else "stored")
    metadata = [
        sql.SQL("_batch_date date not null"),
        sql.SQL("_source_file text generated always as ({}) {}").format(
            _source_file_expression(entity), kind
        ),
        sql.SQL("_source_line bigint not null"),
        sql.SQL("_load_id bigint not null"),
        sql.SQL("_loaded_at timestamptz not null"),
        sql.SQL("_row_hash text generated always as ({}) {}").format(
            _row_hash_expression(entity), kind
        ),
        sql.SQL("_extra_columns jsonb"),
    ]
    assert len(metadata) == len(RAW_METADATA_COLUMNS)
    return sql.SQL(
        "create table if not exists {table} ({columns});"
        " create sequence if not exists {sequence} cache 10000"
    ).format(
        table=sql.Identifier(RAW_SCHEMA, entity.name),
        columns=sql.SQL(", ").join(source_columns + metadata),
        sequence=line_sequence(entity),
    )


def ensure_raw_tables(conn: psycopg.Connection, entities: list[Entity]) -> None:
    virtual = conn.info.server_version >= VIRTUAL_COLUMNS_VERSION
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('warehouse.raw.ddl'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        _check_layout(conn, entities)
        for entity in entities:
            conn.execute(raw_table_ddl(entity, virtual=virtual))


def _check_layout(conn: psycopg.Connection, entities: list[Entity]) -> None:
    """Refuse raw tables from an earlier layout (a stored, non-generated hash)
    rather than fail in the middle of a COPY."""
    old = conn.execute(
        "select c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = any(%s)"
        " and a.attname in ('_row_hash', '_source_file')"
        " and a.attgenerated = '' and not a.attisdropped",
        (RAW_SCHEMA, [e.name for e in entities]),
    ).fetchall()
    if old:
        names = ", ".join(f"{RAW_SCHEMA}.{r[0]}" for r in old)
        raise IngestError(
            f"{names}: created by an earlier version of the ingestion (the row hash and the "
            f"source file are not generated columns); drop the schemas raw and audit "
            f"(`warehouse db psql -c "
            f"'drop schema raw cascade; drop schema audit cascade'`) and ingest again"
        )


# ------------------------------------------------------------------ one file


