"""With the libpq variables naming another server, the same commands build
there and leave the embedded server alone; its errors are one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse import db, embedded, secrets

from .conftest import FIXTURES, free_port, run_cli

pytestmark = pytest.mark.db

PASSWORD = "etl-secret"


@pytest.fixture(scope="module")
def external(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Another PostgreSQL, with password authentication on TCP and an ETL role."""
    pgdata = tmp_path_factory.mktemp("external") / "pgdata"
    port = free_port()
    embedded.start(pgdata, port)
    superuser = secrets.ensure_secrets(pgdata.parent / "secrets").superuser_password
    admin = db.Connection("127.0.0.1", port, "postgres", superuser, "postgres", embedded=False)
    with db.connect(admin, autocommit=True) as pg:
        pg.execute(f"create role etl login createdb password '{PASSWORD}'")
        pg.execute("create database ext_warehouse owner etl")
    yield port
    embedded.stop(pgdata)


def external_env(port: int, home: Path, password: str = PASSWORD) -> dict[str, str]:
    return {
        "PGHOST": "127.0.0.1",
        "PGPORT": str(port),
        "PGUSER": "etl",
        "PGPASSWORD": password,
        "PGDATABASE": "ext_warehouse",
        "WAREHOUSE_HOME": str(home),
    }


def test_the_pipeline_builds_on_the_server_pghost_names(external: int, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = external_env(external, home)
    result = run_cli("run", "--landing", str(FIXTURES / "landing"), env=env)
    assert result.returncode == 0, result.output
    assert not (home / "pgdata").exists(), "the embedded server must be left alone"

    conn = db.Connection("127.0.0.1", external, "etl", PASSWORD, "ext_warehouse", embedded=False)
    with db.connect(conn) as pg:
        assert pg.execute("select count(*) from raw.orders").fetchone()[0] == 5
        assert pg.execute("select count(*) from marts.fct_orders").fetchone()[0] == 4
        owners = pg.execute(
            "select distinct tableowner from pg_tables where schemaname in ('raw', 'marts')"
        ).fetchall()
        assert owners == [("etl",)]

    status = run_cli("db", "status", env=env)
    assert status.returncode == 0
    assert f"external server postgresql://etl:***@127.0.0.1:{external}" in status.stdout
    stop = run_cli("db", "stop", env=env)
    assert "nothing to stop" in stop.stdout


def test_bad_credentials_are_one_clear_line(external: int, tmp_path: Path) -> None:
    result = run_cli("db", "start", env=external_env(external, tmp_path, password="wrong"))
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == (
        f"error: authentication failed for user 'etl' at 127.0.0.1:{external}: "
        "check PGUSER and PGPASSWORD (or ~/.pgpass)"
    )


def test_an_unreachable_server_is_one_clear_line(tmp_path: Path) -> None:
    port = free_port()
    landing = str(FIXTURES / "landing")
    result = run_cli("run", "--landing", landing, env=external_env(port, tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip() == (
        f"error: cannot connect to PostgreSQL at 127.0.0.1:{port} (connection refused): "
        "start that server, fix PGHOST/PGPORT, or unset PGHOST to use the embedded database"
    )


def test_a_database_missing_on_the_server_is_an_error_never_created(
    external: int, tmp_path: Path
) -> None:
    """A typo in PGDATABASE must not build a second warehouse somewhere."""
    env = {**external_env(external, tmp_path), "PGDATABASE": "nosuchdb"}
    for command in (["status"], ["ingest", "--landing", str(FIXTURES / "landing")]):
        result = run_cli(*command, env=env)
        assert result.returncode == 1, result.output
        assert result.stderr.strip() == (
            f"error: database 'nosuchdb' does not exist on 127.0.0.1:{external}: create it "
            "(createdb nosuchdb), or set PGDATABASE to the warehouse's database"
        )
    conn = db.Connection("127.0.0.1", external, "etl", PASSWORD, "postgres", embedded=False)
    with db.connect(conn) as pg:
        assert pg.execute("select 1 from pg_database where datname = 'nosuchdb'").fetchone() is None
