"""`warehouse show <model>`: a quick look at a model's rows without SQL.

The model must be a node of dbt's manifest (model, seed or snapshot): its
schema and table come from there, never from the user's text. Filters are
``COLUMN OP VALUE`` with a column of the relation (checked against the
database's catalog), an operator from a fixed list and a value sent as a
query parameter; the query runs in a read-only transaction with a time limit.
Nothing the user types is ever spliced into SQL.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from warehouse.config import Settings
from warehouse.errors import WarehouseError

RELATIONS = ("model", "seed", "snapshot")
OPERATORS = {"=": "=", "!=": "<>", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
             "~": "like"}  # fmt: skip
CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|!=|<>|=|<|>|~)\s*(.*?)\s*$", re.S)
MAX_LIMIT = 10_000
#: Types PostgreSQL cannot sort by.
UNORDERABLE = ("json", "xml", "point", "line", "lseg", "box", "path", "polygon", "circle")
STATEMENT_TIMEOUT_MS = 60_000


class ShowError(WarehouseError):
    """The model or a filter cannot be used; the message says why."""


@dataclass(frozen=True)
class Relation:
    name: str
    schema: str
    table: str


@dataclass(frozen=True)
class Condition:
    column: str
    operator: str  # SQL operator from OPERATORS
    value: str | None  # None: IS NULL / IS NOT NULL


@dataclass(frozen=True)
class Rows:
    relation: Relation
    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int  # rows matching the filters


def newest_manifest(settings: Settings) -> Path:
    """The manifest.json of DBT_TARGET_PATH when set, else the one dbt wrote
    last (any invocation of the wrapper, or the docs)."""
    if os.environ.get("DBT_TARGET_PATH"):
        chosen = settings.project_dir / os.environ["DBT_TARGET_PATH"] / "manifest.json"
        if chosen.exists():
            return chosen
    candidates = list((settings.profiles_dir / "runs").glob("*/target/manifest.json"))
    candidates.append(settings.home / "docs" / "target" / "manifest.json")
    existing = [path for path in candidates if path.exists()]
    if not existing:
        raise ShowError("no dbt manifest yet: run `warehouse run` (or `warehouse build`) first")
    return max(existing, key=lambda path: path.stat().st_mtime)


def find_relation(manifest: dict[str, Any], name: str) -> Relation:
    """The relation of the model, seed or snapshot called ``name``."""
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") in RELATIONS and node.get("name") == name:
            return Relation(name, node["schema"], node.get("alias") or node["name"])
    known = sorted(
        n["name"] for n in manifest.get("nodes", {}).values() if n.get("resource_type") in RELATIONS
    )
    close = [k for k in known if name.lower() in k.lower()][:5]
    hint = f" (did you mean {', '.join(close)}?)" if close else " (`dbt ls` lists them)"
    raise ShowError(f"{name!r} is not a model, seed or snapshot of the project{hint}")


def parse_condition(text: str) -> Condition:
    match = CONDITION.match(text)
    if not match:
        raise ShowError(
            f"--where {text!r}: write COLUMN OP VALUE, OP one of = != < <= > >= ~ (like), "
            'for example --where "order_date>=2025-01-01"'
        )
    column, op, value = match.groups()
    if value.lower() == "null" and op in ("=", "!=", "<>"):
        return Condition(column, "is null" if op == "=" else "is not null", None)
    return Condition(column, OPERATORS[op], value)


def fetch(
    conn: psycopg.Connection, relation: Relation, conditions: list[Condition], limit: int
) -> Rows:
    """The first ``limit`` rows of ``relation`` matching every condition, in a
    read-only transaction."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ShowError(f"--limit {limit}: between 1 and {MAX_LIMIT}")
    described = conn.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = %s and table_name = %s order by ordinal_position",
        (relation.schema, relation.table),
    ).fetchall()
    columns = [name for name, _ in described]
    if not columns:
        raise ShowError(
            f"{relation.name} ({relation.schema}.{relation.table}) is not built in this "
            "database: run `warehouse run` first"
        )
    unknown = [c.column for c in conditions if c.column not in columns]
    if unknown:
        raise ShowError(
            f"{relation.name} has no column {', '.join(unknown)} (it has {', '.join(columns)})"
        )
    clauses: list[sql.Composable] = []
    params: list[Any] = []
    for condition in conditions:
        column: sql.Composable = sql.Identifier(condition.column)
        operator = sql.SQL(condition.operator)  # from OPERATORS or "is [not] null" only
        if condition.value is None:
            clauses.append(sql.SQL("{} {}").format(column, operator))
            continue
        if condition.operator == "like":
            column = sql.SQL("cast({} as text)").format(column)
        clauses.append(sql.SQL("{} {} %s").format(column, operator))
        params.append(condition.value)
    where = sql.SQL(" where ") + sql.SQL(" and ").join(clauses) if clauses else sql.SQL("")
    # every orderable column, so the rows shown do not depend on the plan
    orderable = [sql.Identifier(name) for name, kind in described if kind not in UNORDERABLE]
    order = sql.SQL(", ").join(orderable) if orderable else sql.SQL("1")
    table = sql.Identifier(relation.schema, relation.table)
    try:
        with conn.transaction():
            conn.execute("set transaction read only")
            conn.execute(f"set local statement_timeout = {STATEMENT_TIMEOUT_MS}")
            total = conn.execute(
                sql.SQL("select count(*) from {}{}").format(table, where), params
            ).fetchone()[0]
            rows = conn.execute(
                sql.SQL("select * from {}{} order by {} limit %s").format(table, where, order),
                [*params, limit],
            ).fetchall()
    except psycopg.DataError as exc:  # a value that does not fit its column's type
        raise ShowError(f"--where: {str(exc).splitlines()[0]}") from None
    return Rows(relation, columns, rows, total)


def load_manifest(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())
