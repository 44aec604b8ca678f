"""The metrics watched for anomalies, one point per landing batch, and the
check of the batches a run brought against the batches before them.

- rows_received: data lines of each entity's file in the batch (load manifest);
- orders_received and net_revenue_received: orders first received in the
  batch, and their net amount (fct_orders: measured per arrival, so a day's
  value never changes later as late orders come in);
- null_rate of every source column of each raw table, per batch (profiles),
  for batches of at least MIN_ROWS_FOR_RATE rows (on fewer, one NULL is noise).

The first batch the warehouse received is left out of every series: it is
the initial load (the history), not a day. Verdicts come from
anomalies.judge; the warnings are grouped by entity and batch, one per pair.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import psycopg

from warehouse.quality import store
from warehouse.quality.anomalies import Method, Verdict, judge

MIN_ROWS_FOR_RATE = 100
METHODS: dict[str, Method] = {
    "rows_received": Method(floor=5.0, floor_fraction=0.05),
    "orders_received": Method(floor=5.0, floor_fraction=0.05),
    "net_revenue_received": Method(floor=100.0, floor_fraction=0.05),
    "null_rate": Method(floor=0.01, minimum=0.0),
}


@dataclass(frozen=True)
class Point:
    metric: str
    entity: str
    column: str | None
    batch_date: date
    value: float


@dataclass(frozen=True)
class Anomaly:
    metric: str
    entity: str
    column: str | None
    batch_date: date
    verdict: Verdict

    @property
    def subject(self) -> str:
        day = self.batch_date.isoformat()
        return f"{day} {self.column}" if self.column else day

    def describe(self) -> str:
        what = f"{self.metric} of {self.column}" if self.column else self.metric
        v = self.verdict
        return (
            f"{what} {_number(v.value)} (expected {_number(v.expected_low)} to "
            f"{_number(v.expected_high)}, median {_number(v.median)} over "
            f"{v.history_points} batches)"
        )


def _number(value: float) -> str:
    if abs(value) < 1 and value != 0:
        return f"{value:.2%}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def metric_points(conn: psycopg.Connection) -> list[Point]:
    """Every point of every watched metric, in batch order, the first batch left out."""
    first = conn.execute(
        "select min(batch_date) from audit.load_manifest where status = 'loaded'"
    ).fetchone()[0]
    if first is None:
        return []
    points = [
        Point("rows_received", entity, None, batch, float(lines))
        for entity, batch, lines in conn.execute(
            "select entity, batch_date, sum(data_lines) from audit.load_manifest"
            " where status = 'loaded' and batch_date > %s group by 1, 2 order by 2, 1",
            (first,),
        ).fetchall()
    ]
    if conn.execute("select to_regclass('marts.fct_orders') is not null").fetchone()[0]:
        for batch, orders, revenue in conn.execute(
            "select first_received_date, count(*), coalesce(sum(net_amount), 0)"
            " from marts.fct_orders where first_received_date > %s group by 1 order by 1",
            (first,),
        ).fetchall():
            points.append(Point("orders_received", "orders", None, batch, float(orders)))
            points.append(Point("net_revenue_received", "orders", None, batch, float(revenue)))
    for relation, column, batch, rate in conn.execute(
        "select p.relation, p.column_name, m.batch_date,"
        " sum(p.null_count)::numeric / nullif(sum(p.row_count), 0)"
        " from audit.dq_profiles p join audit.load_manifest m on m.load_id = p.load_id"
        " where p.relation like 'raw.%%' and m.batch_date > %s"
        " group by 1, 2, 3 having sum(p.row_count) >= %s order by 3, 1, 2",
        (first, MIN_ROWS_FOR_RATE),
    ).fetchall():
        if rate is not None:
            entity = relation.removeprefix("raw.")
            points.append(Point("null_rate", entity, column, batch, float(rate)))
    return points


def find_anomalies(points: Iterable[Point], batches: Iterable[date]) -> list[Anomaly]:
    """Judge the points of ``batches`` (those a run brought) against the points
    of earlier batches of the same series."""
    wanted = set(batches)
    series: dict[tuple[str, str, str | None], list[Point]] = defaultdict(list)
    for point in points:
        series[(point.metric, point.entity, point.column)].append(point)
    found = []
    for (metric, entity, column), ordered in sorted(series.items(), key=lambda i: str(i[0])):
        ordered.sort(key=lambda p: p.batch_date)
        for position, point in enumerate(ordered):
            if point.batch_date not in wanted:
                continue
            history = [p.value for p in ordered[:position]]
            verdict = judge(history, point.value, METHODS[metric])
            if verdict is not None and verdict.is_anomaly:
                found.append(Anomaly(metric, entity, column, point.batch_date, verdict))
    return found


def warnings(anomalies: Iterable[Anomaly]) -> list[str]:
    """One line per (entity, batch) with anomalies: what, and the expected range."""
    grouped: dict[tuple[str, date], list[Anomaly]] = defaultdict(list)
    for anomaly in anomalies:
        grouped[(anomaly.entity, anomaly.batch_date)].append(anomaly)
    return [
        f"{entity}, batch {batch}: " + "; ".join(a.describe() for a in found)
        for (entity, batch), found in sorted(grouped.items())
    ]


def record(conn: psycopg.Connection, run_id: str, anomalies: list[Anomaly]) -> None:
    with conn.transaction():
        store.insert_records(
            conn,
            "dq_anomalies",
            (
                {
                    "run_id": run_id,
                    "metric": a.metric,
                    "entity": a.entity,
                    "subject": a.subject,
                    "observed": a.verdict.value,
                    "median": a.verdict.median,
                    "mad": a.verdict.mad,
                    "robust_z": a.verdict.z,
                    "expected_low": a.verdict.expected_low,
                    "expected_high": a.verdict.expected_high,
                    "history_points": a.verdict.history_points,
                }
                for a in anomalies
            ),
        )
