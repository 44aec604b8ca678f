"""Anomalies: a value far from its recent history.

Method (Iglewicz and Hoaglin's modified z-score): over the last ``window``
points before the value, the median and the median absolute deviation (MAD);
z = 0.6745 * (value - median) / MAD, and the value is an anomaly when |z| is
above ``threshold`` (3.5). The expected range is the values whose |z| would
not be: median +- threshold * MAD / 0.6745. A MAD of zero (a flat history)
would make every change an anomaly, so MAD is at least ``floor`` and at least
``floor_fraction`` of the median (each metric says what a meaningful change is:
a few rows, 5 % of the usual count, one percentage point). The expected range
does not go below ``minimum`` (no count is negative). Fewer than
``min_history`` points: no verdict.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

#: 0.6745 is the 0.75 quantile of the standard normal: MAD / 0.6745 estimates sigma.
CONSISTENCY = 0.6745


@dataclass(frozen=True)
class Method:
    min_history: int = 7
    window: int = 28
    threshold: float = 3.5
    floor: float = 1.0  # the least MAD, in the metric's unit
    floor_fraction: float = 0.0  # the least MAD, as a share of the median
    minimum: float | None = 0.0  # the lowest value the metric can take


@dataclass(frozen=True)
class Verdict:
    value: float
    median: float
    mad: float
    z: float
    expected_low: float
    expected_high: float
    history_points: int

    @property
    def is_anomaly(self) -> bool:
        return not self.expected_low <= self.value <= self.expected_high


def judge(history: Sequence[float], value: float, method: Method = Method()) -> Verdict | None:
    """The verdict on ``value`` against the points before it (oldest first);
    None when the history is shorter than the method's minimum."""
    recent = list(history)[-method.window :]
    if len(recent) < method.min_history:
        return None
    median = statistics.median(recent)
    mad = max(
        statistics.median(abs(x - median) for x in recent),
        method.floor,
        method.floor_fraction * abs(median),
    )
    z = CONSISTENCY * (value - median) / mad
    half_width = method.threshold * mad / CONSISTENCY
    return Verdict(
        value=value,
        median=median,
        mad=mad,
        z=z,
        expected_low=(
            median - half_width
            if method.minimum is None
            else max(method.minimum, median - half_width)
        ),
        expected_high=median + half_width,
        history_points=len(recent),
    )
