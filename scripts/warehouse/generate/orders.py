"""Orders and order lines (shop): who orders what, when, and how each order's
lifecycle (placed -> shipped -> delivered -> returned, or cancelled) plays out.

An order's global index fixes its day (through the calendar's daily counts)
and every random choice about it, so an order placed in the history and
shipped three days after the history ends is the same order whichever run
computes it. ``OrderBook`` holds a range of consecutive orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import fmt
from .calendar import DAY, Calendar
from .customers import base_segment, customer_ids
from .products import Catalog, product_ids
from .rand import Rand

STATUSES = ("placed", "shipped", "delivered", "returned", "cancelled")
PLACED, SHIPPED, DELIVERED, RETURNED, CANCELLED = range(5)
CHANNELS = ("web", "mobile", "store")
CHANNEL_SHARE = np.array([0.55, 0.35, 0.10])
STORE = 2
#: Lines per order (1..8) and units per line (1..5): both skewed towards one.
LINES_SHARE = np.array([0.46, 0.26, 0.13, 0.07, 0.04, 0.02, 0.01, 0.01])
QUANTITY_SHARE = np.array([0.72, 0.17, 0.06, 0.03, 0.02])
#: Relative order frequency by segment (Basic, Standard, Premium, VIP).
SEGMENT_FREQUENCY = np.array([1.0, 1.8, 3.0, 5.0])
#: Share of orders by customers who signed up in the last three days.
NEW_CUSTOMER_SHARE = 0.10
CANCEL_RATE = 0.04
RETURN_RATE = 0.07
DISCOUNT_RATE = 0.25
DISCOUNT_PCTS = np.array([5, 10, 15, 20])
FREE_SHIPPING_FROM = 5000
SHIPPING_FEE = 599
TAX_RATES = np.array([0.0, 0.05, 0.0625, 0.07, 0.0825])
#: Order hour of day weights (evenings busier).
HOUR_WEIGHTS = np.array(
    [
        1,
        0.6,
        0.4,
        0.3,
        0.3,
        0.4,
        0.8,
        1.5,
        2.2,
        2.8,
        3.2,
        3.4,
        3.6,
        3.4,
        3.2,
        3.1,
        3.2,
        3.5,
        4.0,
        4.5,
        4.8,
        4.4,
        3.2,
        2.0,
    ]
)
MAX_LATE_DAYS = 5
#: Longest span between placing an order and its last change (return refund
#: included) plus the latest late arrival: a daily batch recomputes this window.
LIFECYCLE_WINDOW_DAYS = 60
MAX_LINES = 8


def order_ids(idx: np.ndarray) -> pa.Array:
    return fmt.ids("ORD-", np.asarray(idx) + 1, 8)


def _pick_customers(rand: Rand, cal: Calendar, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Customers registered before the order day, weighted by segment; a share
    of orders goes to customers who signed up in the last three days."""
    eligible = np.maximum(1, cal.customers_before(day))
    cust = np.zeros(len(idx), dtype=np.int64)
    done = np.zeros(len(idx), dtype=bool)
    w = SEGMENT_FREQUENCY / SEGMENT_FREQUENCY.max()
    for r in range(8):
        cand = np.floor(rand.uniform("ord.cust", idx * 8 + r) * eligible).astype(np.int64)
        ok = ~done & (rand.uniform("ord.cust_acc", idx * 8 + r) < w[base_segment(rand, cand)])
        cust[ok], done = cand[ok], done | ok
    cust[~done] = cand[~done]
    recent_lo = cal.customers_before(day - 3)
    recent = (rand.uniform("ord.new", idx) < NEW_CUSTOMER_SHARE) & (eligible > recent_lo)
    span = np.maximum(1, eligible - recent_lo)
    pick = recent_lo + np.floor(rand.uniform("ord.new_pick", idx) * span).astype(np.int64)
    return np.where(recent, pick, cust)


