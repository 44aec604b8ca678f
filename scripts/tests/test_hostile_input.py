"""Hostile input to the ingestion: lines of any length in bounded memory, a
landing zone that says what it ignored or refused and why (symlinks out of
the zone refused), late batches refused unless allowed, a free-space check
before a load and a VACUUM after a failed one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from warehouse import audit, db
from warehouse.config import Settings
from warehouse.contract import ENTITY_BY_NAME
from warehouse.ingest import IngestError, ingest_landing, load, space
from warehouse.landing import discover

from .conftest import FIXTURES, PROJECT_DIR, WAREHOUSE, db_env, one, run_cli

ORDERS = ENTITY_BY_NAME["orders"]
ORDERS_HEADER = ",".join(ORDERS.column_names)
CUSTOMERS_HEADER = ",".join(ENTITY_BY_NAME["customers"].column_names)
EXPECTED = (
    "customers.csv, products.csv, orders.csv, order_lines.csv, payments.csv, "
    "campaigns.csv, campaign_responses.csv"
)


def order_line(n: int) -> str:
    return f"O{n:06d},SO-{n},C001,2024-06-01 12:00:00,placed,web,USD,5.00,1.00,2024-06-02 08:00:00"


def orders_file(rows: range) -> str:
    return "\n".join([ORDERS_HEADER, *(order_line(n) for n in rows)]) + "\n"


def write(landing: Path, relative: str, content: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def one_line(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------- the landing zone speaks up


def hostile_landing(landing: Path, outside: Path) -> dict[str, str]:
    """Every kind of entry that does not load, with the reason expected for it."""
    for name in ("2025-13-45", "not-a-date", "2025-07-07;drop"):
        (landing / name).mkdir()
        write(landing, f"{name}/orders.csv", orders_file(range(1, 3)))
    (landing / "README.txt").write_text("notes\n")
    batch = landing / "2025-01-02"
    for name in ("orders.CSV", "orders.csv.bak", "refunds.csv"):
        (batch / name).write_text("x\n")
    (batch / "_manifest.json").write_text("{}\n")  # the generator's: no warning
    (batch / "extra").mkdir()
    (batch / "payments.csv").symlink_to(batch / "gone.csv")
    write(outside, "orders.csv", orders_file(range(900, 903)))
    write(outside, "batch/orders.csv", orders_file(range(910, 913)))
    (landing / "2025-01-01" / "products.csv").symlink_to(outside / "orders.csv")
    (landing / "2025-01-05").symlink_to(outside / "batch")
    unknown = f"unknown file name; expected one of {EXPECTED}"
    real = outside.resolve()
    return {
        "2025-01-01/products.csv": f"symlink leaves the landing zone (-> {real}/orders.csv)",
        "2025-01-02/extra": "a folder inside a batch (a batch holds <entity>.csv files)",
        "2025-01-02/orders.CSV": f"{unknown} (names are case-sensitive: orders.csv)",
        "2025-01-02/orders.csv.bak": unknown,
        "2025-01-02/payments.csv": f"dangling symlink (-> {batch / 'gone.csv'})",
        "2025-01-02/refunds.csv": unknown,
        "2025-01-05": f"symlink leaves the landing zone (-> {real}/batch)",
        "2025-07-07;drop": "not a batch date (YYYY-MM-DD)",
        "2025-13-45": "not a batch date (YYYY-MM-DD)",
        "README.txt": "a file, not a batch folder (YYYY-MM-DD)",
        "not-a-date": "not a batch date (YYYY-MM-DD)",
    }


def test_discover_names_every_entry_it_does_not_load_with_its_reason(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    expected = hostile_landing(landing, tmp_path / "outside")
    found = discover(landing)
    assert [b.batch_date.isoformat() for b in found] == ["2025-01-01", "2025-01-02"]
    got = {str(e.path.relative_to(landing)): e.reason for e in found.ignored}
    assert got == expected
    assert {str(e.path.relative_to(landing)) for e in found.refused} == {
        "2025-01-01/products.csv",
        "2025-01-05",
    }
    # the files that do load are the contract's, and nothing escaping among them
    loads = [f.relative_path for b in found for f in b.files]
    assert loads == [
        "2025-01-01/customers.csv",
        "2025-01-01/orders.csv",
        "2025-01-02/customers.csv",
        "2025-01-02/orders.csv",
    ]


def test_an_entry_with_a_hostile_name_is_reported_on_one_printable_line(tmp_path: Path) -> None:
    (tmp_path / "2025-01-01").mkdir()
    (tmp_path / "2025-01-01" / "x\n[red]y\x1b[2J.csv").write_text("")
    [entry] = discover(tmp_path).ignored
    assert "\n" not in entry.line() and "\x1b" not in entry.line()
    assert "x\\n[red]y\\x1b[2J.csv: unknown file name" in entry.line()


@pytest.mark.db
def test_the_cli_prints_each_entry_with_its_reason_and_fails_on_refused_ones(
    fresh_db: db.Connection, landing: Path, tmp_path: Path
) -> None:
    expected = hostile_landing(landing, tmp_path / "outside")
    result = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert result.returncode == 1, result.output
    lines = result.stderr.splitlines()
    for relative, reason in expected.items():
        label = "refused" if "leaves the landing zone" in reason else "ignored"
        assert f"{label}: {landing / relative}: {reason}" in lines, relative
    with db.connect(fresh_db) as conn:
        loaded = conn.execute(
            "select file_path from audit.load_manifest where status = 'loaded' order by 1"
        ).fetchall()
        outside_rows = one(conn, "select count(*) from raw.orders where order_id like 'O0009__'")
        step = conn.execute(
            "select status, error, details->'ignored' from audit.run_log where step = 'ingest'"
        ).fetchone()
    assert [path for (path,) in loaded] == [
        "2025-01-01/customers.csv",
        "2025-01-01/orders.csv",
        "2025-01-02/customers.csv",
        "2025-01-02/orders.csv",
    ]
    assert outside_rows == 0
    assert step[0] == "failed" and "symlink leaves the landing zone" in step[1]
    assert len(step[2]) == len(expected)


@pytest.mark.db
def test_ignored_entries_alone_are_warnings(fresh_db: db.Connection, landing: Path) -> None:
    (landing / "not-a-date").mkdir()
    (landing / "2025-01-01" / "orders.csv.bak").write_text("x\n")
    result = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert result.returncode == 0, result.output
    assert f"ignored: {landing / 'not-a-date'}: not a batch date (YYYY-MM-DD)" in result.stderr
    assert f"ignored: {landing / '2025-01-01' / 'orders.csv.bak'}: unknown file name" in (
        result.stderr
    )


@pytest.mark.db
def test_a_symlink_out_of_the_zone_is_refused_and_later_batches_wait(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    write(outside, "orders.csv", orders_file(range(900, 903)))
    write(landing, "2025-01-01/orders.csv", orders_file(range(1, 3)))
    (landing / "2025-01-02").mkdir()
    (landing / "2025-01-02" / "orders.csv").symlink_to(outside / "orders.csv")
    write(landing, "2025-01-02/customers.csv", f"{CUSTOMERS_HEADER}\nC1" + "," * 15 + "\n")
    write(landing, "2025-01-03/orders.csv", orders_file(range(3, 5)))
    result = ingest_landing(pg, landing)
    [refused] = result.refused
    assert refused.path == landing / "2025-01-02" / "orders.csv"
    assert refused.reason == f"symlink leaves the landing zone (-> {outside.resolve()}/orders.csv)"
    assert not result.ok
    statuses = [(f.file.relative_path, f.status) for f in result.files]
    assert statuses == [
        ("2025-01-01/orders.csv", "loaded"),
        ("2025-01-02/customers.csv", "loaded"),
        ("2025-01-03/orders.csv", "failed"),
    ]
    assert result.files[2].error == (
        f"{landing / '2025-01-03' / 'orders.csv'}: waits for the refused "
        f"{refused.path} ({refused.reason})"
    )
    assert pg.execute("select order_id from raw.orders order by 1").fetchall() == [
        ("O000001",),
        ("O000002",),
    ]


@pytest.mark.db
def test_a_symlink_inside_the_zone_loads_and_the_manifest_has_its_real_path(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    real_file = write(landing, "_store/orders-1.csv", orders_file(range(1, 3)))
    write(landing, "_store/batch2/orders.csv", orders_file(range(3, 5)))
    (landing / "2025-01-01").mkdir()
    (landing / "2025-01-01" / "orders.csv").symlink_to("../_store/orders-1.csv")
    (landing / "2025-01-02").symlink_to("_store/batch2")
    result = ingest_landing(pg, landing)
    assert [(f.file.relative_path, f.status) for f in result.files] == [
        ("2025-01-01/orders.csv", "loaded"),
        ("2025-01-02/orders.csv", "loaded"),
    ]
    assert [(str(e.path.relative_to(landing)), e.refused) for e in result.ignored_entries] == [
        ("_store", False)
    ]
    manifest = pg.execute(
        "select file_path, source_path from audit.load_manifest order by load_id"
    ).fetchall()
    assert manifest == [
        ("2025-01-01/orders.csv", str(real_file.resolve())),
        ("2025-01-02/orders.csv", str((landing / "_store/batch2/orders.csv").resolve())),
    ]
    assert one(pg, "select count(*) from raw.orders") == 4


@pytest.mark.db
def test_the_new_audit_columns_upgrade_an_existing_audit_schema(pg: psycopg.Connection) -> None:
    """An audit schema made before these columns gains them, its rows kept."""
    new = ("source_path", "late_batch", "byte_offset")
    earlier = "\n".join(
        line for line in audit.DDL.splitlines() if not any(name in line for name in new)
    )
    pg.execute(earlier)
    pg.execute(
        "insert into audit.load_manifest (batch_date, entity, file_path, file_size,"
        " content_hash, status, started_at, finished_at)"
        " values ('2025-01-01', 'orders', '2025-01-01/orders.csv', 1, 'x', 'loaded', now(), now())"
    )
    audit.ensure_schema(pg)
    audit.ensure_schema(pg)
    columns = pg.execute(
        "select table_name, column_name from information_schema.columns"
        " where table_schema = 'audit' and column_name = any(%s) order by 1, 2",
        (list(new),),
    ).fetchall()
    assert columns == [
        ("load_manifest", "late_batch"),
        ("load_manifest", "source_path"),
        ("quarantine", "byte_offset"),
    ]
    assert pg.execute("select late_batch, source_path from audit.load_manifest").fetchall() == [
        (False, None)
    ]


# ------------------------------------------------------------- late batches


@pytest.mark.db
def test_a_late_batch_is_refused_then_loaded_when_allowed(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    write(landing, "2025-01-01/orders.csv", orders_file(range(1, 3)))
    write(landing, "2025-01-01/customers.csv", f"{CUSTOMERS_HEADER}\nC1" + "," * 15 + "\n")
    write(landing, "2025-01-03/orders.csv", orders_file(range(3, 5)))
    ingest_landing(pg, landing)
    # a batch arrives late, with one entity that is late and one that is not,
    # and a later batch that is in order
    late = write(landing, "2025-01-02/orders.csv", orders_file(range(5, 7)))
    write(landing, "2025-01-02/customers.csv", f"{CUSTOMERS_HEADER}\nC2" + "," * 15 + "\n")
    write(landing, "2025-01-04/orders.csv", orders_file(range(7, 9)))
    result = ingest_landing(pg, landing)
    outcome = {f.file.relative_path: f for f in result.files}
    assert outcome["2025-01-02/orders.csv"].status == "failed"
    assert outcome["2025-01-02/orders.csv"].late_batch
    assert outcome["2025-01-02/orders.csv"].error == (
        f"{late}: late batch 2025-01-02: orders was already loaded from batch 2025-01-03, "
        "which is newer, so loading it now would put the batches of orders out of date order; "
        "nothing of it was loaded. If it belongs there all the same, run `warehouse ingest "
        "--allow-late-batch` (it is recorded as late in audit.load_manifest)"
    )
    assert outcome["2025-01-02/customers.csv"].status == "loaded"
    assert outcome["2025-01-04/orders.csv"].status == "loaded"  # a late batch blocks nothing
    assert one(pg, "select count(*) from raw.orders where order_id in ('O000005', 'O000006')") == 0

    allowed = ingest_landing(pg, landing, allow_late_batch=True)
    [loaded] = [f for f in allowed.files if f.status == "loaded"]
    assert (loaded.file.relative_path, loaded.late_batch) == ("2025-01-02/orders.csv", True)
    manifest = pg.execute(
        "select file_path, status, late_batch from audit.load_manifest"
        " where entity = 'orders' order by batch_date, load_id"
    ).fetchall()
    assert manifest == [
        ("2025-01-01/orders.csv", "loaded", False),
        ("2025-01-02/orders.csv", "failed", True),
        ("2025-01-02/orders.csv", "loaded", True),
        ("2025-01-03/orders.csv", "loaded", False),
        ("2025-01-04/orders.csv", "loaded", False),
    ]
    assert one(
        pg, "select last_batch_date::text from audit.watermarks where entity = 'orders'"
    ) == ("2025-01-04")
    # Reloading a batch loaded before is not late, though newer batches are loaded.
    write(landing, "2025-01-01/orders.csv", orders_file(range(1, 4)))
    reloaded = ingest_landing(pg, landing, reload=date(2025, 1, 1))
    statuses = {f.file.relative_path: (f.status, f.late_batch) for f in reloaded.files}
    assert statuses["2025-01-01/orders.csv"] == ("loaded", False)
    assert not reloaded.failed


@pytest.mark.db
def test_a_first_load_of_an_old_batch_through_reload_is_late(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    write(landing, "2025-01-03/orders.csv", orders_file(range(1, 3)))
    ingest_landing(pg, landing)
    write(landing, "2025-01-01/orders.csv", orders_file(range(3, 5)))
    [late] = ingest_landing(pg, landing, reload=date(2025, 1, 1), only={date(2025, 1, 1)}).files
    assert (late.status, late.late_batch) == ("failed", True)


@pytest.mark.db
def test_cli_allow_late_batch(fresh_db: db.Connection, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write(landing, "2025-01-03/orders.csv", orders_file(range(1, 3)))
    env = db_env(fresh_db)
    assert run_cli("ingest", "--landing", str(landing), env=env).returncode == 0
    write(landing, "2025-01-02/orders.csv", orders_file(range(3, 5)))
    refused = run_cli("ingest", "--landing", str(landing), env=env)
    assert refused.returncode == 1
    assert "late batch 2025-01-02: orders was already loaded from batch 2025-01-03" in one_line(
        refused.stderr
    )
    allowed = run_cli("ingest", "--landing", str(landing), "--allow-late-batch", env=env)
    assert allowed.returncode == 0, allowed.output
    with db.connect(fresh_db) as conn:
        late = conn.execute(
            "select late_batch from audit.load_manifest"
            " where file_path = '2025-01-02/orders.csv' and status = 'loaded'"
        ).fetchone()
        arguments = one(conn, "select arguments from audit.runs order by started_at desc limit 1")
    assert late == (True,)
    assert arguments.endswith("--allow-late-batch")
    assert "--allow-late-batch" in run_cli("run", "--help").stdout


# ------------------------------------------------------------ long lines


#: Runs a command and prints its exit code and peak RSS (KiB). A small process
#: in between, because Linux carries a process's high-water mark across exec:
#: a child of pytest itself would report pytest's own peak (357 MB late in the
#: suite) when the command used far less.
PEAK_RSS_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)
"""


