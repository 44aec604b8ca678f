"""Ingestion of the hand-written fixture landing zone: exact counts, quarantine,
re-runs that load nothing, refusal of changed files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from warehouse import db
from warehouse.ingest import ingest_landing

from .conftest import FIXTURES, db_env, run_cli

pytestmark = pytest.mark.db


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", target)
    return target


def test_every_line_is_loaded_or_quarantined(fresh_db: db.Connection, landing: Path) -> None:
    with db.connect(fresh_db, autocommit=True) as pg:
        result = ingest_landing(pg, landing)
        assert [(f.file.relative_path, f.status, f.rows_loaded, f.rows_quarantined) for f in
                result.files] == [
            ("2025-01-01/customers.csv", "loaded", 3, 0),
            ("2025-01-01/orders.csv", "loaded", 3, 0),
            ("2025-01-02/customers.csv", "loaded", 2, 0),
            ("2025-01-02/orders.csv", "loaded", 2, 2),
        ]
        rows = pg.execute(
            "select order_id, _batch_date::text, _source_file, _source_line"
            " from raw.orders order by _batch_date, _source_line"
        ).fetchall()
        assert rows == [
            ("O001", "2025-01-01", "2025-01-01/orders.csv", 2),
            ("O002", "2025-01-01", "2025-01-01/orders.csv", 3),
            ("O003", "2025-01-01", "2025-01-01/orders.csv", 4),
            ("O002", "2025-01-02", "2025-01-02/orders.csv", 2),
            ("O004", "2025-01-02", "2025-01-02/orders.csv", 3),
        ]
        quarantined = pg.execute(
            "select file_path, line_number, reason from audit.quarantine order by line_number"
        ).fetchall()
        assert quarantined == [
            ("2025-01-02/orders.csv", 4, "unterminated quoted field"),
            ("2025-01-02/orders.csv", 5, "expected 10 fields, found 9"),
        ]
        manifest = pg.execute(
            "select file_path, data_lines, rows_loaded, rows_quarantined, load_path"
            " from audit.load_manifest order by load_id"
        ).fetchall()
        assert manifest == [
            ("2025-01-01/customers.csv", 3, 3, 0, "fast"),
            ("2025-01-01/orders.csv", 3, 3, 0, "fast"),
            ("2025-01-02/customers.csv", 2, 2, 0, "fast"),
            ("2025-01-02/orders.csv", 4, 2, 2, "split"),
        ]
        # Values arrive as sent: text, untrimmed; an empty field is NULL.
        bob = pg.execute(
            "select first_name, customer_segment, date_of_birth from raw.customers"
            " where customer_id = 'C002'"
        ).fetchone()
        assert bob == (" bob ", " vip ", "1990-02-30")
        marks = pg.execute(
            "select entity, last_batch_date::text from audit.watermarks order by entity"
        ).fetchall()
        assert marks == [("customers", "2025-01-02"), ("orders", "2025-01-02")]


def test_a_second_run_loads_nothing(fresh_db: db.Connection, landing: Path) -> None:
    with db.connect(fresh_db, autocommit=True) as pg:
        ingest_landing(pg, landing)
        before = pg.execute("select count(*) from raw.orders").fetchone()[0]
        again = ingest_landing(pg, landing)
        assert [f.status for f in again.files] == ["skipped"] * 4
        assert pg.execute("select count(*) from raw.orders").fetchone()[0] == before


def test_a_changed_file_is_refused_and_the_rest_still_loads(
    fresh_db: db.Connection, landing: Path
) -> None:
    with db.connect(fresh_db, autocommit=True) as pg:
        ingest_landing(pg, landing)
        changed = landing / "2025-01-01" / "orders.csv"
        changed.write_text(changed.read_text().replace("5.00", "6.00"))
        result = ingest_landing(pg, landing)
        failed = result.failed
        assert len(failed) == 1
        assert str(changed) in failed[0].error
        assert "warehouse ingest --reload 2025-01-01" in failed[0].error
        assert pg.execute("select count(*) from raw.orders").fetchone()[0] == 5


def test_a_missing_key_column_fails_the_file_and_loads_none_of_it(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    batch = tmp_path / "landing" / "2025-02-01"
    batch.mkdir(parents=True)
    (batch / "orders.csv").write_text("order_number,customer_id\nSO-1,C1\n")
    with db.connect(fresh_db, autocommit=True) as pg:
        result = ingest_landing(pg, tmp_path / "landing")
        assert result.failed[0].error == (
            f"{batch / 'orders.csv'}, line 1: the key column 'order_id' is missing; "
            "nothing of this file was loaded"
        )
        assert pg.execute("select count(*) from raw.orders").fetchone()[0] == 0


def test_cli_ingest_prints_the_table_and_counts(fresh_db: db.Connection, landing: Path) -> None:
    result = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert result.returncode == 0, result.output
    assert "4 files loaded, 0 already loaded (skipped), 0 failed; 10 rows, 2 lines" in (
        " ".join(result.stdout.split())
    )
    again = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert "0 files loaded, 4 already loaded (skipped)" in " ".join(again.stdout.split())
