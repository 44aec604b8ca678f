"""Helpers shared by the dbt test modules: run the CLI with dbt's artefacts in a
test's own folder, query a database, and read every mart as a multiset of rows."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from psycopg import sql

from warehouse import db

from .conftest import CliResult, db_env, run_cli

#: Intermediate builds skip the tests (the last build runs everything).
MODELS_ONLY = ("--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
#: dbt colours its output; assertions read it without the escape codes.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def dbt_env(conn: db.Connection, work: Path) -> dict[str, str]:
    """The CLI's environment for ``conn``, with dbt's artefacts in a folder of the
    test's own: partial parsing works from one build to the next, and the
    repository's target/ is left alone."""
    return {
        **db_env(conn),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }


def cli(*args: str, env: dict[str, str]) -> CliResult:
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.output[-3000:]
    return result


def query(conn: db.Connection, statement: str, params: tuple = ()) -> list[tuple]:
    with db.connect(conn) as pg:
        return pg.execute(statement, params).fetchall()


def scalar(conn: db.Connection, statement: str) -> object:
    return query(conn, statement)[0][0]


def marts(conn: db.Connection) -> dict[tuple[str, str], Counter]:
    """Every row of every mart table (the exceptions included), as multisets."""
    tables = query(
        conn,
        "select table_schema, table_name from information_schema.tables"
        " where table_type = 'BASE TABLE' and table_schema = 'marts'",
    )
    rows = {}
    with db.connect(conn) as pg:
        for schema, table in tables:
            statement = sql.SQL("select * from {}").format(sql.Identifier(schema, table))
            rows[(schema, table)] = Counter(pg.execute(statement).fetchall())
    return rows


#: Columns that name the dbt invocation that wrote a row: they differ between any
#: two builds by design, so comparisons of built data leave them out.
BUILD_COLUMNS = ("dbt_invocation_id",)


def built_tables(conn: db.Connection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    """Every base table in ``schemas``, as (schema, table), in name order."""
    return query(
        conn,
        "select table_schema, table_name from information_schema.tables"
        " where table_type = 'BASE TABLE' and table_schema = any(%s) order by 1, 2",
        (list(schemas),),
    )


def keep_copy(conn: db.Connection, schemas: tuple[str, ...], prefix: str) -> None:
    """Copy every table of ``schemas`` into ``<prefix>_<schema>``, for comparing
    the data of two builds of the same database in SQL."""
    with db.connect(conn, autocommit=True) as pg:
        for schema, table in built_tables(conn, schemas):
            copy_schema = f"{prefix}_{schema}"
            pg.execute(
                sql.SQL("create schema if not exists {}").format(sql.Identifier(copy_schema))
            )
            pg.execute(
                sql.SQL("create table {} as select * from {}").format(
                    sql.Identifier(copy_schema, table), sql.Identifier(schema, table)
                )
            )


def row_differences(
    conn: db.Connection, left: tuple[str, str], right: tuple[str, str], sample: int = 5
) -> tuple[int, int, list[tuple]]:
    """Rows of table ``left`` missing from ``right`` and the other way round,
    as multisets (EXCEPT ALL), without BUILD_COLUMNS: (only left, only right,
    a sample of them)."""
    columns = [
        name
        for (name,) in query(
            conn,
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position",
            left,
        )
        if name not in BUILD_COLUMNS
    ]
    listed = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    only = sql.SQL("select {c} from {a} except all select {c} from {b}")
    a, b = sql.Identifier(*left), sql.Identifier(*right)
    with db.connect(conn) as pg:
        only_left = pg.execute(
            sql.SQL("select count(*) from ({}) as d").format(only.format(c=listed, a=a, b=b))
        ).fetchone()[0]
        only_right = pg.execute(
            sql.SQL("select count(*) from ({}) as d").format(only.format(c=listed, a=b, b=a))
        ).fetchone()[0]
        rows = pg.execute(
            sql.SQL("({}) limit {}").format(only.format(c=listed, a=a, b=b), sql.Literal(sample))
        ).fetchall()
        rows += pg.execute(
            sql.SQL("({}) limit {}").format(only.format(c=listed, a=b, b=a), sql.Literal(sample))
        ).fetchall()
    return only_left, only_right, rows
