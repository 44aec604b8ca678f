"""Products (catalog): categories with their price bands and margins, launches,
price changes and discontinuations.

The catalog is small (500 products at scale 1), so all versions of all
products are computed at once; orders look up the price in effect when they
were placed.
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

#: category -> (subcategories, retail price band in cents, gross margin band, share)
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[float, float], float]] = {
    "Electronics": (
        ("Headphones", "Speaker", "Charger", "Smartwatch", "Keyboard", 'Laptop Sleeve 15"'),
        (1999, 89999),
        (0.12, 0.30),
        0.18,
    ),
    "Home & Kitchen": (
        ("Blender", "Cookware Set", "Coffee Maker", "Knife Set", "Lamp"),
        (999, 29999),
        (0.30, 0.50),
        0.20,
    ),
    "Clothing": (
        ("T-Shirt", "Jeans", "Jacket", "Sneakers", "Hoodie"),
        (999, 19999),
        (0.45, 0.65),
        0.22,
    ),
    "Beauty": (
        ("Shampoo", "Moisturizer", "Perfume", "Lipstick", "Serum"),
        (499, 12999),
        (0.50, 0.70),
        0.12,
    ),
    "Sports & Outdoors": (
        ("Yoga Mat", "Tent", "Water Bottle", "Dumbbells", "Backpack"),
        (799, 39999),
        (0.30, 0.50),
        0.12,
    ),
    "Toys & Games": (
        ("Board Game", "Puzzle", "Action Figure", "Building Set"),
        (599, 14999),
        (0.35, 0.55),
        0.08,
    ),
    "Books": (
        ("Novel", "Cookbook", "Biography", "Children's Book"),
        (499, 4999),
        (0.20, 0.40),
        0.08,
    ),
}
CATEGORY_NAMES = tuple(CATEGORIES)
ADJECTIVES = (
    "Classic",
    "Pro",
    "Ultra",
    "Eco",
    "Premium",
    "Essential",
    "Smart",
    "Compact",
    "Deluxe",
    "Sport",
    "Everyday",
    "Signature",
)
PRODUCTS_PER_SCALE = 500
MIN_PRODUCTS = 20
PRICE_SLOTS = 6
PRICE_GAP_DAYS = 200.0
DISCONTINUE_SHARE = 0.08
#: Popularity falls off with the product index (Zipf-like exponent).
POPULARITY_EXPONENT = 0.9


def product_count(scale: float) -> int:
    return max(MIN_PRODUCTS, round(PRODUCTS_PER_SCALE * scale))


def product_ids(idx: np.ndarray) -> pa.Array:
    return fmt.ids("PRD-", np.asarray(idx) + 1, 5)


def _to_99(cents: np.ndarray) -> np.ndarray:
    """Round a price to the usual x.99 ending."""
    return np.maximum(99, (cents // 100) * 100 + 99).astype(np.int64)


@dataclass(frozen=True)
class Catalog:
    """All products and all their versions (slot 0 = launch)."""

    n: int
    category: np.ndarray
    subcategory: np.ndarray  # index into the category's subcategories
    brand: np.ndarray
    adjective: np.ndarray
    cost: np.ndarray  # unit cost in cents (fixed)
    times: np.ndarray  # (n, 1 + PRICE_SLOTS) epoch seconds; -1 = no such version
    price: np.ndarray  # (n, 1 + PRICE_SLOTS) retail price in cents
    active: np.ndarray  # (n, 1 + PRICE_SLOTS) product_status == Active
    launch: np.ndarray  # epoch seconds
    discontinued_at: np.ndarray  # epoch seconds, or a far-future sentinel
    popularity: np.ndarray  # cumulative sampling weights over products

    def price_at(self, pid: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """Retail price (cents) of each product at each time."""
        t = self.times[pid]
        k = ((t >= 0) & (t <= ts[:, None])).sum(axis=1) - 1
        return self.price[pid, np.maximum(k, 0)]

    def sellable(self, pid: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Launched before ``day`` and not discontinued by its end."""
        return (self.launch[pid] < day * DAY) & (self.discontinued_at[pid] > (day + 1) * DAY)


