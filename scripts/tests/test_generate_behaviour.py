"""Business behaviour of the clean data: volumes, foreign keys, seasonality,
skews, lifecycles, payments, funnels, SCD2 changes and late arrivals."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from warehouse.contract import ENTITIES
from warehouse.generate import GeneratorConfig, generate_landing

SCALE = 0.05
DAYS = 10


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    root = tmp_path_factory.mktemp("clean")
    generate_landing(
        GeneratorConfig(
            scale=SCALE, days=DAYS, seed=5, clean=True, late_order_rate=0.1, late_customer_rate=0.3
        ),
        root,
    )
    frames: dict[str, list[pd.DataFrame]] = {e.name: [] for e in ENTITIES}
    for folder in sorted(root.iterdir()):
        for path in folder.glob("*.csv"):
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            df["_batch"] = folder.name
            frames[path.stem].append(df)
    return {name: pd.concat(parts, ignore_index=True) for name, parts in frames.items()}


def _latest(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.sort_values("updated_at").drop_duplicates(key, keep="last")


def test_volumes_are_linear_in_scale(data: dict[str, pd.DataFrame]) -> None:
    orders = data["orders"]
    history = orders[orders.order_ts < "2025-07-01"].order_id.nunique()
    assert abs(history - 200_000 * SCALE) < 0.05 * 200_000 * SCALE
    lines = data["order_lines"].order_line_id.nunique()
    assert 1.9 < lines / orders.order_id.nunique() < 2.4
    assert (
        abs(
            data["customers"][
                data["customers"].registration_date < "2025-07-01"
            ].customer_id.nunique()
            - 50_000 * SCALE
        )
        < 0.05 * 50_000 * SCALE
    )


def test_foreign_keys_resolve_once_all_batches_are_considered(data) -> None:
    keys = {e.name: set(data[e.name][e.key]) for e in ENTITIES}
    # customers arrive at most 4 days late: check orders of batches up to day DAYS-5
    early = data["orders"][data["orders"]._batch <= "2025-07-05"]
    assert set(early.customer_id) <= keys["customers"]
    assert set(data["order_lines"].order_id) <= keys["orders"]
    assert set(data["order_lines"].product_id) <= keys["products"]
    early_pay = data["payments"][data["payments"]._batch <= "2025-07-05"]
    assert set(early_pay.order_id) <= keys["orders"]
    assert set(data["campaign_responses"].campaign_id) <= keys["campaigns"]
    assert set(data["campaign_responses"].customer_id) <= keys["customers"]


def test_late_arrivals_happen_in_daily_batches(data: dict[str, pd.DataFrame]) -> None:
    orders = data["orders"]
    first = orders.sort_values("_batch").drop_duplicates("order_id")
    daily = first[first._batch > "2025-06-30"]
    late = daily[daily.order_ts.str[:10] < daily._batch]
    assert len(late) > 0  # an order first sent days after it was placed
    cust_first = data["customers"].groupby("customer_id")._batch.min()
    ahead = daily[daily.customer_id.map(cust_first) > daily._batch]
    assert len(ahead) > 0  # an order that arrives before its customer


def test_customers_register_before_they_order(data: dict[str, pd.DataFrame]) -> None:
    reg = data["customers"].groupby("customer_id").registration_date.first()
    orders = _latest(data["orders"], "order_id")
    orders = orders[orders.customer_id.isin(reg.index)]  # late customers not sent yet
    assert len(orders) > 9000
    assert (orders.customer_id.map(reg) < orders.order_ts.str[:10]).all()


def test_weekly_and_holiday_seasonality(data: dict[str, pd.DataFrame]) -> None:
    orders = _latest(data["orders"], "order_id")
    day = pd.to_datetime(orders.order_ts.str[:10])
    per_day = day.value_counts().sort_index()
    wd = per_day.groupby(per_day.index.day_of_week).mean()
    assert wd[[5, 6]].mean() < 0.9 * wd[[0, 1, 2, 3]].mean()
    black_fridays = [pd.Timestamp(date(2023, 11, 24)), pd.Timestamp(date(2024, 11, 29))]
    november = per_day[(per_day.index.month == 11) & (per_day.index.day < 20)]
    assert per_day[black_fridays].mean() > 2 * november.mean()
    december = per_day[(per_day.index.month == 12) & (per_day.index.day < 20)].mean()
    february = per_day[per_day.index.month == 2].mean()
    assert december > 1.2 * february


def test_items_and_quantities_skew_to_one(data: dict[str, pd.DataFrame]) -> None:
    lines = data["order_lines"]
    qty = lines.quantity.astype(int).value_counts(normalize=True)
    assert qty[1] > 0.6 and qty[1] > qty[2] > qty[3]
    per_order = lines.groupby("order_id").size().value_counts(normalize=True)
    assert per_order[1] > 0.35 and per_order[1] > per_order[2] > per_order[3]


def test_prices_margins_and_price_changes(data: dict[str, pd.DataFrame]) -> None:
    p = data["products"]
    cost, price = p.unit_cost.astype(float), p.retail_price.astype(float)
    margin = (1 - cost / price).groupby(p.category).mean()
    assert margin["Clothing"] > margin["Electronics"] + 0.15
    assert (price > 0).all() and (cost < price * 1.2).all()
    assert (p.groupby("product_id").retail_price.nunique() > 1).any()
    assert (p.product_status == "Discontinued").any()


def test_money_is_exact_and_adds_up(data: dict[str, pd.DataFrame]) -> None:
    for name, col in (
        ("payments", "amount"),
        ("order_lines", "unit_price"),
        ("orders", "tax_amount"),
    ):
        assert data[name][col].str.fullmatch(r"\d+\.\d\d").all()
    lines = data["order_lines"]
    cents = (
        lines.quantity.astype(int) * (lines.unit_price.astype(float) * 100).round()
        - (lines.discount_amount.astype(float) * 100).round()
    )
    net = cents.groupby(lines.order_id).sum()
    o = _latest(data["orders"], "order_id").set_index("order_id")
    total = net + ((o.shipping_amount.astype(float) + o.tax_amount.astype(float)) * 100).round()
    pay = data["payments"].drop_duplicates("payment_id").set_index("order_id").amount
    pay_cents = (pay.astype(float) * 100).round()
    joined = pay_cents.to_frame("pay").join(total.rename("total"), how="inner")
    assert len(joined) > 100 and (joined.pay == joined.total).all()


def test_segments_spend_differently(data: dict[str, pd.DataFrame]) -> None:
    first_seg = (
        data["customers"].sort_values("updated_at").groupby("customer_id").customer_segment.first()
    )
    orders = _latest(data["orders"], "order_id")
    counts = orders.customer_id.value_counts().reindex(first_seg.index, fill_value=0)
    per_segment = counts.groupby(first_seg).mean()
    assert per_segment["VIP"] > 2 * per_segment["Basic"]
    assert per_segment["Premium"] > per_segment["Standard"] > per_segment["Basic"]


def test_lifecycle_transitions_are_valid_and_ordered(data: dict[str, pd.DataFrame]) -> None:
    rank = {"placed": 0, "shipped": 1, "delivered": 2, "returned": 3, "cancelled": 1}
    allowed = {
        ("placed", "shipped"),
        ("placed", "delivered"),
        ("placed", "cancelled"),
        ("shipped", "delivered"),
        ("delivered", "returned"),
        ("placed", "returned"),
        ("shipped", "returned"),
    }
    o = data["orders"].sort_values(["order_id", "_batch", "updated_at"])
    moved = 0
    for _, g in o.groupby("order_id"):
        st, ts = list(g.order_status), list(g.updated_at)
        assert ts == sorted(ts) and len(set(ts)) == len(ts)
        for a, b in zip(st, st[1:], strict=False):
            assert (a, b) in allowed and rank[b] > rank[a], (a, b)
            moved += 1
    assert moved > 50  # orders do play out across batches
    by_batch = o.groupby("order_id")._batch.nunique()
    assert (by_batch > 1).sum() > 20
    assert {"cancelled", "returned", "delivered", "shipped", "placed"} <= set(o.order_status)


def test_payments_fail_retry_and_refund_only_returns(data: dict[str, pd.DataFrame]) -> None:
    pay = _latest(data["payments"], "payment_id")
    status = _latest(data["orders"], "order_id").set_index("order_id").order_status
    refunded = pay[pay.payment_status == "refunded"]
    assert len(refunded) > 0 and (refunded.order_id.map(status) == "returned").all()
    failed = pay[pay.payment_status == "failed"]
    retried = failed[failed.payment_id.str.endswith("1")].order_id
    placed = _latest(data["orders"], "order_id").set_index("order_id").order_ts
    retried = retried[retried.map(placed) < "2025-07-10"]  # retry done by the last batch
    retried = retried[retried.map(status) != "cancelled"]
    assert len(retried) > 0
    ok = pay[pay.payment_status.isin(["completed", "refunded", "pending"])].order_id
    assert set(retried) <= set(ok)
    cancelled = set(status[status == "cancelled"].index)
    assert not set(pay[pay.payment_status == "completed"].order_id) & cancelled
    assert pay.paid_at[pay.payment_status == "failed"].eq("").all()


def test_campaign_funnel(data: dict[str, pd.DataFrame]) -> None:
    r = data["campaign_responses"]
    first = r.groupby(["campaign_id", "customer_id", "response_type"]).response_ts.min().unstack()
    clicked = first[first.clicked.notna()]
    assert len(clicked) > 10 and (clicked.opened < clicked.clicked).all()
    conv = first[first.converted.notna()]
    assert len(conv) > 0 and (conv.clicked < conv.converted).all()
    assert (r.conversion_value != "").eq(r.response_type == "converted").all()
    ch = data["campaigns"].drop_duplicates("campaign_id").set_index("campaign_id").channel
    rates = (
        r.assign(channel=r.campaign_id.map(ch))
        .groupby("channel")
        .response_type.apply(lambda s: (s == "clicked").sum() / (s == "opened").sum())
    )
    if {"search", "display"} <= set(rates.index):
        assert rates["search"] > rates["display"]


def test_customers_change_over_time(data: dict[str, pd.DataFrame]) -> None:
    c = data["customers"]
    initial = c[c._batch == "2025-06-30"]
    versions = initial.groupby("customer_id").updated_at.nunique()
    assert (versions > 1).mean() > 0.3  # SCD2 history inside the initial batch
    daily = c[c._batch > "2025-06-30"]
    changed = daily[daily.customer_id.isin(initial.customer_id)]
    assert len(changed) > 0  # existing customers re-sent later
    moves = c.groupby("customer_id").address.nunique()
    segs = c.groupby("customer_id").customer_segment.nunique()
    assert (moves > 1).any() and (segs > 1).any()
    assert np.all(c.groupby("customer_id").registration_date.nunique() == 1)
