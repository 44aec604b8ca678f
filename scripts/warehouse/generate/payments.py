"""Payments: one or two attempts per order, their status changes and refunds.

- A share of orders has a first attempt that fails, followed by a successful
  retry (a new payment_id, sometimes with another method).
- Bank transfers stay ``pending`` for 1-3 days before they complete.
- A cancelled order's payment is authorised (``pending``) and then ``failed``
  when the order is cancelled: no money moves, so nothing is refunded.
- A returned order's completed payment becomes ``refunded`` after the return.

Payments come from the payment provider, which is never late: they are sent on
the day they change, whether or not the shop has sent the order yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import fmt
from .calendar import DAY, Calendar
from .orders import CANCELLED, RETURNED, OrderBook, order_ids
from .rand import Rand

METHODS = ("credit_card", "debit_card", "paypal", "gift_card", "bank_transfer")
METHOD_SHARE = np.array([0.45, 0.20, 0.20, 0.05, 0.10])
BANK_TRANSFER = 4
RETRY_RATE = 0.05
#: Version columns: a failed first attempt, then the final attempt's states.
FIRST_FAILED, PENDING, SETTLED, REFUNDED = range(4)


@dataclass(frozen=True)
class PaymentBook:
    order_row: np.ndarray  # (n,) row in the OrderBook
    retry: np.ndarray  # (n,) a failed attempt precedes the final one
    method_first: np.ndarray
    method: np.ndarray
    times: np.ndarray  # (n, 4) epoch seconds of each version, -1 if none
    emit: np.ndarray  # (n, 4) batch day
    settled_ok: np.ndarray  # final attempt completed (not failed)


def build_payments(rand: Rand, cal: Calendar, book: OrderBook) -> PaymentBook:
    idx = book.idx
    n = len(idx)
    cancelled = book.cancelled
    placed = book.placed_at
    retry = ~cancelled & (rand.uniform("pay.retry", idx) < RETRY_RATE)
    method = rand.choice("pay.method", idx, METHOD_SHARE)
    switch = retry & (rand.uniform("pay.switch", idx) < 0.3)
    method_first = np.where(switch, rand.choice("pay.method1", idx, METHOD_SHARE), method)

    times = np.full((n, 4), -1, dtype=np.int64)
    fail_at = placed + rand.integers("pay.fail_at", idx, 20, 300)
    times[:, FIRST_FAILED] = np.where(retry, fail_at, -1)
    start = np.where(
        retry,
        fail_at + rand.integers("pay.retry_at", idx, 60, 1800),
        placed + rand.integers("pay.start", idx, 20, 300),
    )
    bank = method == BANK_TRANSFER
    pending = cancelled | bank
    times[:, PENDING] = np.where(pending, start, -1)
    settle = np.where(
        cancelled,
        book.times[:, CANCELLED],
        np.where(bank, start + rand.integers("pay.bank", idx, DAY, 3 * DAY), start),
    )
    times[:, SETTLED] = settle
    times[:, REFUNDED] = np.where(
        book.returned, book.times[:, RETURNED] + rand.integers("pay.refund", idx, 3600, 2 * DAY), -1
    )
    emit = np.where(times >= 0, cal.batch_day(times // DAY), -1)
    return PaymentBook(
        order_row=np.arange(n),
        retry=retry,
        method_first=method_first,
        method=method,
        times=times,
        emit=emit,
        settled_ok=~cancelled,
    )


def payment_rows(
    book: OrderBook, pay: PaymentBook, rows: np.ndarray, ver: np.ndarray
) -> dict[str, pa.Array]:
    idx = book.idx[rows]
    attempt = np.where((ver != FIRST_FAILED) & pay.retry[rows], 2, 1)
    status = np.select(
        [
            ver == FIRST_FAILED,
            ver == PENDING,
            (ver == SETTLED) & pay.settled_ok[rows],
            ver == SETTLED,
        ],
        [2, 0, 1, 2],
        3,
    )
    method = np.where(ver == FIRST_FAILED, pay.method_first[rows], pay.method[rows])
    paid = np.where((status == 1) | (status == 3), pay.times[rows, SETTLED], -1)
    paid_at = fmt.nullify(fmt.timestamps(np.maximum(paid, 0)), paid < 0)
    return {
        "payment_id": fmt.ids("PAY-", (idx + 1) * 10 + attempt, 9),
        "order_id": order_ids(idx),
        "payment_method": pa.array(METHODS).take(pa.array(method)),
        "payment_status": pa.array(("pending", "completed", "failed", "refunded")).take(
            pa.array(status)
        ),
        "amount": fmt.money(book.total[rows]),
        "paid_at": paid_at,
        "updated_at": fmt.timestamps(pay.times[rows, ver]),
    }
