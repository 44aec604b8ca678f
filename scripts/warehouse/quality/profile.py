"""Profiles of the raw and staging tables: per load and column, the null rate,
distinct count, min, max, mean (numbers; the share true for booleans) and
length range (text). Incremental: a run profiles only the loads it has not
profiled yet (every raw and staging table carries _load_id), so a daily run
costs the day's rows and the history stays as it was measured.

Load metadata columns (_batch_date, _load_id, ...) are not profiled: they
describe the load, not the source.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from warehouse.quality import store

#: The schemas profiled, and which of their tables.
PROFILED = (("raw", None), ("staging", ("base_", "stg_")))
NUMERIC_TYPES = ("smallint", "integer", "bigint", "numeric", "real", "double precision")
ORDERED_TYPES = (
    *NUMERIC_TYPES,
    "text",
    "character varying",
    "date",
    "timestamp without time zone",
    "timestamp with time zone",
)
TEXT_TYPES = ("text", "character varying")


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str


def profiled_relations(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(schema, table) of every table to profile that has a _load_id column."""
    found = []
    for schema, prefixes in PROFILED:
        for (table,) in conn.execute(
            "select t.table_name from information_schema.tables t"
            " join information_schema.columns c using (table_schema, table_name)"
            " where t.table_schema = %s and t.table_type = 'BASE TABLE'"
            " and c.column_name = '_load_id' order by 1",
            (schema,),
        ).fetchall():
            if prefixes is None or table.startswith(prefixes):
                found.append((schema, table))
    return found


def _columns(conn: psycopg.Connection, schema: str, table: str) -> list[Column]:
    return [
        Column(name, data_type)
        for name, data_type in conn.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = %s and table_name = %s and left(column_name, 1) <> '_'"
            " order by ordinal_position",
            (schema, table),
        ).fetchall()
    ]


def _aggregates(column: Column) -> list[sql.Composable]:
    """count, distinct, min, max, mean, min length, max length of one column."""
    name = sql.Identifier(column.name)
    null = sql.SQL("null")
    ordered = column.data_type in ORDERED_TYPES
    if column.data_type in NUMERIC_TYPES:
        mean = sql.SQL("avg({})").format(name)
    elif column.data_type == "boolean":
        mean = sql.SQL("avg(case when {} then 1.0 else 0.0 end)").format(name)
    else:
        mean = null
    text = column.data_type in TEXT_TYPES
    return [
        sql.SQL("count({})").format(name),
        sql.SQL("count(distinct {})").format(name),
        sql.SQL("min({})::text").format(name) if ordered else null,
        sql.SQL("max({})::text").format(name) if ordered else null,
        mean,
        sql.SQL("min(length({}))").format(name) if text else null,
        sql.SQL("max(length({}))").format(name) if text else null,
    ]


def profile_relation(conn: psycopg.Connection, run_id: str, schema: str, table: str) -> int:
    """Profile the loads of one table not profiled yet; the number of loads."""
    relation = f"{schema}.{table}"
    columns = _columns(conn, schema, table)
    if not columns:
        return 0
    done = conn.execute(
        "select coalesce(max(load_id), 0) from audit.dq_profiles where relation = %s",
        (relation,),
    ).fetchone()[0]
    selected = [sql.SQL("_load_id"), sql.SQL("count(*)")]
    for column in columns:
        selected.extend(_aggregates(column))
    query = sql.SQL("select {} from {} where _load_id > %s group by _load_id order by 1").format(
        sql.SQL(", ").join(selected), sql.Identifier(schema, table)
    )
    rows = []
    loads = conn.execute(query, (done,)).fetchall()
    for load in loads:
        load_id, row_count, values = load[0], load[1], load[2:]
        for position, column in enumerate(columns):
            stats = values[7 * position : 7 * position + 7]
            present, distinct, low, high, mean, short, long = stats
            nulls = row_count - present
            rows.append(
                {
                    "run_id": run_id,
                    "relation": relation,
                    "load_id": load_id,
                    "column_name": column.name,
                    "data_type": column.data_type,
                    "row_count": row_count,
                    "null_count": nulls,
                    "null_rate": nulls / row_count if row_count else None,
                    "distinct_count": distinct,
                    "min_value": low[:200] if isinstance(low, str) else low,
                    "max_value": high[:200] if isinstance(high, str) else high,
                    "mean_value": mean,
                    "min_length": short,
                    "max_length": long,
                }
            )
    with conn.transaction():
        store.insert_records(conn, "dq_profiles", rows)
    return len(loads)


def profile_all(conn: psycopg.Connection, run_id: str) -> dict[str, int]:
    """Profile every raw and staging table; loads profiled per relation."""
    return {
        f"{schema}.{table}": profile_relation(conn, run_id, schema, table)
        for schema, table in profiled_relations(conn)
    }
