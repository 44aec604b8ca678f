"""The gold layer on a database of its own, built once for the module from a
generated landing zone (the main job, `warehouse run`), then:

- the analyses compile with dbt and their compiled SQL returns rows with the
  expected columns;
- the semantic layer answers an `mf query` with gold's own numbers (when the
  MetricFlow CLI is installed);
- a late order (a hand-made batch N+1 holding one order placed three days
  earlier) changes sales_summary_daily on the day it was placed, by exactly its
  amounts, and no other day: the other days are not even rebuilt;
- the reconciliation tests fail when gold is one cent (or one row) off the facts.

The tests run in this order and share the database; each holds on its own too.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from warehouse import db
from warehouse.config import Settings
from warehouse.contract import ENTITY_BY_NAME
from warehouse.dbt_runner import dbt_environment, run_dbt, write_profile

from .conftest import CliResult, admin_of, create_test_database, db_env, run_cli

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

GOLD_MODELS = (
    "sales_summary_daily",
    "daily_product_metrics",
    "agg_customer_monthly",
    "reporting_sales_wide",
    "customer_stats",
    "monthly_active_users",
    "campaign_performance",
    "payment_reconciliation",
    "time_spine_daily",
)

ANALYSES = {
    "cohort_retention": [
        "cohort_month",
        "months_since_first_order",
        "cohort_customer_count",
        "active_customer_count",
        "retention_rate",
        "net_revenue",
    ],
    "top_products_by_margin": [
        "margin_rank",
        "product_id",
        "product_name",
        "category",
        "brand",
        "units_sold",
        "net_revenue",
        "margin_amount",
        "margin_rate",
        "share_of_margin",
    ],
    "basket_pairs": [
        "product_a_id",
        "product_a_name",
        "product_b_id",
        "product_b_name",
        "orders_together",
        "support",
        "confidence_a_to_b",
        "lift",
    ],
    "campaign_attribution": [
        "campaign_id",
        "campaign_name",
        "channel",
        "budget_amount",
        "platform_conversion_count",
        "platform_attributed_revenue",
        "shop_attributed_order_count",
        "shop_attributed_customer_count",
        "shop_attributed_net_revenue",
        "shop_return_on_investment",
    ],
    "revenue_by_state_over_time": [
        "state_code",
        "order_month",
        "order_count",
        "customer_count",
        "net_revenue",
        "share_of_month_revenue",
    ],
}

LATE_ORDER_ID = "ORD-70000001"
LATE_BY_DAYS = 3


@dataclasses.dataclass(frozen=True)
class GoldWarehouse:
    conn: db.Connection
    landing: Path
    dbt_folder: Path  # dbt's target/ and logs/ for this module
    first_run: CliResult


@pytest.fixture(scope="module")
def gold(
    server: db.Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GoldWarehouse]:
    """A database of its own, loaded and built from a generated landing zone.

    dbt writes its artefacts to a temporary folder, not to the checkout's target/.
    """
    folder = tmp_path_factory.mktemp("gold")
    landing = folder / "landing"
    generated = run_cli(
        "generate", "--scale", "0.01", "--days", "2", "--seed", "11", "--out", str(landing)
    )
    assert generated.returncode == 0, generated.output
    name = f"wh_test_gold_{uuid.uuid4().hex[:10]}"
    conn = create_test_database(server, name)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DBT_TARGET_PATH", str(folder / "target"))
            patch.setenv("DBT_LOG_PATH", str(folder / "logs"))
            first = run_cli("run", "-v", "--landing", str(landing), env=db_env(conn))
            yield GoldWarehouse(conn, landing, folder, first)
    finally:
        db.drop_database(admin_of(server), name)


def table_rows(conn: db.Connection, sql: str) -> list[dict[str, Any]]:
    with db.connect(conn) as pg:
        cursor = pg.execute(sql)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def assert_clean_build(result: CliResult) -> None:
    assert result.returncode == 0, result.output[-4000:]
    assert "Completed successfully" in result.output
    assert "[WARNING]" not in result.output
    assert "deprecat" not in result.output.lower()


# ------------------------------------------------------------------------ build


def test_gold_builds_and_every_model_has_rows(gold: GoldWarehouse) -> None:
    assert_clean_build(gold.first_run)
    with db.connect(gold.conn) as pg:
        for model in GOLD_MODELS:
            count = pg.execute(f"select count(*) from gold.{model}").fetchone()[0]
            assert count > 0, model
        # recency is measured from the data, never from the clock
        as_of = pg.execute("select distinct as_of_date from gold.customer_stats").fetchall()
        latest = pg.execute("select max(order_date) from marts.fct_orders").fetchone()[0]
        assert as_of == [(latest,)]


# --------------------------------------------------------------------- analyses


def test_analyses_compile_and_return_rows_with_their_columns(
    gold: GoldWarehouse, settings: Settings
) -> None:
    result = run_dbt(
        ["compile", "--select", "resource_type:analysis"], settings, gold.conn, echo=False
    )
    assert result.returncode == 0, result.output[-4000:]
    compiled = gold.dbt_folder / "target" / "compiled" / "ecommerce_warehouse" / "analyses"
    assert sorted(p.stem for p in compiled.glob("*.sql")) == sorted(ANALYSES)
    with db.connect(gold.conn) as pg:
        for analysis, columns in ANALYSES.items():
            cursor = pg.execute((compiled / f"{analysis}.sql").read_text())
            assert [column.name for column in cursor.description] == columns, analysis
            assert cursor.fetchall(), f"{analysis} returned no rows"


# ---------------------------------------------------------------- semantic layer


def metricflow_cli() -> str | None:
    """The `mf` command: WAREHOUSE_MF, beside this Python, or on PATH."""
    for candidate in (
        os.environ.get("WAREHOUSE_MF"),
        str(Path(sys.executable).parent / "mf"),
        shutil.which("mf"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def test_mf_query_gives_the_numbers_of_gold(
    gold: GoldWarehouse, settings: Settings, tmp_path: Path
) -> None:
    mf = metricflow_cli()
    if mf is None:
        pytest.skip("MetricFlow CLI not installed (pip install 'ecommerce-warehouse[semantic]')")
    # mf reads <project>/target/semantic_manifest.json: a project folder whose
    # target/ is this module's, so the manifest names this module's database
    shadow = tmp_path / "project"
    shadow.mkdir()
    for name in ("dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests", "analyses"):
        (shadow / name).symlink_to(settings.project_dir / name)
    (shadow / "target").symlink_to(gold.dbt_folder / "target")
    write_profile(settings)
    env = {
        **os.environ,
        **dbt_environment(settings, gold.conn),
        "DBT_PROJECT_DIR": str(shadow),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    output = tmp_path / "revenue.csv"
    query = subprocess.run(
        [
            mf,
            "query",
            "--metrics",
            "revenue,orders,active_customers",
            "--group-by",
            "metric_time__month",
            "--order",
            "metric_time__month",
            "--csv",
            str(output),
        ],
        cwd=shadow,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert query.returncode == 0, query.stdout + query.stderr
    with output.open(newline="") as handle:
        answered = {
            row["metric_time__month"][:10]: (
                Decimal(row["revenue"]),
                int(row["orders"]),
                int(row["active_customers"]),
            )
            for row in csv.DictReader(handle)
        }
    monthly = table_rows(
        gold.conn,
        """
        select
            cast(date_trunc('month', summary.order_date) as date) as order_month,
            sum(summary.net_revenue) as revenue,
            sum(summary.order_count) as orders
        from gold.sales_summary_daily as summary
        group by 1""",
    )
    active = {
        row["activity_month"]: row["active_customer_count"]
        for row in table_rows(gold.conn, "select * from gold.monthly_active_users")
    }
    expected = {
        row["order_month"].isoformat(): (
            row["revenue"],
            int(row["orders"]),
            active[row["order_month"]],
        )
        for row in monthly
        if row["orders"] > 0
    }
    assert answered == expected


# -------------------------------------------------------------------- late data


def write_entity(batch: Path, entity: str, rows: list[dict[str, str]]) -> None:
    """One landing file in the contract's shape: every column, empty when not given."""
    columns = [column.name for column in ENTITY_BY_NAME[entity].columns]
    with (batch / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in columns})


