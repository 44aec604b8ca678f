"""How the data-quality report writes values: numbers with thousands
separators, shares as percentages, durations and timestamps for people,
NULL as an en dash. The report template's filters."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

DASH = "\u2013"
#: Longest min/max value shown in a profile before it is cut.
CLIP = 40

STATUS_CLASS: dict[str, str] = {
    "pass": "pass",
    "success": "pass",
    "warn": "warn",
    "running": "warn",
    "skipped": "muted",
    "fail": "fail",
    "error": "fail",
    "failed": "fail",
    "abandoned": "fail",
}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def format_number(value: Any, digits: int = 2) -> str:
    """Thousands separators; a float with ``digits`` decimals unless whole."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.{digits}f}"
    return str(value)


def format_percent(value: Any) -> str:
    """A share (0..1) as a percentage with one decimal."""
    if value is None:
        return DASH
    if not is_number(value) or not math.isfinite(value):
        return str(value)
    return f"{value * 100:,.1f}%"


def format_metric(value: Any, metric: Any) -> str:
    """An anomaly metric's value: rates as percentages, the rest as numbers."""
    if str(metric).endswith("_rate"):
        return format_percent(value)
    large = is_number(value) and abs(value) >= 100
    return format_number(value, digits=0 if large else 2)


def format_duration(seconds: Any) -> str:
    if seconds is None:
        return DASH
    if not is_number(seconds) or not math.isfinite(seconds):
        return str(seconds)
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def format_timestamp(value: Any) -> str:
    """An ISO timestamp to the second, UTC spelled out; other text unchanged."""
    if value is None:
        return DASH
    moment = parse_time(value)
    if moment is None:
        return str(value)
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    return f"{text} UTC" if not offset else f"{text} {moment.strftime('%z')}"


def short_time(value: Any) -> str:
    moment = parse_time(value)
    return moment.strftime("%m-%d %H:%M") if moment else str(value or DASH)


def format_cell(value: Any) -> str:
    """A sample row's value as it was: nested values as JSON, NULL as a dash."""
    if value is None:
        return DASH
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def clip(value: Any, limit: int = CLIP) -> str:
    text = format_cell(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def status_class(status: Any) -> str:
    return STATUS_CLASS.get(str(status), "muted")
