"""Free disk space for a load, checked before the load writes a row.

A file of N bytes needs about N in its raw table and N again in the
write-ahead log, plus room for a COPY that fails at its end and leaves dead
rows behind until they are vacuumed: ``SPACE_FACTOR`` × N, plus a floor that
is never to be used up (``WAREHOUSE_MIN_FREE_MB``). The check needs the
server's data directory on this machine: the embedded server's (known from the
configuration), or the one ``pg_settings`` names when the role may read it and
the folder is here; otherwise there is nothing to measure and no check.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

import psycopg

from warehouse.config import load_settings
from warehouse.errors import WarehouseError
from warehouse.ingest.results import IngestError

#: Disk a file's load may take, as a multiple of its size (raw table + WAL + slack).
SPACE_FACTOR = 3
MIN_FREE_VARIABLE = "WAREHOUSE_MIN_FREE_MB"
DEFAULT_MIN_FREE_MB = 512
_MB = 1 << 20
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def free_bytes(path: Path) -> int:
    """Bytes free for the server on the file system that holds ``path``."""
    return shutil.disk_usage(path).free


def min_free_bytes(env: Mapping[str, str] | None = None) -> int:
    """The floor of free space a load must leave (WAREHOUSE_MIN_FREE_MB, in MiB)."""
    env = os.environ if env is None else env
    text = env.get(MIN_FREE_VARIABLE, "").strip() or str(DEFAULT_MIN_FREE_MB)
    try:
        value = int(text)
        if value < 0:
            raise ValueError
    except ValueError:
        raise IngestError(
            f"{MIN_FREE_VARIABLE}={text!r} is not a number of megabytes (0 or more)"
        ) from None
    return value * _MB


def check_free_space(file_path: Path, size: int, data_dir: Path) -> None:
    """Refuse a load of ``size`` bytes that would leave the server's data
    directory with less than the floor free. No database needed."""
    floor = min_free_bytes()
    needed = SPACE_FACTOR * size + floor
    free = free_bytes(data_dir)
    if free < needed:
        raise IngestError(
            f"{file_path}: not enough free disk space to load it: it needs "
            f"{_megabytes(needed)} free in the database's data directory {data_dir} "
            f"({SPACE_FACTOR} × the file's {_megabytes(size)} + {MIN_FREE_VARIABLE}="
            f"{floor // _MB}), and {_megabytes(free)} are free; nothing of this file was "
            f"loaded. Free some space and run the ingestion again"
        )


def _megabytes(count: int) -> str:
    return f"{count / _MB:,.0f} MB" if count >= _MB else f"{count / _MB:.2f} MB"


def server_data_dir(conn: psycopg.Connection) -> Path | None:
    """The data directory of the server ``conn`` is connected to, when it is
    on this machine and is that server's (its postmaster.pid names the port);
    else None, and loads are not checked for space."""
    info = conn.info
    if not (info.host.startswith("/") or info.host in _LOCAL_HOSTS):
        return None
    candidates = []
    # Readable for superusers and pg_read_all_settings only; otherwise no row.
    row = conn.execute("select setting from pg_settings where name = 'data_directory'").fetchone()
    if row and row[0]:
        candidates.append(Path(row[0]))
    with suppress(WarehouseError):  # settings that do not parse: no embedded server
        candidates.append(load_settings().pgdata)  # the embedded server's
    for folder in candidates:
        if _serves_port(folder, info.port):
            return folder
    return None


def _serves_port(folder: Path, port: int) -> bool:
    """Whether the server running from ``folder`` listens on ``port``
    (postmaster.pid: line 4 is the port)."""
    try:
        lines = (folder / "postmaster.pid").read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return len(lines) > 3 and lines[3].strip() == str(port)