def write_late_order_batch(
    landing: Path, batch_date: date, order_date: date, customer_id: str, products: list[str]
) -> None:
    """Batch ``batch_date`` holding one order placed on ``order_date``: two lines, one
    payment. Net 41.47 (2 x 19.99 - 4.00 + 5.49), shipping 5.99, tax 1.23."""
    batch = landing / batch_date.isoformat()
    batch.mkdir()
    placed = f"{order_date.isoformat()} 10:15:00"
    paid = f"{order_date.isoformat()} 10:16:00"
    write_entity(
        batch,
        "orders",
        [
            {
                "order_id": LATE_ORDER_ID,
                "order_number": "W-70000001",
                "customer_id": customer_id,
                "order_ts": placed,
                "order_status": "placed",
                "sales_channel": "web",
                "currency_code": "USD",
                "shipping_amount": "5.99",
                "tax_amount": "1.23",
                "updated_at": placed,
            }
        ],
    )
    write_entity(
        batch,
        "order_lines",
        [
            {
                "order_line_id": "OL-70000001-1",
                "order_id": LATE_ORDER_ID,
                "product_id": products[0],
                "quantity": "2",
                "unit_price": "19.99",
                "discount_amount": "4.00",
                "updated_at": placed,
            },
            {
                "order_line_id": "OL-70000001-2",
                "order_id": LATE_ORDER_ID,
                "product_id": products[1],
                "quantity": "1",
                "unit_price": "5.49",
                "discount_amount": "0.00",
                "updated_at": placed,
            },
        ],
    )
    write_entity(
        batch,
        "payments",
        [
            {
                "payment_id": "PAY-70000001",
                "order_id": LATE_ORDER_ID,
                "payment_method": "credit_card",
                "payment_status": "completed",
                "amount": "48.69",
                "paid_at": paid,
                "updated_at": paid,
            }
        ],
    )


