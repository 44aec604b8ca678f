"""Shared fixtures. Tests never touch the demo database: unless PGHOST names a
server, they run an embedded server of their own (WAREHOUSE_HOME=.warehouse/test,
port 55433) and every test that writes gets a database of its own.

Every test database plans in parallel whenever it can (FORCED_PARALLEL), so the
smallest fixture runs the code paths a big table takes: parallel workers and a
leader that processes rows too. Results must not depend on the plan."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if not os.environ.get("PGHOST"):
    os.environ.setdefault("WAREHOUSE_HOME", str(PROJECT_DIR / ".warehouse" / "test"))
    os.environ.setdefault("WAREHOUSE_PG_PORT", "55433")
os.environ.setdefault("DBT_TARGET", "ci")

from warehouse import db, embedded  # noqa: E402
from warehouse.config import Settings, load_settings  # noqa: E402

WAREHOUSE = str(Path(sys.executable).parent / "warehouse")

#: Planner settings under which even a 7-row table gets a parallel plan.
#: (debug_parallel_query would not do: the leader then runs none of the plan.)
FORCED_PARALLEL: dict[str, str] = {
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "min_parallel_table_scan_size": "0",
    "min_parallel_index_scan_size": "0",
    "max_parallel_workers_per_gather": "2",
    "parallel_leader_participation": "on",
}


@dataclass(frozen=True)
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> CliResult:
    """Run the `warehouse` console command as a user would."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    proc = subprocess.run(
        [WAREHOUSE, *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_DIR,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings()


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[db.Connection]:
    """The test server: the tests' own embedded server, or the one PGHOST names.

    The embedded test server plans in parallel whenever it can, in every
    database, also those the CLI creates; on a server PGHOST names, each test
    database gets the same settings (create_test_database)."""
    conn = db.resolve(settings)
    db.ensure_server(settings, conn)
    if conn.embedded:
        with db.connect(admin_of(conn), autocommit=True) as admin:
            for name, value in FORCED_PARALLEL.items():
                admin.execute(
                    sql.SQL("alter system set {} = {}").format(
                        sql.Identifier(name), sql.Literal(value)
                    )
                )
            admin.execute("select pg_reload_conf()")
    yield conn
    if conn.embedded:
        embedded.stop(settings.pgdata)


def admin_of(server: db.Connection) -> db.Connection:
    """Who creates and drops the tests' databases (the embedded server's
    superuser; the tests themselves connect as the ETL role)."""
    return db.admin_connection(load_settings(), server)


def create_test_database(server: db.Connection, name: str) -> db.Connection:
    """A new, empty database on the test server, owned by the role the tests
    connect as, that plans in parallel whenever it can (FORCED_PARALLEL)."""
    with db.connect(admin_of(server), autocommit=True) as admin:
        db.create_database(admin, server.with_database(name))
        for setting, value in FORCED_PARALLEL.items():
            admin.execute(
                sql.SQL("alter database {} set {} = {}").format(
                    sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
                )
            )
    return server.with_database(name)


@pytest.fixture
def fresh_db(server: db.Connection) -> Iterator[db.Connection]:
    """A new, empty database on the test server, dropped afterwards."""
    name = f"wh_test_{uuid.uuid4().hex[:10]}"
    create_test_database(server, name)
    try:
        yield server.with_database(name)
    finally:
        db.drop_database(admin_of(server), name)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A copy of the fixture landing zone (tests/fixtures/landing) to change at will."""
    target = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", target)
    return target


@pytest.fixture
def pg(fresh_db: db.Connection) -> Iterator[psycopg.Connection]:
    """An autocommit connection to a fresh database."""
    with db.connect(fresh_db, autocommit=True) as conn:
        yield conn


def one(pg: psycopg.Connection, query: str, params: tuple = ()) -> Any:
    """The first column of the first row of ``query``."""
    return pg.execute(query, params).fetchone()[0]


def db_env(conn: db.Connection) -> dict[str, str]:
    """Environment that points the CLI at ``conn``'s database."""
    env = {"PGDATABASE": conn.dbname}
    if not conn.embedded:
        env.update(conn.libpq_env())
    return env


class DatabaseFactory:
    """New, empty databases on the test server, all dropped at teardown: for tests
    that build several databases and compare them."""

    def __init__(self, server: db.Connection) -> None:
        self.server = server
        self.created: list[str] = []

    def __call__(self, label: str) -> db.Connection:
        name = f"wh_test_{label}_{uuid.uuid4().hex[:8]}"
        conn = create_test_database(self.server, name)
        self.created.append(name)
        return conn

    def drop_all(self) -> None:
        for name in self.created:
            db.drop_database(admin_of(self.server), name)


@pytest.fixture(scope="module")
def make_db(server: db.Connection) -> Iterator[DatabaseFactory]:
    """A module's factory of fresh databases (see DatabaseFactory)."""
    factory = DatabaseFactory(server)
    yield factory
    factory.drop_all()