def build_catalog(rand: Rand, cal: Calendar, pools: Pools, scale: float) -> Catalog:
    n = product_count(scale)
    idx = np.arange(n)
    shares = np.array([c[3] for c in CATEGORIES.values()])
    category = rand.choice("prod.cat", idx, shares)
    sub = np.zeros(n, dtype=np.int64)
    price0 = np.zeros(n, dtype=np.int64)
    margin = np.zeros(n)
    for c, (subs, (lo, hi), (mlo, mhi), _) in enumerate(CATEGORIES.values()):
        m = category == c
        sub[m] = rand.integers("prod.sub", idx[m], 0, len(subs))
        u = rand.uniform("prod.price", idx[m])
        price0[m] = _to_99(np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo))).astype(np.int64))
        margin[m] = mlo + rand.uniform("prod.margin", idx[m]) * (mhi - mlo)
    cost = np.rint(price0 * (1 - margin)).astype(np.int64)

    early = (rand.uniform("prod.early", idx) < 0.85) | (idx == 0)
    hs = cal.history_start * DAY
    span = (cal.history_end - cal.history_start + 365) * DAY
    launch = np.where(
        early,
        hs - 86_400 - (rand.uniform("prod.launch", idx) * 700 * DAY),
        hs + rand.uniform("prod.launch", idx) * span,
    ).astype(np.int64)

    slots = 1 + PRICE_SLOTS
    times = np.full((n, slots), -1, dtype=np.int64)
    price = np.zeros((n, slots), dtype=np.int64)
    active = np.ones((n, slots), dtype=bool)
    times[:, 0], price[:, 0] = launch, price0
    discontinued_at = np.full(n, np.iinfo(np.int64).max // 2, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    t = launch.copy()
    for k in range(1, slots):
        key = idx * 8 + k
        t = t + 3600 + rand.exponential("prod.gap", key, PRICE_GAP_DAYS * DAY).astype(np.int64)
        stop = alive & (rand.uniform("prod.disc", key) < DISCONTINUE_SHARE) & (idx != 0)
        factor = 0.85 + 0.35 * rand.uniform("prod.change", key)
        times[alive, k] = t[alive]
        price[:, k] = np.where(
            stop, price[:, k - 1], _to_99((price[:, k - 1] * factor).astype(np.int64))
        )
        active[:, k] = ~stop
        discontinued_at = np.where(stop, t, discontinued_at)
        alive = alive & ~stop

    weights = 1.0 / (idx + 1.0) ** POPULARITY_EXPONENT
    return Catalog(
        n=n,
        category=category,
        subcategory=sub,
        brand=rand.integers("prod.brand", idx, 0, min(80, len(pools.companies))),
        adjective=rand.integers("prod.adj", idx, 0, len(ADJECTIVES)),
        cost=cost,
        times=times,
        price=price,
        active=active,
        launch=launch,
        discontinued_at=discontinued_at,
        popularity=np.cumsum(weights) / weights.sum(),
    )


def versions_in_batch(
    catalog: Catalog, cal: Calendar, batch_day: int
) -> tuple[np.ndarray, np.ndarray]:
    """(product index, version) pairs sent in ``batch_day``, in send order."""
    emit = np.where(catalog.times >= 0, cal.batch_day(catalog.times // DAY), -1)
    rows, ver = np.nonzero(emit == batch_day)
    if batch_day != cal.history_end:
        order = np.lexsort((rows, catalog.times[rows, ver]))
        rows, ver = rows[order], ver[order]
    return rows, ver


def materialize(
    catalog: Catalog, pools: Pools, pid: np.ndarray, ver: np.ndarray
) -> dict[str, pa.Array]:
    subs = [s for c in CATEGORIES.values() for s in c[0]]
    offsets = np.cumsum([0] + [len(c[0]) for c in CATEGORIES.values()])
    sub_name = pa.array(subs).take(
        pa.array(offsets[catalog.category[pid]] + catalog.subcategory[pid])
    )
    brand = pools.companies.take(pa.array(catalog.brand[pid]))
    name = pc.binary_join_element_wise(
        brand, pa.array(ADJECTIVES).take(pa.array(catalog.adjective[pid])), sub_name, " "
    )
    return {
        "product_id": product_ids(pid),
        "product_name": name,
        "category": pa.array(CATEGORY_NAMES).take(pa.array(catalog.category[pid])),
        "subcategory": sub_name,
        "brand": brand,
        "unit_cost": fmt.money(catalog.cost[pid]),
        "retail_price": fmt.money(catalog.price[pid, ver]),
        "product_status": pc.if_else(pa.array(catalog.active[pid, ver]), "Active", "Discontinued"),
        "updated_at": fmt.timestamps(catalog.times[pid, ver]),
    }
