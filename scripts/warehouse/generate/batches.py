"""What each batch contains: the rows of every entity sent on a batch day.

The initial batch is produced in chunks (customers by index blocks, orders by
30-day windows) to bound memory; a daily batch recomputes the orders of the
last ``LIFECYCLE_WINDOW_DAYS`` days and keeps what changed that day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import customers, marketing, orders, payments, products
from .calendar import DAY, Calendar
from .config import GeneratorConfig
from .pools import Pools, build_pools
from .rand import Rand

CUSTOMER_CHUNK = 50_000
ORDER_CHUNK_DAYS = 30

Columns = dict[str, pa.Array]


@dataclass(frozen=True)
class World:
    """Everything fixed by the configuration (not by ``days``)."""

    config: GeneratorConfig
    rand: Rand
    cal: Calendar
    pools: Pools
    catalog: products.Catalog
    campaigns: marketing.Campaigns
    responses: marketing.Responses

    @classmethod
    def build(cls, config: GeneratorConfig) -> World:
        rand = Rand(config.seed)
        cal = Calendar.build(config)
        pools = build_pools(config.seed)
        last_day = cal.history_end + config.days
        camps = marketing.build_campaigns(rand, cal, config.scale, last_day)
        return cls(
            config,
            rand,
            cal,
            pools,
            products.build_catalog(rand, cal, pools, config.scale),
            camps,
            marketing.build_responses(rand, cal, camps, config.scale),
        )

    @property
    def customer_source(self) -> customers.CustomerSource:
        return customers.CustomerSource(
            self.rand, self.cal, self.pools, self.config.late_customer_rate
        )


@dataclass
class OrderChunk:
    orders: Columns
    lines: Columns
    payments: Columns
    late_orders: list[str]
    late_customer_orders: list[str]
    paid_before_sent_orders: list[str]  # orders whose payments this batch sends first


def customer_chunks(world: World, batch_day: int) -> Iterator[Columns]:
    src = world.customer_source
    total = int(world.cal.customers_before(batch_day + 1))
    step = CUSTOMER_CHUNK if batch_day == world.cal.history_end else max(total, 1)
    for first in range(0, total, step):
        idx, ver = src.versions_in_batch(batch_day, np.arange(first, min(total, first + step)))
        yield src.rows(idx, ver)


def product_rows(world: World, batch_day: int) -> Columns:
    pid, ver = products.versions_in_batch(world.catalog, world.cal, batch_day)
    return products.materialize(world.catalog, world.pools, pid, ver)


def campaign_rows(world: World, batch_day: int) -> tuple[Columns, Columns]:
    c, cal = world.campaigns, world.cal
    emit = np.where(c.times >= 0, cal.batch_day(c.times // DAY), -1)
    rows, ver = orders.select_versions(c.times, emit, batch_day, initial=False)
    r = world.responses
    sent = np.flatnonzero(cal.batch_day(r.ts // DAY) == batch_day)
    sent = sent[np.lexsort((r.response_no[sent], r.ts[sent]))]
    return marketing.campaign_rows(c, rows, ver), marketing.response_rows(r, sent)


def _order_windows(world: World, batch_day: int) -> Iterator[tuple[int, int]]:
    cal = world.cal
    if batch_day == cal.history_end:
        for d0 in range(cal.history_start, cal.history_end + 1, ORDER_CHUNK_DAYS):
            yield d0, min(d0 + ORDER_CHUNK_DAYS, cal.history_end + 1)
    else:
        yield max(cal.history_start, batch_day - orders.LIFECYCLE_WINDOW_DAYS), batch_day + 1


def order_chunks(world: World, batch_day: int) -> Iterator[OrderChunk]:
    cal, rand, cfg = world.cal, world.rand, world.config
    initial = batch_day == cal.history_end
    for d0, d1 in _order_windows(world, batch_day):
        book = orders.build_orders(
            rand,
            cal,
            world.catalog,
            cal.orders_before(d0),
            cal.orders_before(d1),
            cfg.late_order_rate,
        )
        rows, ver = orders.select_versions(book.times, book.emit, batch_day, initial)
        pay = payments.build_payments(rand, cal, book)
        # a failed first attempt is a payment of its own: select it separately
        r1, v1 = orders.select_versions(pay.times[:, :1], pay.emit[:, :1], batch_day, initial)
        r2, v2 = orders.select_versions(pay.times[:, 1:], pay.emit[:, 1:], batch_day, initial)
        prow, pver = np.concatenate([r1, r2]), np.concatenate([v1, v2 + 1])
        if not initial:
            o = np.lexsort((prow, pay.times[prow, pver]))
            prow, pver = prow[o], pver[o]
        else:
            o = np.lexsort((pver, prow))
            prow, pver = prow[o], pver[o]

        first_rows = rows[book.emit[rows, orders.PLACED] == batch_day]
        late = first_rows[book.day[first_rows] < batch_day] if not initial else first_rows[:0]
        cust_first = customers.first_send_day(
            rand, cal, book.customer[first_rows], cfg.late_customer_rate
        )
        late_cust = first_rows[cust_first > batch_day]
        # a late order's payment is sent on its day, before the order itself
        paid_first = np.unique(prow[book.emit[prow, orders.PLACED] > batch_day])
        yield OrderChunk(
            orders=orders.order_rows(book, rows, ver),
            lines=orders.line_rows(book, orders.lines_in_batch(book, batch_day)),
            payments=payments.payment_rows(book, pay, prow, pver),
            late_orders=orders.order_ids(book.idx[late]).to_pylist(),
            late_customer_orders=orders.order_ids(book.idx[late_cust]).to_pylist(),
            paid_before_sent_orders=orders.order_ids(book.idx[paid_first]).to_pylist(),
        )
