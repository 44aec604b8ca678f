"""Row counts of the warehouse's layers, for the end-of-run summary."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

#: The layers in flow order, as the summary lists them.
LAYERS: tuple[str, ...] = ("raw", "staging", "intermediate", "snapshots", "marts", "gold")


@dataclass(frozen=True)
class RelationCount:
    schema: str
    name: str
    kind: str  # table, view
    rows: int


def layer_counts(conn: psycopg.Connection, layers: tuple[str, ...] = LAYERS) -> list[RelationCount]:
    """Exact row counts of every table and view in the given schemas, in flow order."""
    relations = conn.execute(
        "select table_schema, table_name, case table_type when 'VIEW' then 'view'"
        " else 'table' end from information_schema.tables"
        " where table_schema = any(%s) order by table_schema, table_name",
        (list(layers),),
    ).fetchall()
    relations.sort(key=lambda r: (layers.index(r[0]), r[1]))
    counts = []
    for schema, name, kind in relations:
        rows = conn.execute(
            sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name))
        ).fetchone()[0]
        counts.append(RelationCount(schema, name, kind, rows))
    return counts
