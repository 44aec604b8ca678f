"""Customers (CRM): sign-ups, their later changes (moves, segment and status
changes) and the rows that describe them.

A customer's index is its rank in sign-up order, so "customers registered
before day d" is the index range [0, customers_before(d)). Each customer has a
fixed number of change slots whose times and kinds are drawn from the index;
version k is the state after the first k changes. Nothing depends on how many
days are generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import fmt
from .calendar import DAY, Calendar
from .pools import Pools
from .rand import Rand

SEGMENTS = ("Basic", "Standard", "Premium", "VIP")
SEGMENT_SHARE = np.array([0.45, 0.30, 0.17, 0.08])
STATUSES = ("Active", "Inactive")
#: Change slots per customer and the mean gap between changes.
CHANGE_SLOTS = 4
CHANGE_GAP_DAYS = 420.0
#: Kinds of change: move, segment change, status change.
CHANGE_KIND_SHARE = np.array([0.5, 0.35, 0.15])
MOVE, SEGMENT, STATUS = 0, 1, 2
#: Latest a late customer record is sent, in days after sign-up.
MAX_CUSTOMER_DELAY = 4

_PHONE_FORMATS = 6


def customer_ids(idx: np.ndarray) -> pa.Array:
    return fmt.ids("CUS-", np.asarray(idx) + 1, 7)


def base_segment(rand: Rand, idx: np.ndarray) -> np.ndarray:
    """Segment at sign-up (0=Basic .. 3=VIP)."""
    return rand.choice("cust.segment", idx, SEGMENT_SHARE)


@dataclass(frozen=True)
class CustomerTimeline:
    """When each version of each customer happens and in which batch it is sent."""

    idx: np.ndarray  # (n,)
    times: np.ndarray  # (n, 1 + CHANGE_SLOTS) epoch seconds of each version
    emit: np.ndarray  # (n, 1 + CHANGE_SLOTS) batch day each version is sent in
    delayed: np.ndarray  # (n,) first record sent after the sign-up day


def version_times(rand: Rand, cal: Calendar, idx: np.ndarray) -> np.ndarray:
    """(n, 1 + CHANGE_SLOTS) epoch seconds: sign-up, then each change."""
    reg_day = cal.customer_day(idx)
    times = np.empty((len(idx), 1 + CHANGE_SLOTS), dtype=np.int64)
    times[:, 0] = reg_day * DAY + rand.integers("cust.reg_sec", idx, 6 * 3600, 23 * 3600)
    for k in range(1, CHANGE_SLOTS + 1):
        gap = rand.exponential("cust.gap", idx * 8 + k, CHANGE_GAP_DAYS * DAY)
        times[:, k] = times[:, k - 1] + 3600 + gap.astype(np.int64)
    return times


def first_send_day(rand: Rand, cal: Calendar, idx: np.ndarray, late_rate: float) -> np.ndarray:
    """Day a customer's record is first sent: the sign-up day, or 1-4 days later
    for a share ``late_rate`` of customers (late-arriving dimension)."""
    delayed = rand.uniform("cust.late", idx) < late_rate
    delay = np.where(delayed, rand.integers("cust.late_days", idx, 1, MAX_CUSTOMER_DELAY + 1), 0)
    return cal.customer_day(idx) + delay


def customer_timeline(
    rand: Rand, cal: Calendar, idx: np.ndarray, late_rate: float
) -> CustomerTimeline:
    times = version_times(rand, cal, idx)
    first = first_send_day(rand, cal, idx, late_rate)
    emit = cal.batch_day(np.maximum(times // DAY, first[:, None]))
    return CustomerTimeline(idx=idx, times=times, emit=emit, delayed=first > cal.customer_day(idx))


@dataclass(frozen=True)
class CustomerSource:
    """Everything needed to produce customer rows for any batch."""

    rand: Rand
    cal: Calendar
    pools: Pools
    late_rate: float

    def timeline(self, idx: np.ndarray) -> CustomerTimeline:
        return customer_timeline(self.rand, self.cal, idx, self.late_rate)

    def versions_in_batch(self, batch_day: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(customer index, version) pairs sent in ``batch_day``, in send order:
        by customer then version for the initial batch, by time for daily ones."""
        tl = self.timeline(idx)
        rows, ver = np.nonzero(tl.emit == batch_day)
        if batch_day != self.cal.history_end:
            order = np.lexsort((tl.idx[rows], tl.times[rows, ver]))
            rows, ver = rows[order], ver[order]
        return tl.idx[rows], ver

    def rows(self, idx: np.ndarray, ver: np.ndarray) -> dict[str, pa.Array]:
        """Contract columns of the given customer versions."""
        return materialize(self.rand, self.cal, self.pools, idx, ver)


