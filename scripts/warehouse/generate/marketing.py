"""Campaigns and campaign responses (marketing).

Campaigns start at a steady pace (25 over the history at scale 1), are created
one to three weeks before they start and sometimes get a budget top-up half-way
(a second version). Each campaign reaches customers who signed up before it,
and responses follow a funnel: every response starts as ``opened``; a share,
set by the channel, goes on to ``clicked`` and a share of those to
``converted`` (with a conversion value), each later than the step before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import fmt
from .calendar import DAY, Calendar, to_date
from .customers import customer_ids
from .rand import Rand

CHANNELS = ("email", "social", "display", "search")
CHANNEL_SHARE = np.array([0.4, 0.25, 0.2, 0.15])
#: Channel -> (click rate of openers, conversion rate of clickers).
FUNNEL_RATES = np.array([[0.22, 0.08], [0.10, 0.05], [0.04, 0.04], [0.30, 0.10]])
THEMES = (
    "Spring Sale",
    "Summer Sale",
    "Back to School",
    "Holiday Gifts",
    "New Arrivals",
    "Loyalty Rewards",
    "Flash Sale",
    "Clearance",
    "Win-Back",
    "Black Friday Deals",
)
AUDIENCES = (
    "All customers",
    "New customers",
    "VIP",
    "Premium & VIP",
    "Lapsed buyers",
    "Newsletter subscribers",
)
CAMPAIGNS_PER_SCALE = 25
MIN_CAMPAIGNS = 6
RESPONSES_PER_SCALE = 14_000
RESPONSE_ID_STRIDE = 300_000
OPENED, CLICKED, CONVERTED = range(3)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Campaigns:
    idx: np.ndarray
    channel: np.ndarray
    start: np.ndarray  # epoch day
    end: np.ndarray  # epoch day (inclusive)
    budget: np.ndarray  # (n, 2) cents per version
    times: np.ndarray  # (n, 2) epoch seconds: created, budget change (-1 = none)
    theme: np.ndarray
    audience: np.ndarray


def build_campaigns(rand: Rand, cal: Calendar, scale: float, last_day: int) -> Campaigns:
    """All campaigns that can have sent anything by ``last_day``."""
    n_hist = max(MIN_CAMPAIGNS, round(CAMPAIGNS_PER_SCALE * scale))
    interval = (cal.history_end - cal.history_start + 1) / n_hist
    count = int((last_day + 30 - cal.history_start) / interval) + 1
    idx = np.arange(count)
    start = (
        cal.history_start + np.floor((idx + 0.5 * rand.uniform("cmp.start", idx)) * interval)
    ).astype(np.int64)
    end = start + rand.integers("cmp.len", idx, 7, 46)
    created = (start - rand.integers("cmp.lead", idx, 7, 22)) * DAY + rand.integers(
        "cmp.sec", idx, 8 * 3600, 18 * 3600
    )
    topup = rand.uniform("cmp.topup", idx) < 0.4
    times = np.stack(
        [
            created,
            np.where(
                topup,
                (start + (end - start) // 2) * DAY
                + rand.integers("cmp.sec2", idx, 8 * 3600, 18 * 3600),
                -1,
            ),
        ],
        axis=1,
    )
    b0 = rand.integers("cmp.budget", idx, 50, 1000) * 10_000
    b1 = (b0 * (1.1 + 0.4 * rand.uniform("cmp.topup_f", idx)) // 100 * 100).astype(np.int64)
    keep = created // DAY <= last_day
    return Campaigns(
        idx=idx[keep],
        channel=rand.choice("cmp.channel", idx, CHANNEL_SHARE)[keep],
        start=start[keep],
        end=end[keep],
        budget=np.stack([b0, b1], axis=1)[keep],
        times=times[keep],
        theme=rand.integers("cmp.theme", idx, 0, len(THEMES))[keep],
        audience=rand.integers("cmp.aud", idx, 0, len(AUDIENCES))[keep],
    )


def campaign_ids(idx: np.ndarray) -> pa.Array:
    return fmt.ids("CMP-", np.asarray(idx) + 1, 4)


def campaign_rows(c: Campaigns, rows: np.ndarray, ver: np.ndarray) -> dict[str, pa.Array]:
    starts = [to_date(d) for d in c.start[rows]]
    period = pa.array([f"{_MONTHS[d.month - 1]} {d.year}" for d in starts], pa.string())
    name = pc.binary_join_element_wise(
        pa.array(THEMES).take(pa.array(c.theme[rows])),
        pa.array(CHANNELS).take(pa.array(c.channel[rows])),
        period,
        " - ",
    )
    return {
        "campaign_id": campaign_ids(c.idx[rows]),
        "campaign_name": name,
        "channel": pa.array(CHANNELS).take(pa.array(c.channel[rows])),
        "start_date": fmt.dates(c.start[rows]),
        "end_date": fmt.dates(c.end[rows]),
        "budget_amount": fmt.money(c.budget[rows, ver]),
        "target_audience": pa.array(AUDIENCES).take(pa.array(c.audience[rows])),
        "updated_at": fmt.timestamps(c.times[rows, ver]),
    }


@dataclass(frozen=True)
class Responses:
    response_no: np.ndarray  # global response number (id)
    campaign: np.ndarray  # campaign index
    customer: np.ndarray
    kind: np.ndarray  # OPENED, CLICKED, CONVERTED
    ts: np.ndarray
    value: np.ndarray  # conversion value in cents (0 unless converted)


def build_responses(rand: Rand, cal: Calendar, c: Campaigns, scale: float) -> Responses:
    n_hist = max(MIN_CAMPAIGNS, round(CAMPAIGNS_PER_SCALE * scale))
    per_campaign = RESPONSES_PER_SCALE * scale / n_hist
    parts: list[tuple[np.ndarray, ...]] = []
    for row, cid in enumerate(c.idx):
        ch = c.channel[row]
        ctr, cvr = FUNNEL_RATES[ch]
        mean_opens = per_campaign / (1 + ctr + ctr * cvr)
        opens = int(round(mean_opens * (0.6 + 0.8 * rand.uniform("rsp.size", cid)[()])))
        opens = min(opens, RESPONSE_ID_STRIDE // 3)
        j = cid * RESPONSE_ID_STRIDE + np.arange(opens) * 3
        start, length = c.start[row] * DAY, (c.end[row] - c.start[row] + 1) * DAY
        eligible = max(1, int(cal.customers_before(c.start[row] - 5)))
        cust = np.floor(rand.uniform("rsp.cust", j) * eligible).astype(np.int64)
        t_open = start + np.minimum(rand.exponential("rsp.open", j, length / 3), length - 1).astype(
            np.int64
        )
        click = rand.uniform("rsp.click", j) < ctr
        t_click = t_open + 60 + rand.exponential("rsp.click_t", j, 2 * 3600).astype(np.int64)
        conv = click & (rand.uniform("rsp.conv", j) < cvr)
        t_conv = t_click + 300 + rand.exponential("rsp.conv_t", j, DAY).astype(np.int64)
        value = np.rint(np.exp(np.log(4000) + 0.8 * rand.normal("rsp.value", j))).astype(np.int64)
        parts.append(
            (
                j,
                np.full(opens, cid),
                cust,
                np.full(opens, OPENED),
                t_open,
                np.zeros(opens, dtype=np.int64),
            )
        )
        parts.append(
            (
                j[click] + 1,
                np.full(click.sum(), cid),
                cust[click],
                np.full(click.sum(), CLICKED),
                t_click[click],
                np.zeros(click.sum(), dtype=np.int64),
            )
        )
        parts.append(
            (
                j[conv] + 2,
                np.full(conv.sum(), cid),
                cust[conv],
                np.full(conv.sum(), CONVERTED),
                t_conv[conv],
                value[conv],
            )
        )
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Responses(empty, empty, empty, empty, empty, empty)
    cols = [np.concatenate([p[k] for p in parts]).astype(np.int64) for k in range(6)]
    return Responses(*cols)


def response_rows(r: Responses, rows: np.ndarray) -> dict[str, pa.Array]:
    kind = r.kind[rows]
    value = fmt.nullify(fmt.money(r.value[rows]), kind != CONVERTED)
    return {
        "response_id": fmt.ids("RSP-", r.response_no[rows] + 1, 10),
        "campaign_id": campaign_ids(r.campaign[rows]),
        "customer_id": customer_ids(r.customer[rows]),
        "response_ts": fmt.timestamps(r.ts[rows]),
        "response_type": pa.array(("opened", "clicked", "converted")).take(pa.array(kind)),
        "conversion_value": value,
        "updated_at": fmt.timestamps(r.ts[rows]),
    }