@pytest.mark.db
@pytest.mark.slow
def test_a_200_mb_line_is_quarantined_in_bounded_memory(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    """The real command, as a user runs it, on an orders file with a 200 MB
    line between good lines and one short line (so the split path reads the
    file): peak RSS stays under 250 MB, every good line loads, the long line
    is quarantined with its line number and byte offset. (Before the limit,
    the split path held the line whole, several times: 660 MB for 200 MB.)"""
    landing = tmp_path / "landing"
    path = landing / "2025-03-01" / "orders.csv"
    path.parent.mkdir(parents=True)
    long_size = 200 << 20
    before = orders_file(range(1, 1001))
    long_start, long_end = "O999999,SO-long,C001,", ",placed,web,USD,5.00,1.00,2024-06-02 08:00:00"
    after = "\n".join(order_line(n) for n in range(1001, 2001)) + "\n"
    try:
        with path.open("w") as out:
            out.write(before + long_start)
            for _ in range(long_size >> 20):
                out.write("x" * (1 << 20))
            out.write(f"{long_end}\n{after}O888888,too,few,fields\n")
        env = {**os.environ, "COLUMNS": "200", **db_env(fresh_db)}
        with (tmp_path / "out.txt").open("w") as stdout, (tmp_path / "err.txt").open("w") as err:
            launched = subprocess.run(
                [sys.executable, "-c", PEAK_RSS_LAUNCHER, WAREHOUSE, "ingest", "--landing",
                 str(landing)],
                env=env, cwd=PROJECT_DIR, stdout=stdout, stderr=err,
            )  # fmt: skip
        output = (tmp_path / "out.txt").read_text() + (tmp_path / "err.txt").read_text()
    finally:
        path.unlink(missing_ok=True)
    returncode, peak_kib = map(int, output.strip().splitlines()[-1].split())
    peak_mb = peak_kib / 1024
    print(f"peak RSS of `warehouse ingest` with a 200 MB line: {peak_mb:.0f} MB")
    assert (launched.returncode, returncode) == (0, 0), output
    assert peak_mb < 250, f"peak RSS {peak_mb:.0f} MB"
    with db.connect(fresh_db) as conn:
        counts = conn.execute(
            "select count(*), count(distinct order_id), min(_source_line), max(_source_line)"
            " from raw.orders"
        ).fetchone()
        quarantined = conn.execute(
            "select line_number, byte_offset, reason, length(raw_line) from audit.quarantine"
        ).fetchall()
        manifest = conn.execute(
            "select data_lines, rows_loaded, rows_quarantined, load_path from audit.load_manifest"
        ).fetchall()
    assert counts == (2000, 2000, 2, 2002)
    length = len(long_start) + long_size + len(long_end)
    assert sorted(quarantined) == [
        (
            1002,
            len(before),
            f"line too long: {length:,} bytes, over the limit of 1,048,576 (MAX_LINE_BYTES); "
            "raw_line holds its first 1,024 bytes",
            1024,
        ),
        (2003, len(before) + length + 1 + len(after), "expected 10 fields, found 4", 22),
    ]
    assert manifest == [(2002, 2000, 2, "split")]


@pytest.mark.db
def test_a_header_over_the_limit_fails_the_file_clearly(
    pg: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warehouse import csvlines

    monkeypatch.setattr(csvlines, "MAX_LINE_BYTES", 64)
    path = write(tmp_path, "2025-03-01/orders.csv", ORDERS_HEADER + "," + "x" * 80 + "\n")
    [result] = ingest_landing(pg, tmp_path).files
    assert result.error == (
        f"{path}, line 1: the header line is longer than 64 bytes (MAX_LINE_BYTES); "
        "nothing of this file was loaded"
    )


@pytest.mark.db
def test_a_broken_header_fails_its_file_and_the_others_load(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    broken = write(tmp_path, "2025-03-01/orders.csv", 'order_id,"order_number\nO1,SO\n')
    write(tmp_path, "2025-03-01/customers.csv", f"{CUSTOMERS_HEADER}\nC1" + "," * 15 + "\n")
    result = ingest_landing(pg, tmp_path)
    assert [(f.file.entity.name, f.status) for f in result.files] == [
        ("customers", "loaded"),
        ("orders", "failed"),
    ]
    assert result.files[1].error == (
        f"{broken}, line 1: not a valid CSV header (unexpected end of data)"
    )


@pytest.mark.db
def test_an_unterminated_quote_does_not_make_the_server_hold_the_rest_of_the_file(
    pg: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """COPY would read from an unterminated quote to the next quote, as one
    field (it fails at 1 GB); the fast path stops once a record is over the
    limit, and the split path quarantines the line alone."""
    from warehouse import csvlines

    monkeypatch.setattr(csvlines, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(load, "READ_CHUNK", 8192)
    lines = [order_line(n) for n in range(1, 2001)]
    lines[10] = lines[10].replace(",USD,", ',"USD,')
    path = write(tmp_path, "2025-03-01/orders.csv", "\n".join([ORDERS_HEADER, *lines]) + "\n")
    copied: list[int] = []
    real = load._copy_whole_file

    def spy(conn: psycopg.Connection, path: Path, target: Any, digest: Any) -> int:
        try:
            return real(conn, path, target, digest)
        finally:
            copied.append(digest.size)

    monkeypatch.setattr(load, "_copy_whole_file", spy)
    [result] = ingest_landing(pg, tmp_path).files
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 1999, 1)
    # COPY was given the first chunks only, not the rest of the file as one field
    assert copied[0] <= 8192 < path.stat().st_size


# ------------------------------------------------------------- disk space


def test_the_free_space_check_needs_three_times_the_file_and_the_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mb = 1 << 20
    monkeypatch.delenv(space.MIN_FREE_VARIABLE, raising=False)
    monkeypatch.setattr(space, "free_bytes", lambda path: 812 * mb)
    space.check_free_space(tmp_path / "orders.csv", 100 * mb, tmp_path)  # 300 + 512 = 812
    with pytest.raises(IngestError) as refused:
        space.check_free_space(tmp_path / "orders.csv", 100 * mb + 1, tmp_path)
    assert str(refused.value) == (
        f"{tmp_path / 'orders.csv'}: not enough free disk space to load it: it needs 812 MB "
        f"free in the database's data directory {tmp_path} (3 × the file's 100 MB + "
        "WAREHOUSE_MIN_FREE_MB=512), and 812 MB are free; nothing of this file was loaded. "
        "Free some space and run the ingestion again"
    )
    monkeypatch.setenv(space.MIN_FREE_VARIABLE, "0")
    space.check_free_space(tmp_path / "orders.csv", 270 * mb, tmp_path)
    monkeypatch.setenv(space.MIN_FREE_VARIABLE, "lots")
    with pytest.raises(IngestError, match="WAREHOUSE_MIN_FREE_MB='lots' is not a number"):
        space.check_free_space(tmp_path / "orders.csv", 1, tmp_path)


@pytest.mark.db
def test_a_load_that_would_fill_the_disk_is_refused_before_a_row_is_written(
    pg: psycopg.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server: db.Connection,
    settings: Settings,
) -> None:
    data_dir = space.server_data_dir(pg)
    if server.embedded:
        assert data_dir == settings.pgdata
    elif data_dir is None:
        pytest.skip("the server's data directory is not on this machine: no check")
    path = write(tmp_path, "2025-03-01/orders.csv", orders_file(range(1, 100)))
    monkeypatch.setattr(space, "free_bytes", lambda folder: 100 << 20)
    [result] = ingest_landing(pg, tmp_path).files
    assert result.status == "failed"
    assert result.error.startswith(
        f"{path}: not enough free disk space to load it: it needs 512 MB free in the "
        f"database's data directory {data_dir}"
    )
    assert "100 MB are free; nothing of this file was loaded" in result.error
    assert one(pg, "select pg_relation_size('raw.orders')") == 0
    assert pg.execute("select status, error from audit.load_manifest").fetchall() == [
        ("failed", result.error)
    ]
    monkeypatch.setattr(space, "free_bytes", lambda folder: 1 << 40)
    [again] = ingest_landing(pg, tmp_path).files
    assert again.status == "loaded"


# ----------------------------------------------------- VACUUM after a failure


def fail_after_the_rows(
    monkeypatch: pytest.MonkeyPatch, sizes: list[int], before_failing: Any = None
) -> None:
    """The load fails at its very end, after COPY wrote every row."""

    def failing(conn: psycopg.Connection, *args: Any) -> None:
        sizes.append(one(conn, "select pg_relation_size('raw.orders')"))
        if before_failing is not None:
            before_failing()
        raise IngestError("injected failure after the rows were written")

    monkeypatch.setattr(load, "_close_manifest_row", failing)


@pytest.mark.db
def test_a_failed_load_gives_the_space_of_its_rows_back(
    pg: psycopg.Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "2025-03-01/orders.csv", orders_file(range(1, 20001)))
    sizes: list[int] = []
    fail_after_the_rows(monkeypatch, sizes)
    [result] = ingest_landing(pg, tmp_path).files
    assert result.status == "failed"
    assert result.error == "injected failure after the rows were written"
    assert result.hint is None
    assert sizes[0] > 1 << 20  # the rows were written, then rolled back
    assert one(pg, "select pg_relation_size('raw.orders')") == 0


@pytest.mark.db
def test_a_vacuum_that_fails_becomes_a_hint_not_a_crash(
    pg: psycopg.Connection,
    fresh_db: db.Connection,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(tmp_path, "2025-03-01/orders.csv", orders_file(range(1, 5001)))
    monkeypatch.setattr(load, "VACUUM_LOCK_TIMEOUT", "200ms")
    release = threading.Event()

    def hold_the_table() -> None:
        with db.connect(fresh_db) as other:
            other.execute("lock table raw.orders in share mode")  # waits for the load
            release.wait(60)

    holder = threading.Thread(target=hold_the_table)

    def take_the_lock_next() -> None:
        holder.start()
        deadline = time.monotonic() + 30
        while not one(pg, "select count(*) from pg_locks where not granted and mode = 'ShareLock'"):
            assert time.monotonic() < deadline, "the lock was never asked for"
            time.sleep(0.02)

    fail_after_the_rows(monkeypatch, [], take_the_lock_next)
    try:
        [result] = ingest_landing(pg, tmp_path).files
    finally:
        release.set()
        if holder.ident is not None:
            holder.join(30)
    assert result.status == "failed"
    assert result.hint is not None
    assert "VACUUM raw.orders failed: canceling statement due to lock timeout" in result.hint
    assert result.hint.endswith(
        "run `VACUUM raw.orders` once space is free (warehouse db psql -c 'VACUUM raw.orders')"
    )
    assert result.error == f"injected failure after the rows were written; {result.hint}"
    assert pg.execute("select error from audit.load_manifest").fetchall() == [(result.error,)]
