"""The warehouse at the size the benchmarks use (`--scale 1`, about a million
source rows), where tables are big enough for parallel plans on any server:

- clean data through `warehouse run` flags nothing (no rejection, no exception,
  no data issue, no quarantined line), and the facts equal an independent
  reading of the CSV files (Python's csv module, not the warehouse's code):
  counts, and amounts to the cent;
- dirty data built day by day (incremental, as a daily run would) passes every
  dbt test, and gives the same marts, gold and exceptions, row for row, as one
  full refresh of the same raw rows.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from warehouse import db
from warehouse.contract import ENTITIES
from warehouse.quality.ground_truth import DEFECT_DIMENSIONS

from .conftest import CliResult, DatabaseFactory, run_cli
from .dbt_helpers import (
    ANSI,
    MODELS_ONLY,
    built_tables,
    cli,
    dbt_env,
    keep_copy,
    query,
    row_differences,
    scalar,
)

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

# staging too: its base and version models are incremental on the load id
BUILT_SCHEMAS = ("staging", "marts", "gold", "intermediate")
# Tables that are empty when no batch was re-sent (nothing here reloads one).
EMPTY_WITHOUT_RELOADS = {("intermediate", "int_replaced_records")}


# ------------------------------------------------------- reading the files


def read_entity(landing: Path, entity: str) -> list[tuple[str, dict[str, str]]]:
    """Every data row of ``entity`` in every batch, as (batch, row), batch order."""
    rows = []
    for batch in sorted(p for p in landing.iterdir() if p.is_dir()):
        path = batch / f"{entity}.csv"
        if path.exists():
            with path.open(newline="", encoding="utf-8") as handle:
                rows.extend((batch.name, row) for row in csv.DictReader(handle))
    return rows


def instant(text: str) -> datetime:
    """An ISO 8601 timestamp as naive UTC (an offset, when there is one, applied)."""
    stamp = datetime.fromisoformat(text.strip())
    return stamp.astimezone(UTC).replace(tzinfo=None) if stamp.tzinfo else stamp


def latest_versions(landing: Path, entity: str, key: str) -> dict[str, dict[str, str]]:
    """The newest version of every record by updated_at; a version sent again in
    a later batch is that batch's row."""
    latest: dict[str, tuple[datetime, str, dict[str, str]]] = {}
    for batch, row in read_entity(landing, entity):
        seen = (instant(row["updated_at"]), batch)
        if row[key] not in latest or seen >= latest[row[key]][:2]:
            latest[row[key]] = (*seen, row)
    return {record: version for record, (_, _, version) in latest.items()}


@dataclass(frozen=True)
class Expected:
    order_lines: int
    line_quantity: int
    line_net: Decimal
    orders: int
    payments: int
    payment_amount: Decimal


def expected_from_files(landing: Path) -> Expected:
    orders = latest_versions(landing, "orders", "order_id")
    lines = [
        line
        for line in latest_versions(landing, "order_lines", "order_line_id").values()
        if line["order_id"] in orders
    ]
    payments = latest_versions(landing, "payments", "payment_id")
    return Expected(
        order_lines=len(lines),
        line_quantity=sum(int(line["quantity"]) for line in lines),
        line_net=sum(
            (
                int(line["quantity"]) * Decimal(line["unit_price"])
                - Decimal(line["discount_amount"] or "0")
                for line in lines
            ),
            Decimal(0),
        ),
        orders=len(orders),
        payments=len(payments),
        payment_amount=sum((Decimal(p["amount"]) for p in payments.values()), Decimal(0)),
    )


# ----------------------------------------------------------------- clean data


@dataclass
class CleanRun:
    landing: Path
    conn: db.Connection
    run: CliResult


