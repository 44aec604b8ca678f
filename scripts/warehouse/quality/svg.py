"""Inline SVG charts for the data-quality report.

Pure functions from numbers to markup strings. The charts carry no script, no
external reference and no xmlns (SVG inlined in HTML5 needs none, and its
namespace URL is one more thing that looks like a link); a viewBox lets each
chart shrink with the page. Every text goes through ``escape``.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

TEXT = "#2d3748"
MUTED = "#718096"
GRID = "#e2e8f0"
TRACK = "#edf2f7"
FAILED_OUTLINE = 'stroke="#c53030" stroke-width="2"'
UNFINISHED_OUTLINE = 'stroke="#b7791f" stroke-width="1.5" stroke-dasharray="3 2"'
LEGEND_ITEM = 130  # width of one legend entry
LEGEND_ROW = 18
FONT = 'font-family="system-ui, sans-serif" font-size="12"'

# C0/C1 control characters (bar tab, newline, carriage return) and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _spelled(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str) -> str:
    """``text`` with what an HTML page cannot carry (control characters, lone
    surrogates) spelled out as backslash escapes: dirty source rows stay
    readable and the page still encodes as UTF-8."""
    return _UNSAFE.sub(_spelled, text)


def escape(value: object) -> str:
    """Text for HTML or SVG content and attributes: cleaned, then escaped
    (quotes included). '/' is escaped too, so no text from the data, such as a
    connection URL, puts a literal ``//`` in the file for a scan for external
    references to trip on; the page shows it unchanged."""
    return html.escape(clean(str(value)), quote=True).replace("/", "&#47;")


def _n(x: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def _clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return min(max(x, low), high)


def _open(chart_id: str, title: str, width: float, height: float, css_class: str = "chart") -> str:
    return (
        f'<svg id="{escape(chart_id)}" class="{css_class}" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' width="{_n(width)}" height="{_n(height)}" role="img" aria-label="{escape(title)}"'
        f" {FONT}><title>{escape(title)}</title>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = TEXT) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def _legend(
    items: Sequence[tuple[str, str]],
    left: float,
    top: float,
    width: float,
    outlines: Sequence[tuple[str, str]] = (),
) -> str:
    """Colour swatches with their names, wrapped into rows; ``outlines`` (name,
    stroke attributes) come last, as empty squares drawn with that stroke."""
    per_row = max(1, int(width // LEGEND_ITEM))
    swatches = [(name, f'fill="{escape(colour)}"') for name, colour in items]
    swatches += [(name, f'fill="none" {stroke}') for name, stroke in outlines]
    parts = []
    for i, (name, paint) in enumerate(swatches):
        x = left + (i % per_row) * LEGEND_ITEM
        y = top + (i // per_row) * LEGEND_ROW
        parts.append(
            f'<rect class="swatch" x="{_n(x)}" y="{_n(y)}" width="10" height="10" {paint}/>'
            + _text(x + 14, y + 9, name)
        )
    return "".join(parts)


def _legend_height(count: int, width: float) -> float:
    per_row = max(1, int(width // LEGEND_ITEM))
    return math.ceil(count / per_row) * LEGEND_ROW


@dataclass(frozen=True)
class Bar:
    """One horizontal bar. ``value`` and ``marker`` (a tick across the bar, such
    as a threshold) are on the chart's scale; a None value draws an empty bar."""

    label: str
    value: float | None
    fill: str
    note: str = ""
    marker: float | None = None
    tooltip: str = ""


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    scale_max: float | None = None,
    width: int = 640,
    label_width: int = 120,
    note_width: int = 170,
    bar_height: int = 18,
    gap: int = 10,
) -> str:
    """Horizontal bars, one per row, whose lengths are proportional to their
    values: the full plot width is ``scale_max`` (default: the largest value)."""
    top = 6
    plot = width - label_width - note_width
    largest = max((b.value or 0.0 for b in bars), default=0.0)
    peak = scale_max if scale_max is not None and scale_max > 0 else largest or 1.0
    height = 2 * top + max(len(bars) * (bar_height + gap) - gap, 0)
    parts = [_open(chart_id, title, width, height)]
    for i, bar in enumerate(bars):
        y = top + i * (bar_height + gap)
        middle = y + bar_height / 2 + 4
        length = plot * _clamp((bar.value or 0.0) / peak)
        parts.append(_text(label_width - 8, middle, bar.label, anchor="end"))
        parts.append(
            f'<rect class="track" x="{label_width}" y="{y}" width="{plot}"'
            f' height="{bar_height}" fill="{TRACK}"/>'
        )
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y}" width="{_n(length)}"'
            f' height="{bar_height}" fill="{escape(bar.fill)}">'
            f"<title>{escape(bar.tooltip or bar.label)}</title></rect>"
        )
        if bar.marker is not None:
            x = label_width + plot * _clamp(bar.marker / peak)
            parts.append(
                f'<line class="marker" x1="{_n(x)}" x2="{_n(x)}" y1="{y - 3}"'
                f' y2="{y + bar_height + 3}" stroke="{TEXT}" stroke-width="2"/>'
            )
        parts.append(_text(label_width + plot + 8, middle, bar.note, fill=MUTED))
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value (or None, a gap) per x label."""

    name: str
    values: Sequence[float | None]
    colour: str
    stroke_width: float = 1.5


def line_chart(
    series: Sequence[Series],
    x_labels: Sequence[str],
    *,
    chart_id: str,
    title: str,
    y_range: tuple[float, float] = (0.0, 1.0),
    y_format: Callable[[float], str] = lambda v: f"{v:g}",
    width: int = 640,
    height: int = 220,
    max_x_labels: int = 8,
) -> str:
    """Lines over the x labels with a dot per point (a hover title gives its
    value), grid lines and a legend; the first series is drawn on top. One x
    label: the points alone, centred."""
    left, right, top, bottom = 56, 40, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = y_range
    if high <= low:
        high = low + 1.0
    count = len(x_labels)
    legend_h = _legend_height(len(series), plot_w)
    parts = [_open(chart_id, title, width, height + legend_h + 6)]

    def x_at(i: int) -> float:
        return left + plot_w / 2 if count <= 1 else left + plot_w * i / (count - 1)

    def y_at(v: float) -> float:
        return top + plot_h * (1 - _clamp((v - low) / (high - low)))

    for k in range(5):
        value = low + (high - low) * k / 4
        y = y_at(value)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_n(y)}" y2="{_n(y)}"'
            f' stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, y_format(value), anchor="end", fill=MUTED))
    stride = max(1, math.ceil(count / max_x_labels))
    for i, label in enumerate(x_labels):
        if i % stride == 0:
            parts.append(_text(x_at(i), top + plot_h + 18, label, anchor="middle", fill=MUTED))
    for line in reversed(series):  # the first series is drawn last, on top
        points = list(enumerate(line.values[:count]))
        path, pen_down = [], False
        for i, v in points:
            if v is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{_n(x_at(i))} {_n(y_at(v))}")
            pen_down = True
        if len(path) > 1:
            parts.append(
                f'<path class="series" d="{" ".join(path)}" fill="none"'
                f' stroke="{escape(line.colour)}" stroke-width="{_n(line.stroke_width)}"/>'
            )
        for i, v in points:
            if v is None:
                continue
            tip = f"{line.name}, {x_labels[i]}: {y_format(v)}"
            parts.append(
                f'<circle class="point" cx="{_n(x_at(i))}" cy="{_n(y_at(v))}"'
                f' r="{_n(line.stroke_width + 1.5)}" fill="{escape(line.colour)}">'
                f"<title>{escape(tip)}</title></circle>"
            )
    parts.append(_legend([(s.name, s.colour) for s in series], left, height + 2, plot_w))
    parts.append("</svg>")
    return "".join(parts)


def sparkline(
    values: Sequence[float | None],
    *,
    min_scale: float = 0.0,
    width: int = 80,
    height: int = 18,
    colour: str = "#2b6cb0",
    label: str = "",
) -> str:
    """A small line from zero to the largest value (at least ``min_scale``, so a
    change of a thousandth does not fill the height), the last point dotted.
    No values: an empty string."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        return ""
    pad = 2.0
    peak = max(max(v for _, v in points), min_scale) or 1.0
    count = len(values)

    def x_at(i: int) -> float:
        return width / 2 if count <= 1 else pad + (width - 2 * pad) * i / (count - 1)

    def y_at(v: float) -> float:
        return height - pad - (height - 2 * pad) * _clamp(v / peak)

    parts = [
        f'<svg class="sparkline" viewBox="0 0 {width} {height}" width="{width}"'
        f' height="{height}" role="img"><title>{escape(label)}</title>',
        f'<line x1="0" x2="{width}" y1="{_n(height - pad)}" y2="{_n(height - pad)}"'
        f' stroke="{GRID}"/>',
    ]
    if len(points) > 1:
        coords = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in points)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{escape(colour)}"'
            f' stroke-width="1.5"/>'
        )
    last_i, last_v = points[-1]
    parts.append(
        f'<circle cx="{_n(x_at(last_i))}" cy="{_n(y_at(last_v))}" r="2" fill="{escape(colour)}"/>'
    )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Segment:
    """A step of a timeline row: it starts ``offset`` seconds after the row and
    lasts ``seconds`` (None: it never finished)."""

    label: str
    offset: float
    seconds: float | None
    colour: str
    status: str = "success"
    tooltip: str = ""


