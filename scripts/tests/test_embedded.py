"""The embedded server's life cycle, on a server of the test's own."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from warehouse import config, db, embedded

from .conftest import free_port, run_cli

pytestmark = pytest.mark.db


@pytest.fixture
def home(tmp_path: Path):
    port = free_port()
    env = {"WAREHOUSE_HOME": str(tmp_path / "home"), "WAREHOUSE_PG_PORT": str(port)}
    env.pop("PGHOST", None)
    yield env, tmp_path / "home" / "pgdata", port
    embedded.stop(tmp_path / "home" / "pgdata")


def cli(env: dict[str, str], *args: str):
    # PGHOST would name an external server: these tests are about the embedded one.
    return run_cli(*args, env={**env, "PGHOST": ""})


def test_start_twice_is_harmless_and_stop_then_start_works(home) -> None:
    env, pgdata, port = home
    first = cli(env, "db", "start")
    assert first.returncode == 0, first.output
    pid = embedded.read_state(pgdata).pid
    again = cli(env, "db", "start")
    assert again.returncode == 0, again.output
    assert embedded.read_state(pgdata).pid == pid

    assert cli(env, "db", "stop").returncode == 0
    assert not embedded.read_state(pgdata).running
    status = cli(env, "db", "status")
    assert status.returncode == 3 and "stopped" in status.stdout

    assert cli(env, "db", "start").returncode == 0
    assert embedded.read_state(pgdata).running
    url = cli(env, "db", "url")
    password = (pgdata.parent / "secrets" / "etl.password").read_text().strip()
    assert url.stdout.strip() == (
        f"postgresql://warehouse_etl:{password}@127.0.0.1:{port}/warehouse"
    )


def test_a_killed_server_is_recovered(home) -> None:
    env, pgdata, _ = home
    assert cli(env, "db", "start").returncode == 0
    pid = embedded.read_state(pgdata).pid
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(5) if psutil.pid_exists(pid) else None
    assert (pgdata / "postmaster.pid").exists()  # stale, as after a crash or reboot

    result = cli(env, "db", "start")
    assert result.returncode == 0, result.output
    state = embedded.read_state(pgdata)
    assert state.running and state.pid != pid
    query = cli(env, "db", "psql", "-Atc", "select 41 + 1")
    assert query.stdout.strip() == "42"


def test_a_stale_pid_file_naming_another_process_is_recovered(home) -> None:
    env, pgdata, _ = home
    assert cli(env, "db", "start").returncode == 0
    assert cli(env, "db", "stop").returncode == 0
    # After a reboot the old pid may belong to any process: here, this one.
    lines = [str(os.getpid()), str(pgdata), "0", "1", "", "", "", "ready"]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")
    result = cli(env, "db", "start")
    assert result.returncode == 0, result.output
    assert embedded.read_state(pgdata).running


def test_port_in_use_is_one_clear_line(home) -> None:
    env, _, port = home
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        result = cli(env, "db", "start")
    assert result.returncode == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0] and "WAREHOUSE_PG_PORT" in lines[0]


def test_missing_landing_folder_is_one_clear_line(home, tmp_path: Path) -> None:
    env, _, _ = home
    missing = tmp_path / "nowhere"
    result = cli(env, "ingest", "--landing", str(missing))
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert f"landing folder {missing} does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_start_waits_out_a_slow_shutdown(home) -> None:
    env, pgdata, _ = home
    assert cli(env, "db", "start").returncode == 0
    pid = embedded.read_state(pgdata).pid
    os.kill(pid, signal.SIGKILL)
    started = time.monotonic()
    # Immediately, while the killed server's children may still hold its memory.
    result = cli(env, "db", "start")
    assert result.returncode == 0, result.output
    assert time.monotonic() - started < 60


def test_every_connection_needs_the_password_and_secrets_stay_private(home) -> None:
    """Nothing is trusted: TCP and the unix socket ask for the password, the
    superuser's too; the secrets are the owner's alone; the server runs with its
    own group and none of root's; the pipeline's role is no superuser."""
    env, pgdata, port = home
    assert cli(env, "db", "start").returncode == 0
    psql = str(embedded.psql_path())
    home_dir = pgdata.parent
    no_password = {**os.environ, "PGPASSFILE": "/dev/null", "PGPASSWORD": "", "PGHOST": ""}
    attempts = [
        ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres"],
        ["-h", "127.0.0.1", "-p", str(port), "-U", "warehouse_etl", "-d", "warehouse"],
        ["-h", str(home_dir / "socket"), "-p", str(port), "-U", "postgres", "-d", "postgres"],
    ]
    for attempt in attempts:
        refused = subprocess.run(
            [psql, "-w", "-Atc", "select 1", *attempt], env=no_password,
            capture_output=True, text=True,
        )  # fmt: skip
        assert refused.returncode != 0, attempt
        assert "no password supplied" in refused.stderr, refused.stderr
    wrong = subprocess.run(
        [psql, "-w", "-Atc", "select 1", *attempts[1]],
        env={**no_password, "PGPASSWORD": "guess"}, capture_output=True, text=True,
    )  # fmt: skip
    assert "password authentication failed" in wrong.stderr
    for path in (home_dir / "secrets", home_dir / "socket"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for name in ("postgres.password", "etl.password", "pgpass"):
        assert stat.S_IMODE((home_dir / "secrets" / name).stat().st_mode) == 0o600, name
    if os.geteuid() == 0:
        status = Path(f"/proc/{embedded.read_state(pgdata).pid}/status").read_text()
        groups = {line.split(":")[0]: line.split()[1:] for line in status.splitlines()}
        assert "0" not in groups["Gid"] and "0" not in groups["Groups"], groups
    roles = cli(env, "db", "psql", "-Atc",
                "select rolname, rolsuper, rolcreaterole, rolcreatedb from pg_roles"
                " where rolname = current_user")  # fmt: skip
    assert roles.stdout.strip() == "warehouse_etl|f|f|f", roles.output


def test_a_server_that_trusted_connections_is_switched_to_passwords(home) -> None:
    """A data directory from an earlier version (trust authentication) gets the
    installation's passwords and requires them from its next start on."""
    env, pgdata, port = home
    assert cli(env, "db", "start").returncode == 0
    assert cli(env, "db", "stop").returncode == 0
    (pgdata / "pg_hba.conf").write_text("host all all 127.0.0.1/32 trust\n")
    assert cli(env, "db", "start").returncode == 0
    assert not embedded.trusts_connections(pgdata)
    refused = subprocess.run(
        [str(embedded.psql_path()), "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
         "-d", "postgres", "-Atc", "select 1"],
        env={**os.environ, "PGPASSFILE": "/dev/null", "PGPASSWORD": ""},
        capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode != 0 and "no password supplied" in refused.stderr
    assert cli(env, "db", "psql", "-Atc", "select 41 + 1").stdout.strip() == "42"


def test_a_database_an_earlier_version_built_as_superuser_is_given_to_the_etl_role(home) -> None:
    """The database, its schemas, tables, views and functions (the old safe
    casts among them) change owner, so that the ETL role can rebuild them."""
    env, pgdata, port = home
    assert cli(env, "db", "start").returncode == 0
    settings = config.load_settings({**env, "PGHOST": ""})
    conn = db.resolve(settings, {}).with_database("legacy")
    admin = db.admin_connection(settings, conn)
    with psycopg.connect(admin.conninfo(), autocommit=True) as pg:
        pg.execute("create database legacy")
    with psycopg.connect(admin.conninfo("legacy"), autocommit=True) as pg:
        pg.execute("create schema raw")
        pg.execute("create table raw.orders (order_id text)")
        pg.execute("create view raw.v as select * from raw.orders")
        pg.execute(
            'create function raw."Try_Cast"(value text, n int) returns date'
            " language sql as 'select null::date'"
        )
    db.ensure_database(settings, conn)
    with psycopg.connect(admin.conninfo("legacy")) as pg:
        owners = pg.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = 'legacy'"
            " union all select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'raw'"
            " union all select pg_get_userbyid(relowner) from pg_class"
            " where relname in ('orders', 'v')"
            " union all select pg_get_userbyid(proowner) from pg_proc where proname = 'Try_Cast'"
        ).fetchall()
    assert owners == [("warehouse_etl",)] * 5
