"""The embedded server's life cycle, on a server of the test's own."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest

from warehouse import embedded

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
    assert url.stdout.strip() == f"postgresql://postgres@127.0.0.1:{port}/warehouse"


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