@pytest.fixture(scope="module")
def clean(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    work = tmp_path_factory.mktemp("scale_clean")
    landing = work / "landing"
    cli("generate", "--scale", "1", "--days", "2", "--seed", "42", "--clean",
        "--out", str(landing), env={})  # fmt: skip
    conn = make_db("scale_clean")
    return CleanRun(landing, conn, run_cli("run", "--landing", str(landing),
                                           env=dbt_env(conn, work)))  # fmt: skip


def test_clean_data_at_scale_1_builds_and_flags_nothing(clean: CleanRun) -> None:
    assert clean.run.returncode == 0, clean.run.output[-3000:]
    conn = clean.conn
    assert scalar(conn, "select count(*) from raw.order_lines") > 400_000
    assert scalar(conn, "select count(*) from audit.quarantine") == 0
    assert scalar(conn, "select count(*) from marts.fct_row_exceptions") == 0
    for entity in ENTITIES:
        flagged = query(
            conn,
            f"select rejection_reason, data_issues, count(*)"
            f" from staging.base_{entity.source}__{entity.name}"
            f" where rejection_reason is not null or data_issues is not null group by 1, 2",
        )
        assert flagged == [], (entity.name, flagged)


def test_clean_facts_at_scale_1_equal_the_files_to_the_cent(clean: CleanRun) -> None:
    expected = expected_from_files(clean.landing)
    conn = clean.conn
    lines = query(
        conn, "select count(*), sum(quantity), sum(net_amount) from marts.fct_order_lines"
    )[0]
    assert lines == (expected.order_lines, expected.line_quantity, expected.line_net)
    orders = query(conn, "select count(*), sum(net_amount) from marts.fct_orders")[0]
    assert orders == (expected.orders, expected.line_net)
    payments = query(conn, "select count(*), sum(amount) from marts.fct_payments")[0]
    assert payments == (expected.payments, expected.payment_amount)


# ----------------------------------------------------------------- dirty data


@dataclass
class DayByDay:
    conn: db.Connection
    last_run: CliResult  # `warehouse run` of the last batch, every dbt test included
    batches: int


@pytest.fixture(scope="module")
def day_by_day(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> DayByDay:
    """Dirty scale-1 batches landed one a day, each ingested and built
    incrementally; the last by `warehouse run` with every test. Then the built
    schemas are copied aside and rebuilt from scratch over the same raw rows."""
    work = tmp_path_factory.mktemp("scale_dirty")
    landing = work / "landing"
    cli("generate", "--scale", "1", "--days", "4", "--seed", "42", "--out", str(landing), env={})
    conn = make_db("scale_dirty")
    env = dbt_env(conn, work)
    arrived = work / "arrived"
    arrived.mkdir()
    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    for batch in batches[:-1]:
        shutil.copytree(batch, arrived / batch.name)
        cli("ingest", "--landing", str(arrived), env=env)
        cli("build", *MODELS_ONLY, env=env)
    shutil.copytree(batches[-1], arrived / batches[-1].name)
    last_run = run_cli("run", "-v", "--landing", str(arrived), env=env)
    keep_copy(conn, BUILT_SCHEMAS, "incremental")
    cli("build", "--full-refresh", *MODELS_ONLY, env=env)
    return DayByDay(conn, last_run, len(batches))


def test_the_daily_incremental_build_at_scale_1_passes_every_test(day_by_day: DayByDay) -> None:
    assert day_by_day.batches == 5
    output = ANSI.sub("", day_by_day.last_run.output)
    assert day_by_day.last_run.returncode == 0, output[-3000:]
    assert "ERROR=0" in output and "WARN=0" in output
    assert "assert_order_lines_reconcile_with_staging" in output
    assert scalar(day_by_day.conn, "select count(*) from audit.quarantine") > 0  # dirty


def test_the_ground_truth_at_scale_1_is_exact(day_by_day: DayByDay) -> None:
    """Every defect the generator injected into five dirty scale-1 batches is
    flagged on its line, in the right way, and nothing else is."""
    rows = query(
        day_by_day.conn,
        "select defect, sum(injected), sum(detected), sum(missed), sum(false_positives)"
        " from audit.dq_ground_truth where run_id = (select run_id from audit.dq_ground_truth"
        " order by recorded_at desc limit 1) group by defect order by defect",
    )
    assert {defect for defect, *_ in rows} == set(DEFECT_DIMENSIONS)
    for defect, injected, detected, missed, false_positives in rows:
        assert (detected, missed, false_positives) == (injected, 0, 0), defect
    assert sum(r[1] for r in rows) > 10_000


def test_day_by_day_at_scale_1_equals_a_full_refresh_row_for_row(day_by_day: DayByDay) -> None:
    conn = day_by_day.conn
    tables = built_tables(conn, BUILT_SCHEMAS)
    assert {schema for schema, _ in tables} == set(BUILT_SCHEMAS)
    assert len(tables) >= 32
    for schema, table in tables:
        rows = scalar(conn, f'select count(*) from "{schema}"."{table}"')
        assert (rows > 0) != ((schema, table) in EMPTY_WITHOUT_RELOADS), (schema, table, rows)
        only_incremental, only_full, sample = row_differences(
            conn, (f"incremental_{schema}", table), (schema, table)
        )
        assert (only_incremental, only_full) == (0, 0), (
            f"{schema}.{table}: {only_incremental} rows only built day by day, {only_full} "
            f"only in the full refresh, e.g. {sample}"
        )
