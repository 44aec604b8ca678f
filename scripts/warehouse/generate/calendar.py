"""Time: day numbering, seasonality, and the daily volumes of orders and sign-ups.

Days are integers counted from 1970-01-01 ("epoch days"); timestamps are int64
seconds since 1970-01-01 00:00:00 (UTC, written without an offset). Daily counts
are computed once for a fixed horizon that does not depend on ``--days``, so an
order's global index (and with it its id) never changes when days are appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .config import MAX_DAYS, GeneratorConfig
from .rand import Rand

DAY = 86_400
_EPOCH = date(1970, 1, 1)

#: Base volumes over the history at scale 1 (see docs/generator.md).
ORDERS_PER_HISTORY = 200_000
CUSTOMERS_PER_HISTORY = 50_000
#: Customers registered before the order history starts (the CRM is older).
CUSTOMER_LEAD_DAYS = 365
#: Yearly growth of order and sign-up volumes.
YEARLY_GROWTH = 1.3
#: Relative order volume by weekday, Monday first: weekends are quieter.
WEEKDAY_FACTOR = np.array([1.08, 1.04, 1.02, 1.0, 0.96, 0.78, 0.82])


def epoch_day(d: date) -> int:
    return (d - _EPOCH).days


def to_date(day: int) -> date:
    return date.fromordinal(_EPOCH.toordinal() + int(day))


def _thanksgiving(year: int) -> int:
    """Epoch day of the fourth Thursday of November."""
    first = date(year, 11, 1)
    offset = (3 - first.weekday()) % 7
    return epoch_day(first) + offset + 21


def holiday_factor(days: np.ndarray) -> np.ndarray:
    """Multipliers for retail peaks and dips (Black Friday, Cyber Monday,
    December run-up, Christmas, New Year, a mid-July summer sale, Valentine's)."""
    dt = days.astype("datetime64[D]")
    years = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dom = (dt - dt.astype("datetime64[M]")).astype(np.int64) + 1
    f = np.ones(len(days))
    f[(months == 12) & (dom <= 22)] *= 1.35
    f[(months == 12) & (dom == 24)] *= 0.8
    f[(months == 12) & (dom == 25)] *= 0.45
    f[(months == 12) & (dom == 26)] *= 1.4
    f[(months == 1) & (dom == 1)] *= 0.6
    f[(months == 2) & (dom >= 7) & (dom <= 13)] *= 1.15
    f[(months == 7) & ((dom == 11) | (dom == 12))] *= 1.8
    for year in np.unique(years):
        tg = _thanksgiving(int(year))
        f[days == tg] *= 0.7
        f[days == tg + 1] *= 3.0  # Black Friday
        f[(days >= tg + 2) & (days <= tg + 3)] *= 1.5
        f[days == tg + 4] *= 2.5  # Cyber Monday
    return f


def season_factor(days: np.ndarray) -> np.ndarray:
    """Yearly swell (peak in late autumn, trough in late winter) times weekday."""
    doy = days.astype("datetime64[D]") - days.astype("datetime64[D]").astype("datetime64[Y]")
    doy = doy.astype(np.int64)
    yearly = 1 + 0.15 * np.cos(2 * np.pi * (doy - 330) / 365.25)
    weekday = WEEKDAY_FACTOR[(days + 3) % 7]  # 1970-01-01 was a Thursday
    return yearly * weekday


def _counts(rand: Rand, stream: str, days: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson-like counts (normal approximation) that are a function of the day."""
    z = rand.normal(stream, days)
    return np.maximum(0, np.rint(lam + np.sqrt(lam) * z)).astype(np.int64)


@dataclass(frozen=True)
class Calendar:
    """Day numbering and cumulative volumes for one configuration."""

    history_start: int  # epoch day of the first day of order history
    history_end: int  # epoch day of the initial batch (last history day)
    customer_start: int  # epoch day of the first customer registration
    order_cum: np.ndarray  # order_cum[k] = orders placed before history_start + k
    customer_cum: np.ndarray  # customer_cum[k] = customers registered before customer_start+k

    @classmethod
    def build(cls, config: GeneratorConfig) -> Calendar:
        rand = Rand(config.seed)
        hs, he = epoch_day(config.history_start), epoch_day(config.history_end)
        cs = hs - CUSTOMER_LEAD_DAYS
        last = he + MAX_DAYS + 1
        growth = np.log(YEARLY_GROWTH) / 365.25

        odays = np.arange(hs, last + 1)
        oshape = np.exp(growth * (odays - he)) * season_factor(odays) * holiday_factor(odays)
        hist = odays <= he
        olam = oshape * (ORDERS_PER_HISTORY * config.scale / oshape[hist].sum())
        ocounts = _counts(rand, "orders.count", odays, olam)

        cdays = np.arange(cs, last + 1)
        cshape = np.exp(growth * (cdays - he)) * np.sqrt(season_factor(cdays))
        chist = cdays <= he
        clam = cshape * (CUSTOMERS_PER_HISTORY * config.scale / cshape[chist].sum())
        ccounts = _counts(rand, "customers.count", cdays, clam)

        return cls(
            history_start=hs,
            history_end=he,
            customer_start=cs,
            order_cum=np.concatenate([[0], np.cumsum(ocounts)]),
            customer_cum=np.concatenate([[0], np.cumsum(ccounts)]),
        )

    # orders -----------------------------------------------------------------
    def orders_before(self, day: int) -> int:
        """Global index of the first order placed on ``day`` (= orders before it)."""
        return int(self.order_cum[max(0, day - self.history_start)])

    def order_day(self, idx: np.ndarray) -> np.ndarray:
        return self.history_start + np.searchsorted(self.order_cum, idx, side="right") - 1

    # customers --------------------------------------------------------------
    def customers_before(self, day: np.ndarray | int) -> np.ndarray:
        k = np.clip(np.asarray(day) - self.customer_start, 0, len(self.customer_cum) - 1)
        return self.customer_cum[k]

    def customer_day(self, idx: np.ndarray) -> np.ndarray:
        return self.customer_start + np.searchsorted(self.customer_cum, idx, side="right") - 1

    # batches ----------------------------------------------------------------
    def batch_day(self, day: np.ndarray) -> np.ndarray:
        """The batch a change made on ``day`` is sent in: the initial batch for
        anything up to the end of history, else the batch of that day."""
        return np.maximum(day, self.history_end)
