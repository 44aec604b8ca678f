"""The raw tables: one per entity, every source column as text plus load
metadata; the line sequence and the computed row hash and source file."""

from __future__ import annotations

import psycopg
from psycopg import sql

from warehouse.contract import RAW_METADATA_COLUMNS, Entity
from warehouse.ingest.results import IngestError

RAW_SCHEMA = "raw"
#: Loads a reload replaced: their rows stay in raw, staging leaves them out.
REPLACED_LOADS = "replaced_loads"
REPLACED_LOADS_DDL = sql.SQL(
    "create table if not exists {} (load_id bigint not null, entity text not null,"
    " replaced_by bigint not null, replaced_at timestamptz not null)"
).format(sql.Identifier(RAW_SCHEMA, REPLACED_LOADS))
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
    for it on every row (measured in docs/ingestion.md), and only a reload
    looks rows up by load id.
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
    """Create the raw tables of ``entities`` that are missing, in this layout.

    An empty placeholder that dbt's on-run-start made before anything was
    loaded (create_missing_raw_tables: plain columns) is replaced by this
    layout; a table of another layout that holds rows is refused. The btree
    index on _load_id that earlier versions added is dropped: raw tables have
    no index (docs/ingestion.md, "Raw tables").
    """
    virtual = conn.info.server_version >= VIRTUAL_COLUMNS_VERSION
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('warehouse.raw.ddl'))")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(RAW_SCHEMA)))
        conn.execute(REPLACED_LOADS_DDL)
        for name in _other_layouts(conn, entities):
            _replace_placeholder(conn, name)
        for entity in entities:
            conn.execute(raw_table_ddl(entity, virtual=virtual))
            conn.execute(
                sql.SQL("drop index if exists {}").format(
                    sql.Identifier(RAW_SCHEMA, f"{entity.name}_load_id_idx")
                )
            )


def _other_layouts(conn: psycopg.Connection, entities: list[Entity]) -> list[str]:
    """Raw tables of ``entities`` whose source file and row hash are not
    generated columns: dbt's placeholders, or an earlier ingestion's tables."""
    rows = conn.execute(
        "select distinct c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where n.nspname = %s and c.relname = any(%s)"
        " and a.attname in ('_row_hash', '_source_file')"
        " and a.attgenerated = '' and not a.attisdropped order by c.relname",
        (RAW_SCHEMA, [e.name for e in entities]),
    ).fetchall()
    return [name for (name,) in rows]


def _replace_placeholder(conn: psycopg.Connection, name: str) -> None:
    """Drop an empty table of another layout, so the ingestion's own takes its
    place; refuse one that holds rows rather than fail in the middle of a COPY."""
    table = sql.Identifier(RAW_SCHEMA, name)
    holds_rows = conn.execute(sql.SQL("select exists (select from {})").format(table)).fetchone()[0]
    if holds_rows:
        raise IngestError(
            f"{RAW_SCHEMA}.{name}: created by an earlier version of the ingestion (the row "
            f"hash and the source file are not generated columns) and not empty; drop the "
            f"schemas raw and audit (`warehouse db psql -c "
            f"'drop schema raw cascade; drop schema audit cascade'`) and ingest again"
        )
    try:
        with conn.transaction():
            conn.execute(sql.SQL("drop table {}").format(table))
    except psycopg.errors.DependentObjectsStillExist as exc:
        raise IngestError(
            f"{RAW_SCHEMA}.{name}: an empty placeholder that the ingestion replaces with its "
            f"own layout, but other objects depend on it ({exc.diag.message_detail or exc}); "
            f"drop them, or the table, and ingest again"
        ) from None