def test_a_late_order_changes_only_the_day_it_was_placed(gold: GoldWarehouse) -> None:
    summary_sql = "select * from gold.sales_summary_daily order by order_date"
    products_sql = "select * from gold.daily_product_metrics order by order_date, product_id"
    before = {row["order_date"]: row for row in table_rows(gold.conn, summary_sql)}
    products_before = table_rows(gold.conn, products_sql)

    last_batch = max(date.fromisoformat(p.name) for p in gold.landing.iterdir() if p.is_dir())
    late_batch = last_batch + timedelta(days=1)
    order_date = late_batch - timedelta(days=LATE_BY_DAYS)
    assert order_date in before
    # a CRM customer who never ordered (the order makes a new customer) and two products
    customers = table_rows(
        gold.conn,
        """
        select customer_id from gold.customer_stats
        where is_known_customer and order_count = 0
        order by customer_id limit 1""",
    )
    products = table_rows(
        gold.conn,
        """
        select product_id from marts.dim_product
        where is_current and product_id <> '-1'
        order by product_id limit 2""",
    )
    assert customers and len(products) == 2
    product_ids = [row["product_id"] for row in products]
    write_late_order_batch(
        gold.landing, late_batch, order_date, customers[0]["customer_id"], product_ids
    )

    assert_clean_build(run_cli("run", "-v", "--landing", str(gold.landing), env=db_env(gold.conn)))

    after = {row["order_date"]: row for row in table_rows(gold.conn, summary_sql)}
    assert after.keys() == before.keys()
    # every other day kept its row as it was, dbt_invocation_id included: not rebuilt
    assert {day for day in before if after[day] != before[day]} == {order_date}
    day_before, day_after = before[order_date], after[order_date]
    assert day_after["dbt_invocation_id"] != day_before["dbt_invocation_id"]
    assert day_after["source_load_id"] > day_before["source_load_id"]
    expected_change = {
        "order_count": 1,
        "line_count": 2,
        "units_sold": 3,
        "gross_revenue": Decimal("45.47"),
        "discount_amount": Decimal("4.00"),
        "net_revenue": Decimal("41.47"),
        "shipping_amount": Decimal("5.99"),
        "tax_amount": Decimal("1.23"),
        "order_total_amount": Decimal("48.69"),
        "customer_count": 1,
        "new_customer_count": 1,
        "returning_customer_count": 0,
        "cancelled_order_count": 0,
        "returned_order_count": 0,
    }
    assert {
        column: day_after[column] - day_before[column] for column in expected_change
    } == expected_change

    # the product metrics move the same way: that day only, those products only
    products_after = table_rows(gold.conn, products_sql)

    def other_days(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [row for row in rows if row["order_date"] != order_date]

    def units_that_day(rows: list[dict[str, Any]]) -> dict[str, int]:
        return {r["product_id"]: r["units_sold"] for r in rows if r["order_date"] == order_date}

    assert other_days(products_after) == other_days(products_before)
    units_after, units_before = units_that_day(products_after), units_that_day(products_before)
    assert units_after[product_ids[0]] - units_before.get(product_ids[0], 0) == 2
    assert units_after[product_ids[1]] - units_before.get(product_ids[1], 0) == 1

    # the wide table has the order's two lines, with its (known) customer
    wide = table_rows(
        gold.conn,
        f"""
        select order_date, is_customer_known, net_amount
        from gold.reporting_sales_wide where order_id = '{LATE_ORDER_ID}'
        order by order_line_id""",
    )
    assert [(row["order_date"], row["net_amount"]) for row in wide] == [
        (order_date, Decimal("35.98")),
        (order_date, Decimal("5.49")),
    ]
    assert all(row["is_customer_known"] for row in wide)


# ---------------------------------------------------------------- reconciliation


def test_reconciliation_tests_fail_on_one_cent(gold: GoldWarehouse) -> None:
    """Each reconciliation test passes on the built warehouse and fails once gold is
    one cent off the facts (a day's revenue, a customer's lifetime value, a line)."""
    tests = (
        "assert_sales_summary_daily_reconciles_to_facts",
        "assert_customer_lifetime_values_reconcile_to_facts",
        "assert_reporting_sales_wide_has_every_order_line_once",
    )
    for test in tests:  # they passed in the module's first build
        assert any(
            "PASS" in line and test in line for line in gold.first_run.output.splitlines()
        ), test
    with db.connect(gold.conn) as pg:
        pg.execute("""
            update gold.sales_summary_daily set net_revenue = net_revenue + 0.01
            where order_date = (select max(order_date) from gold.sales_summary_daily)""")
        pg.execute("""
            update gold.customer_stats set lifetime_value = lifetime_value - 0.01
            where customer_id = (
                select min(customer_id) from gold.customer_stats where order_count > 0)""")
        pg.execute("""
            update gold.reporting_sales_wide set net_amount = net_amount + 0.01
            where order_line_id = (select min(order_line_id) from gold.reporting_sales_wide)""")
        pg.commit()
    failing = run_cli("build", "-v", "--select", *tests, env=db_env(gold.conn))
    assert failing.returncode != 0
    for test in tests:
        assert any("FAIL" in line and test in line for line in failing.output.splitlines()), test