def _phones(rand: Rand, idx: np.ndarray) -> pa.Array:
    """US phone numbers in the many formats a CRM collects (not a defect)."""
    area = fmt.integers(rand.integers("cust.ph_area", idx, 201, 990))
    exch = fmt.integers(rand.integers("cust.ph_exch", idx, 200, 1000))
    line = pc.utf8_lpad(fmt.integers(rand.integers("cust.ph_line", idx, 0, 10000)), 4, "0")
    j = pc.binary_join_element_wise
    variants = [
        j("(", area, ") ", exch, "-", line, ""),
        j(area, exch, line, "-"),
        j(area, exch, line, "."),
        j("+1 ", area, " ", exch, " ", line, ""),
        j(area, exch, line, ""),
        j("1-", area, "-", exch, "-", line, ""),
    ]
    which = pa.array(rand.integers("cust.ph_fmt", idx, 0, _PHONE_FORMATS).astype(np.int8))
    phones = pc.choose(which, *variants)
    return fmt.nullify(phones, rand.uniform("cust.ph_null", idx) < 0.08)


def materialize(
    rand: Rand, cal: Calendar, pools: Pools, idx: np.ndarray, ver: np.ndarray
) -> dict[str, pa.Array]:
    n = len(idx)
    reg_day = cal.customer_day(idx)
    updated = version_times(rand, cal, idx)[np.arange(n), ver]

    fi = pa.array(rand.integers("cust.first", idx, 0, len(pools.first_names)))
    li = pa.array(rand.integers("cust.last", idx, 0, len(pools.last_names)))
    sep = pc.take(pa.array([".", "_", ""]), pa.array(rand.choice("cust.em_sep", idx, [5, 2, 3])))
    num = fmt.integers(rand.integers("cust.em_num", idx, 1, 1000))
    num = pc.if_else(pa.array(rand.uniform("cust.em_hasnum", idx) < 0.6), num, "")
    dom = pc.take(
        pools.email_domains, pa.array(rand.choice("cust.em_dom", idx, [40, 15, 12, 8, 10, 3, 2, 3]))
    )
    email = pc.binary_join_element_wise(
        pools.first_local.take(fi), sep, pools.last_local.take(li), num, "@", dom, ""
    )

    loc = rand.integers("cust.loc", idx, 0, len(pools.cities))
    street = rand.integers("cust.street", idx, 0, len(pools.streets))
    house = rand.integers("cust.house", idx, 1, 9999)
    seg = base_segment(rand, idx)
    status = np.zeros(n, dtype=np.int64)
    for k in range(1, CHANGE_SLOTS + 1):
        at = ver >= k
        kind = rand.choice("cust.change", idx * 8 + k, CHANGE_KIND_SHARE)
        move = at & (kind == MOVE)
        loc = np.where(move, rand.integers("cust.loc", idx * 8 + k, 0, len(pools.cities)), loc)
        street = np.where(
            move, rand.integers("cust.street", idx * 8 + k, 0, len(pools.streets)), street
        )
        house = np.where(move, rand.integers("cust.house", idx * 8 + k, 1, 9999), house)
        up = rand.uniform("cust.seg_up", idx * 8 + k) < 0.7
        step = np.where((up & (seg < 3)) | (seg == 0), 1, -1)
        seg = np.where(at & (kind == SEGMENT), seg + step, seg)
        status = np.where(at & (kind == STATUS), 1 - status, status)

    apt = rand.uniform("cust.apt", idx * 8 + ver) < 0.15
    apt_txt = pc.if_else(
        pa.array(apt),
        pc.binary_join_element_wise(
            " Apt ", fmt.integers(rand.integers("cust.apt_no", idx * 8 + ver, 1, 400)), ""
        ),
        "",
    )
    address = pc.binary_join_element_wise(
        fmt.integers(house), " ", pools.streets.take(pa.array(street)), apt_txt, ""
    )
    age_days = rand.integers("cust.age", idx, 18 * 365, 80 * 365)
    gender = pc.take(
        pa.array(["F", "M", None]), pa.array(rand.choice("cust.gender", idx, [0.49, 0.48, 0.03]))
    )
    loc_a = pa.array(loc)
    return {
        "customer_id": customer_ids(idx),
        "first_name": pools.first_names.take(fi),
        "last_name": pools.last_names.take(li),
        "email": email,
        "phone": _phones(rand, idx),
        "date_of_birth": fmt.dates(reg_day - age_days),
        "gender": gender,
        "address": address,
        "city": pools.cities.take(loc_a),
        "state": pools.city_states.take(loc_a),
        "postal_code": pools.city_zips.take(loc_a),
        "country": fmt.constant("US", n),
        "registration_date": fmt.dates(reg_day),
        "customer_segment": pc.take(pa.array(SEGMENTS), pa.array(seg)),
        "account_status": pc.take(pa.array(STATUSES), pa.array(status)),
        "updated_at": fmt.timestamps(updated),
    }
