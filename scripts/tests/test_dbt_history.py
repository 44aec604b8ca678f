"""dbt on a hand-made landing zone of three batches (fixtures/dbt_history): SCD2
versions with the right dates, keys resolved as of the event time, a customer and
an order that arrive late, updates that replace rows, exceptions, and the same
marts whether the batches are built one by one (incremental runs) or rebuilt
from scratch (--full-refresh).

The story, batch by batch:
  2025-01-01  customers C1 (Austin, since 2024-03-01 10:00) and C2; products P1, P2;
              orders O1 (2024-06-01) and O2 (2025-01-01 07:00) of C1; payments.
  2025-01-02  C1 moves to Dallas (2025-01-01 08:00); P1 costs more (2025-01-01 09:00);
              O2 ships; O3 of C1 (2025-01-01 12:00); O4 of C3, who is not known yet;
              the payment PAY6 of an order the shop has not sent yet; O3 sent twice;
              a line with quantity 0; C1's e-mail corrected (2025-01-02 10:00).
  2025-01-03  C1 moves to Miami (2025-01-03 07:00); C3 arrives; O2 is delivered; O5 of
              C1 (2025-01-03 09:00); O6 of C1 placed 2024-12-29, five days late; PAY3
              is refunded.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest

from warehouse import db

from .conftest import FIXTURES, CliResult, DatabaseFactory
from .dbt_helpers import ANSI, MODELS_ONLY, cli, dbt_env, marts, query

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

LANDING = FIXTURES / "dbt_history" / "landing"
BATCHES = sorted(p.name for p in LANDING.iterdir() if p.is_dir())

START, END = datetime(1900, 1, 1), datetime(9999, 12, 31)
MOVE_1, MOVE_2 = datetime(2025, 1, 1, 8), datetime(2025, 1, 3, 7)


@dataclass
class History:
    conn: db.Connection  # the database, after the full refresh
    after_second_batch: dict[str, str]  # fact id -> customer_key after the 2nd build
    after_last_batch: dict[str, str]  # fact id -> customer_key after the last build
    last_build: CliResult  # the incremental build of the last batch, tests included
    incremental: dict[tuple[str, str], Counter]  # the marts built batch by batch
    full_refresh: dict[tuple[str, str], Counter]  # the marts rebuilt from scratch


def keys_by_id(conn: db.Connection) -> dict[str, str]:
    return dict(
        query(
            conn,
            "select order_id, customer_key from marts.fct_orders"
            " union all select payment_id, customer_key from marts.fct_payments",
        )
    )


@pytest.fixture(scope="module")
def history(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> History:
    """The batches ingested and built one by one (incremental runs), then the marts
    rebuilt from scratch (--full-refresh) over the same raw rows."""
    conn = make_db("history")
    work = tmp_path_factory.mktemp("history")
    env = dbt_env(conn, work)
    landing = work / "landing"
    landing.mkdir()
    after_second: dict[str, str] = {}
    for position, batch in enumerate(BATCHES, start=1):
        shutil.copytree(LANDING / batch, landing / batch)
        cli("ingest", "--landing", str(landing), env=env)
        last = position == len(BATCHES)
        build = cli("build", "-v", *(() if last else MODELS_ONLY), env=env)
        if position == 2:
            after_second = keys_by_id(conn)
    after_last = keys_by_id(conn)
    incremental = marts(conn)
    cli("build", "--full-refresh", *MODELS_ONLY, env=env)
    return History(conn, after_second, after_last, build, incremental, marts(conn))


def customer_versions(conn: db.Connection) -> dict[str, tuple]:
    """customer_key -> (customer_id, version_number, city)."""
    rows = query(
        conn, "select customer_key, customer_id, version_number, city from marts.dim_customer"
    )
    return {key: (customer_id, version, city) for key, customer_id, version, city in rows}


# ------------------------------------------------------------------------ SCD2


def test_a_customer_who_moves_twice_has_three_versions_with_the_right_dates(
    history: History,
) -> None:
    rows = query(
        history.conn,
        "select version_number, city, state_code, customer_segment, updated_at, valid_from,"
        " valid_to, is_current from marts.dim_customer where customer_id = 'C1'"
        " order by version_number",
    )
    assert rows == [
        (1, "Austin", "TX", "Premium", datetime(2024, 3, 1, 10), START, MOVE_1, False),
        (2, "Dallas", "TX", "Premium", MOVE_1, MOVE_1, MOVE_2, False),
        (3, "Miami", "FL", "VIP", MOVE_2, MOVE_2, END, True),
    ]


def test_an_email_correction_overwrites_every_version_without_making_one(
    history: History,
) -> None:
    rows = query(
        history.conn,
        "select dim.version_number, dim.updated_at, dim.last_changed_at, pii.email,"
        " dim.email_pseudonym = first_value(dim.email_pseudonym) over ()"
        " from marts.dim_customer as dim"
        " inner join pii.dim_customer_pii as pii on dim.customer_key = pii.customer_key"
        " where dim.customer_id = 'C1' order by dim.version_number",
    )
    corrected = datetime(2025, 1, 2, 10)
    assert rows == [
        (1, datetime(2024, 3, 1, 10), datetime(2024, 3, 1, 10), "ada.lovelace@example.com", True),
        (2, MOVE_1, corrected, "ada.lovelace@example.com", True),
        (3, MOVE_2, MOVE_2, "ada.lovelace@example.com", True),
    ]


def test_every_order_points_to_the_customer_version_valid_when_it_was_placed(
    history: History,
) -> None:
    versions = customer_versions(history.conn)
    orders = dict(query(history.conn, "select order_id, customer_key from marts.fct_orders"))
    resolved = {order: versions[key] for order, key in orders.items()}
    assert resolved == {
        "O1": ("C1", 1, "Austin"),  # 2024-06-01
        "O2": ("C1", 1, "Austin"),  # 2025-01-01 07:00, an hour before the first move
        "O3": ("C1", 2, "Dallas"),  # 2025-01-01 12:00
        "O4": ("C3", 1, "Denver"),  # the customer arrived a batch after the order
        "O5": ("C1", 3, "Miami"),  # 2025-01-03 09:00
        "O6": ("C1", 1, "Austin"),  # 2024-12-29, arrived five days late
    }
    lines = dict(
        query(history.conn, "select order_line_id, customer_key from marts.fct_order_lines")
    )
    assert all(lines[line] == orders[order] for line, order in [("L3", "O3"), ("L6", "O6")])


def test_lines_take_the_product_version_and_cost_valid_at_order_time(history: History) -> None:
    rows = query(
        history.conn,
        "select l.order_line_id, p.version_number, l.unit_cost, l.cost_amount, l.margin_amount"
        " from marts.fct_order_lines l join marts.dim_product p using (product_key)"
        " where l.product_id = 'P1' order by 1",
    )
    assert rows == [
        ("L1", 1, Decimal("4.00"), Decimal("8.00"), Decimal("12.00")),
        ("L3", 2, Decimal("5.00"), Decimal("5.00"), Decimal("7.00")),
        ("L5", 2, Decimal("5.00"), Decimal("5.00"), Decimal("7.00")),
        ("L6", 1, Decimal("4.00"), Decimal("8.00"), Decimal("12.00")),
    ]


def test_facts_that_arrive_before_their_customer_are_rekeyed_when_it_arrives(
    history: History,
) -> None:
    # After the second batch: C3 and the order O6 had not arrived.
    assert history.after_second_batch["O4"] == "-1"
    assert history.after_second_batch["PAY6"] == "-1"
    now = history.after_last_batch
    versions = customer_versions(history.conn)
    assert versions[now["O4"]] == ("C3", 1, "Denver")
    assert versions[now["PAY4"]] == ("C3", 1, "Denver")
    assert versions[now["PAY6"]] == ("C1", 1, "Austin")
    received = query(history.conn, "select is_order_received from marts.fct_payments")
    assert received == [(True,)] * 5


# ------------------------------------------------------------------- late facts


def test_an_order_five_days_late_lands_on_the_day_it_belongs_to(history: History) -> None:
    row = query(
        history.conn,
        "select o.order_date, o.first_received_date, o.arrival_delay_days, d.day_name,"
        " o.order_total_amount, o.payment_state from marts.fct_orders o"
        " join marts.dim_date d on o.order_date = d.date_day where o.order_id = 'O6'",
    )
    assert row == [(date(2024, 12, 29), date(2025, 1, 3), 5, "Sunday", Decimal("26.60"), "paid")]
    day = query(
        history.conn,
        "select count(*), sum(order_total_amount) from marts.fct_orders"
        " where order_date = '2024-12-29'",
    )
    assert day == [(1, Decimal("26.60"))]
    line = query(
        history.conn,
        "select order_date, net_amount from marts.fct_order_lines where order_line_id = 'L6'",
    )
    assert line == [(date(2024, 12, 29), Decimal("20.00"))]


def test_updates_replace_rows_instead_of_adding_them(history: History) -> None:
    orders = query(
        history.conn,
        "select order_id, order_status, payment_state, order_total_amount, paid_amount,"
        " refunded_amount from marts.fct_orders where order_id in ('O2', 'O3') order by 1",
    )
    assert orders == [
        ("O2", "delivered", "paid", Decimal("24.44"), Decimal("24.44"), Decimal("0.00")),
        ("O3", "placed", "refunded", Decimal("12.96"), Decimal("0.00"), Decimal("12.96")),
    ]
    payments = query(
        history.conn,
        "select payment_id, payment_status from marts.fct_payments where order_id = 'O3'",
    )
    assert payments == [("PAY3", "refunded")]


def test_duplicates_and_unusable_rows_are_exceptions_with_their_reason(history: History) -> None:
    rows = query(
        history.conn,
        "select exception_kind, reason, entity, record_id, source_file, source_line"
        " from marts.fct_row_exceptions order by source_file, source_line",
    )
    assert rows == [
        ("duplicate", "exact_duplicate", "customers", "C2", "2025-01-01/customers.csv", 3),
        ("rejected", "non_positive_quantity", "order_lines", "L9", "2025-01-02/order_lines.csv", 4),
        ("duplicate", "exact_duplicate", "orders", "O3", "2025-01-02/orders.csv", 4),
    ]


def test_a_source_that_sent_nothing_is_empty_not_missing(history: History) -> None:
    assert query(history.conn, "select count(*) from raw.campaigns") == [(0,)]
    assert query(history.conn, "select campaign_key from marts.dim_campaign") == [("-1",)]


# ------------------------------------------------------------ incremental = full


def test_batch_by_batch_builds_the_same_marts_as_a_full_refresh(history: History) -> None:
    assert {table for _, table in history.full_refresh} >= {
        "dim_customer", "dim_product", "dim_campaign", "dim_date", "fct_orders",
        "fct_order_lines", "fct_payments", "fct_campaign_responses", "fct_row_exceptions",
    }  # fmt: skip
    assert history.incremental.keys() == history.full_refresh.keys()
    for table, full in history.full_refresh.items():
        incremental = history.incremental[table]
        only_incremental, only_full = incremental - full, full - incremental
        assert incremental == full, f"{table}: {only_incremental} vs {only_full}"


def test_the_last_build_passes_every_test_without_warnings(history: History) -> None:
    output = ANSI.sub("", history.last_build.output)
    assert "[WARNING]" not in output
    assert "deprecat" not in output.lower()
    assert re.search(r"Done\. PASS=\d+ WARN=0 ERROR=0 SKIP=0", output), output[-2000:]
