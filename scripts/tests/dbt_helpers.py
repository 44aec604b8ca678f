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
    """Every row of every mart table (and of the exceptions model), as multisets."""
    tables = query(
        conn,
        "select table_schema, table_name from information_schema.tables"
        " where table_type = 'BASE TABLE' and (table_schema = 'marts'"
        " or (table_schema, table_name) = ('intermediate', 'int_row_exceptions'))",
    )
    rows = {}
    with db.connect(conn) as pg:
        for schema, table in tables:
            statement = sql.SQL("select * from {}").format(sql.Identifier(schema, table))
            rows[(schema, table)] = Counter(pg.execute(statement).fetchall())
    return rows