@dataclass(frozen=True)
class TimelineRow:
    label: str
    segments: Sequence[Segment]
    tooltip: str = ""


_TIME_UNITS = ((3600.0, "h"), (60.0, "min"), (1.0, "s"))


def _nice_step(span: float, ticks: int = 6) -> float:
    """1, 2 or 5 times a power of ten, giving about ``ticks`` ticks over ``span``."""
    raw = span / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if raw <= m * magnitude)


def timeline(
    rows: Sequence[TimelineRow],
    *,
    chart_id: str,
    title: str,
    width: int = 720,
    label_width: int = 200,
    row_height: int = 18,
    gap: int = 8,
) -> str:
    """A Gantt chart: one row per ``TimelineRow``, its segments placed by their
    offsets on one time axis shared by every row (so rows compare as durations).
    A failed segment has a red outline, an unfinished one a dashed amber one."""
    top, right = 6, 16
    plot = width - label_width - right
    ends = [s.offset + (s.seconds or 0.0) for row in rows for s in row.segments]
    span = max([e for e in ends if e > 0], default=1.0)
    unit, unit_name = next(((u, n) for u, n in _TIME_UNITS if span >= 3 * u), (1.0, "s"))
    step = _nice_step(span / unit) * unit
    axis_y = top + max(len(rows) * (row_height + gap) - gap, 0) + 4
    legend = list(dict.fromkeys((s.label, s.colour) for row in rows for s in row.segments))
    every = [s for row in rows for s in row.segments]
    outlines = [("failed", FAILED_OUTLINE)] if any(s.status == "failed" for s in every) else []
    if any(s.seconds is None for s in every):
        outlines.append(("unfinished", UNFINISHED_OUTLINE))
    legend_h = _legend_height(len(legend) + len(outlines), plot)
    height = axis_y + 20 + legend_h + 4
    parts = [_open(chart_id, title, width, height)]

    def x_at(seconds: float) -> float:
        return label_width + plot * _clamp(seconds / span)

    tick = 0.0
    while tick <= span * 1.0001:
        x = x_at(tick)
        parts.append(
            f'<line class="grid" x1="{_n(x)}" x2="{_n(x)}" y1="{top}" y2="{_n(axis_y)}"'
            f' stroke="{GRID}"/>'
        )
        parts.append(_text(x, axis_y + 14, f"{tick / unit:g} {unit_name}", "middle", MUTED))
        tick += step
    for r, row in enumerate(rows):
        y = top + r * (row_height + gap)
        parts.append(
            f'<g class="run"><title>{escape(row.tooltip or row.label)}</title>'
            + _text(label_width - 8, y + row_height / 2 + 4, row.label, anchor="end")
            + "</g>"
        )
        for s in row.segments:
            x = x_at(s.offset)
            length = max(x_at(s.offset + (s.seconds or 0.0)) - x, 1.5)
            if s.seconds is None:
                length = max(length, 4.0)
                outline = " " + UNFINISHED_OUTLINE
            elif s.status == "failed":
                outline = " " + FAILED_OUTLINE
            else:
                outline = ""
            parts.append(
                f'<rect class="segment" data-status="{escape(s.status)}" x="{_n(x)}" y="{y}"'
                f' width="{_n(length)}" height="{row_height}" fill="{escape(s.colour)}"{outline}>'
                f"<title>{escape(s.tooltip or s.label)}</title></rect>"
            )
    parts.append(_legend(legend, label_width, axis_y + 24, plot, outlines))
    parts.append("</svg>")
    return "".join(parts)