def _pick_products(rand: Rand, catalog: Catalog, key: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Products by popularity, redrawn while not sellable on the order day."""
    pid = np.zeros(len(key), dtype=np.int64)
    done = np.zeros(len(key), dtype=bool)
    for r in range(10):
        cand = np.searchsorted(catalog.popularity, rand.uniform("line.prod", key * 16 + r))
        cand = np.minimum(cand, catalog.n - 1)
        ok = ~done & catalog.sellable(cand, day)
        pid[ok], done = cand[ok], done | ok
    return pid  # unresolved draws fall back to product 0, always sellable


@dataclass(frozen=True)
class OrderBook:
    """A range of consecutive orders with their lines and lifecycle."""

    idx: np.ndarray
    day: np.ndarray
    customer: np.ndarray
    channel: np.ndarray
    placed_at: np.ndarray
    shipping: np.ndarray  # cents
    tax: np.ndarray  # cents
    total: np.ndarray  # cents: lines net + shipping + tax
    times: np.ndarray  # (n, 5) epoch seconds of each status, -1 if never
    first_send: np.ndarray  # day the order is first sent (placed day, or later if late)
    emit: np.ndarray  # (n, 5) batch day each status is sent in, -1 if never
    # lines (flat; line_order indexes the order arrays)
    line_order: np.ndarray
    line_no: np.ndarray
    line_product: np.ndarray
    line_qty: np.ndarray
    line_price: np.ndarray
    line_discount: np.ndarray

    @property
    def returned(self) -> np.ndarray:
        return self.times[:, RETURNED] >= 0

    @property
    def cancelled(self) -> np.ndarray:
        return self.times[:, CANCELLED] >= 0


def build_orders(
    rand: Rand, cal: Calendar, catalog: Catalog, first: int, stop: int, late_rate: float
) -> OrderBook:
    """Orders with global index in [first, stop)."""
    idx = np.arange(first, stop, dtype=np.int64)
    n = len(idx)
    day = cal.order_day(idx)
    hour = rand.choice("ord.hour", idx, HOUR_WEIGHTS)
    placed = day * DAY + hour * 3600 + rand.integers("ord.sec", idx, 0, 3600)
    channel = rand.choice("ord.channel", idx, CHANNEL_SHARE)
    customer = _pick_customers(rand, cal, idx, day)

    n_lines = 1 + rand.choice("ord.lines", idx, LINES_SHARE)
    line_order = np.repeat(np.arange(n), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    line_no = np.arange(len(line_order)) - starts[line_order]
    key = idx[line_order] * 16 + line_no
    product = _pick_products(rand, catalog, key, day[line_order])
    qty = 1 + rand.choice("line.qty", key, QUANTITY_SHARE)
    price = catalog.price_at(product, placed[line_order])
    pct = DISCOUNT_PCTS[rand.integers("line.disc_pct", key, 0, len(DISCOUNT_PCTS))]
    discounted = rand.uniform("line.disc", key) < DISCOUNT_RATE
    discount = np.where(discounted, (qty * price * pct) // 100, 0).astype(np.int64)
    subtotal = np.bincount(line_order, weights=qty * price - discount, minlength=n)
    subtotal = np.rint(subtotal).astype(np.int64)
    shipping = np.where((channel == STORE) | (subtotal >= FREE_SHIPPING_FROM), 0, SHIPPING_FEE)
    tax_rate = TAX_RATES[rand.integers("ord.tax", customer, 0, len(TAX_RATES))]
    tax = np.rint(subtotal * tax_rate).astype(np.int64)

    times = np.full((n, 5), -1, dtype=np.int64)
    times[:, PLACED] = placed
    cancel = rand.uniform("ord.cancel", idx) < CANCEL_RATE
    store = channel == STORE
    shipped = placed + rand.integers("ord.ship", idx, 4 * 3600, 4 * DAY)
    delivered = np.where(
        store,
        placed + rand.integers("ord.pickup", idx, 60, 900),
        shipped + rand.integers("ord.deliver", idx, DAY, 7 * DAY),
    )
    ret = ~cancel & (rand.uniform("ord.return", idx) < RETURN_RATE)
    times[:, SHIPPED] = np.where(cancel | store, -1, shipped)
    times[:, DELIVERED] = np.where(cancel, -1, delivered)
    times[:, RETURNED] = np.where(
        ret, delivered + rand.integers("ord.ret", idx, 2 * DAY, 30 * DAY), -1
    )
    times[:, CANCELLED] = np.where(
        cancel, placed + rand.integers("ord.cancel_at", idx, 1800, 36 * 3600), -1
    )

    late = rand.uniform("ord.late", idx) < late_rate
    first_send = day + np.where(late, rand.integers("ord.late_days", idx, 1, MAX_LATE_DAYS + 1), 0)
    emit = np.where(times >= 0, cal.batch_day(np.maximum(times // DAY, first_send[:, None])), -1)
    return OrderBook(
        idx=idx,
        day=day,
        customer=customer,
        channel=channel,
        placed_at=placed,
        shipping=shipping,
        tax=tax,
        total=subtotal + shipping + tax,
        times=times,
        first_send=first_send,
        emit=emit,
        line_order=line_order,
        line_no=line_no,
        line_product=product,
        line_qty=qty,
        line_price=price,
        line_discount=discount,
    )


def select_versions(
    times: np.ndarray, emit: np.ndarray, batch_day: int, initial: bool
) -> tuple[np.ndarray, np.ndarray]:
    """(row, version) pairs of a versioned record set sent in ``batch_day``.

    The initial batch is a snapshot: only the latest version sent by then. A
    daily batch carries every version sent that day, oldest first.
    """
    sent = emit == batch_day
    if initial:
        rows = np.flatnonzero(sent.any(axis=1))
        last = sent.shape[1] - 1 - np.argmax(sent[rows, ::-1], axis=1)
        return rows, last
    rows, ver = np.nonzero(sent)
    order = np.lexsort((rows, times[rows, ver]))
    return rows[order], ver[order]


def order_rows(book: OrderBook, rows: np.ndarray, ver: np.ndarray) -> dict[str, pa.Array]:
    idx = book.idx[rows]
    return {
        "order_id": order_ids(idx),
        "order_number": fmt.integers(100_000_000 + idx + 1),
        "customer_id": customer_ids(book.customer[rows]),
        "order_ts": fmt.timestamps(book.placed_at[rows]),
        "order_status": pa.array(STATUSES).take(pa.array(ver)),
        "sales_channel": pa.array(CHANNELS).take(pa.array(book.channel[rows])),
        "currency_code": fmt.constant("USD", len(rows)),
        "shipping_amount": fmt.money(book.shipping[rows]),
        "tax_amount": fmt.money(book.tax[rows]),
        "updated_at": fmt.timestamps(book.times[rows, ver]),
    }


def lines_in_batch(book: OrderBook, batch_day: int) -> np.ndarray:
    """Positions of the lines sent in ``batch_day``: lines travel with the
    order's first row and never change."""
    return np.flatnonzero(book.emit[book.line_order, PLACED] == batch_day)


def line_rows(book: OrderBook, lines: np.ndarray) -> dict[str, pa.Array]:
    order_idx = book.idx[book.line_order[lines]]
    return {
        "order_line_id": fmt.ids("OL-", (order_idx + 1) * 100 + book.line_no[lines] + 1, 10),
        "order_id": order_ids(order_idx),
        "product_id": product_ids(book.line_product[lines]),
        "quantity": fmt.integers(book.line_qty[lines]),
        "unit_price": fmt.money(book.line_price[lines]),
        "discount_amount": fmt.money(book.line_discount[lines]),
        "updated_at": fmt.timestamps(book.placed_at[book.line_order[lines]]),
    }
