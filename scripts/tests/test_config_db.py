"""Which database the settings name, and the one-line errors (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse import db
from warehouse.config import ConfigError, load_settings


def settings_for(tmp_path: Path, **env: str):
    return load_settings({"WAREHOUSE_HOME": str(tmp_path), **env})


def test_without_pghost_the_embedded_server_is_used(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, WAREHOUSE_PG_PORT="55999")
    conn = db.resolve(settings, env={})
    assert conn.embedded
    assert (conn.host, conn.port, conn.user, conn.dbname) == (
        "127.0.0.1",
        55999,
        "warehouse_etl",
        "warehouse",
    )
    assert settings.pgdata == tmp_path.resolve() / "pgdata"
    # the installation's own password, generated once, never a default
    secret = (tmp_path / "secrets" / "etl.password").read_text().strip()
    assert conn.password == secret and len(secret) >= 40
    assert db.resolve(settings, env={}).password == secret
    other = db.resolve(settings_for(tmp_path / "other"), env={})
    assert other.password != secret
    admin = db.admin_connection(settings, conn)
    assert (admin.user, admin.dbname) == ("postgres", "postgres")
    assert admin.password == (tmp_path / "secrets" / "postgres.password").read_text().strip()


def test_pghost_names_an_external_server(tmp_path: Path) -> None:
    env = {
        "PGHOST": "db.internal",
        "PGPORT": "6543",
        "PGUSER": "etl",
        "PGPASSWORD": "s3cret",
        "PGDATABASE": "analytics",
    }
    settings = settings_for(tmp_path, **env)
    conn = db.resolve(settings, env=env)
    assert not conn.embedded
    assert (conn.host, conn.port, conn.user, conn.password, conn.dbname) == (
        "db.internal",
        6543,
        "etl",
        "s3cret",
        "analytics",
    )
    assert "s3cret" not in conn.url()


def test_exports_of_warehouse_env_still_mean_the_embedded_server(tmp_path: Path) -> None:
    env = {"PGHOST": "127.0.0.1", "PGPORT": "55432"}
    conn = db.resolve(settings_for(tmp_path, **env), env=env)
    assert conn.embedded


def test_a_bad_port_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="WAREHOUSE_PG_PORT='abc'"):
        settings_for(tmp_path, WAREHOUSE_PG_PORT="abc")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('FATAL:  password authentication failed for user "etl"', "check PGUSER and PGPASSWORD"),
        ("connection refused\n\tIs the server running", "connection refused"),
        ('FATAL:  database "nope" does not exist', "(createdb analytics), or set PGDATABASE"),
        ('FATAL:  role "ghost" does not exist', "fix PGUSER"),
        ('could not translate host name "x" to address', "fix PGHOST"),
    ],
)
def test_connection_errors_are_explained(message: str, expected: str) -> None:
    conn = db.Connection("db.internal", 5432, "etl", "", "analytics", embedded=False)
    line = db.explain_connect_error(conn, message)
    assert expected in line
    assert "\n" not in line


def test_a_password_never_shows_in_a_repr_or_url() -> None:
    """Tracebacks and test reports print connections: never their password."""
    conn = db.Connection("127.0.0.1", 5432, "etl", "s3cret-pw", "warehouse", embedded=True)
    assert "s3cret-pw" not in repr(conn) and "s3cret-pw" not in conn.url()
    assert "s3cret-pw" in conn.url(with_password=True)
