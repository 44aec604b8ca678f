"""Atomic per file, on a file large enough to be caught in the middle of its COPY:
a `warehouse ingest` killed with SIGKILL, or whose database connection is cut,
leaves none of the file visible, and the next run loads it whole. Memory stays
flat however large the file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import tracemalloc
from pathlib import Path

import psycopg
import pytest

from warehouse import csvlines, db
from warehouse.contract import ENTITY_BY_NAME
from warehouse.ingest import ingest_landing

from .conftest import PROJECT_DIR, WAREHOUSE, db_env, run_cli

pytestmark = [pytest.mark.db, pytest.mark.slow]

ROWS = 400_000
BATCH = "2025-05-01"
FILE = f"{BATCH}/orders.csv"


def write_orders(path: Path, rows: int, broken_every: int = 0) -> None:
    """A large orders file, quickly: plain string formatting, written in one go."""
    header = ",".join(ENTITY_BY_NAME["orders"].column_names)
    lines = [
        f"ORD-{n:08d},{100000000 + n},CUS-{n % 50000:07d},2024-06-01 12:{n % 60:02d}:00,"
        f"placed,web,USD,{n % 997}.99,{n % 89}.10,2024-06-02 08:00:00"
        for n in range(rows)
    ]
    if broken_every:
        for n in range(broken_every // 2, rows, broken_every):
            lines[n] = lines[n].rsplit(",", 1)[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "orders.csv"
    write_orders(path, ROWS)
    return path


@pytest.fixture
def landing(tmp_path: Path, big_file: Path) -> Path:
    target = tmp_path / "landing" / FILE
    target.parent.mkdir(parents=True)
    shutil.copyfile(big_file, target)
    return tmp_path / "landing"


def start_ingest(landing: Path, conn: db.Connection) -> subprocess.Popen[str]:
    env = {**os.environ, "COLUMNS": "200", **db_env(conn)}
    return subprocess.Popen(
        [WAREHOUSE, "ingest", "--landing", str(landing)],
        env=env,
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_copy(pg: psycopg.Connection, proc: subprocess.Popen[str], min_bytes: int) -> int:
    """The pid of the backend loading the file, once its COPY has taken ``min_bytes``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        row = pg.execute(
            "select pid, bytes_processed from pg_stat_progress_copy"
            " where datname = current_database() and command = 'COPY FROM'"
        ).fetchone()
        if row and row[1] >= min_bytes:
            return row[0]
        if proc.poll() is not None:
            pytest.fail(f"the ingestion ended before its COPY was caught: {proc.communicate()}")
        time.sleep(0.005)
    pytest.fail("no COPY in progress within 120 s")


def wait_gone(pg: psycopg.Connection, pid: int) -> None:
    """The server has rolled the interrupted load back once its backend is gone."""
    deadline = time.monotonic() + 30
    while pg.execute("select 1 from pg_stat_activity where pid = %s", (pid,)).fetchone():
        assert time.monotonic() < deadline, f"backend {pid} still there"
        time.sleep(0.02)


def nothing_visible(pg: psycopg.Connection) -> None:
    exists = pg.execute("select to_regclass('raw.orders') is not null").fetchone()[0]
    if exists:
        assert pg.execute("select count(*) from raw.orders").fetchone()[0] == 0
    loaded = pg.execute(
        "select count(*) from audit.load_manifest where status = 'loaded'"
    ).fetchone()[0]
    assert loaded == 0


def loaded_whole(pg: psycopg.Connection) -> None:
    """Exact counts, no duplicates, every line where it belongs."""
    counts = pg.execute(
        "select count(*), count(distinct order_id), count(distinct _source_line),"
        " min(_source_line), max(_source_line), count(distinct _load_id) from raw.orders"
    ).fetchone()
    assert counts == (ROWS, ROWS, ROWS, 2, ROWS + 1, 1)
    misplaced = pg.execute(
        "select count(*) from raw.orders"
        " where order_id <> 'ORD-' || lpad((_source_line - 2)::text, 8, '0')"
    ).fetchone()[0]
    assert misplaced == 0
    manifest = pg.execute(
        "select data_lines, rows_loaded, rows_quarantined, load_path from audit.load_manifest"
        " where status = 'loaded'"
    ).fetchall()
    assert manifest == [(ROWS, ROWS, 0, "fast")]


def test_kill_9_in_the_middle_of_a_file_then_rerun(fresh_db: db.Connection, landing: Path) -> None:
    size = (landing / FILE).stat().st_size
    with db.connect(fresh_db, autocommit=True) as pg:
        proc = start_ingest(landing, fresh_db)
        pid = wait_for_copy(pg, proc, size // 4)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        nothing_visible(pg)
        wait_gone(pg, pid)
        nothing_visible(pg)

        again = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
        assert again.returncode == 0, again.output
        loaded_whole(pg)


def test_a_lost_connection_in_the_middle_of_a_file_is_retried(
    fresh_db: db.Connection, landing: Path
) -> None:
    """The server ends the loading connection (as at a restart): nothing of the
    half-loaded file is visible, the step is retried on a new connection, and
    the same command loads the file whole."""
    size = (landing / FILE).stat().st_size
    with db.connect(fresh_db, autocommit=True) as pg:
        proc = start_ingest(landing, fresh_db)
        pid = wait_for_copy(pg, proc, size // 4)
        pg.execute("select pg_terminate_backend(%s)", (pid,))
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stdout + stderr
        message = " ".join(stdout.split())
        assert "retry: ingest failed" in message
        assert f"{landing / FILE}: lost the connection to the database while loading" in message
        loaded_whole(pg)
        failed = pg.execute(
            "select count(*) from audit.load_manifest where status = 'failed'"
        ).fetchone()[0]
        assert failed == 0
        retries = pg.execute(
            "select retries, status from audit.run_log where step = 'ingest'"
        ).fetchall()
        assert retries == [(1, "success")]


@pytest.mark.parametrize("broken_every", [0, 1000], ids=["clean", "dirty"])
def test_memory_stays_flat_whatever_the_file_size(
    fresh_db: db.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    broken_every: int,
) -> None:
    write_orders(tmp_path / FILE, ROWS, broken_every)
    size = (tmp_path / FILE).stat().st_size
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", 1 << 20)
    with db.connect(fresh_db, autocommit=True) as pg:
        tracemalloc.start()
        try:
            [result] = ingest_landing(pg, tmp_path).files
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert result.status == "loaded", result.error
    assert result.rows_quarantined == (ROWS // broken_every if broken_every else 0)
    assert result.load_path == ("split" if broken_every else "fast")
    assert peak < 16 << 20 < size // 2, (
        f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"
    )
