"""The data-quality report as one self-contained HTML page, from the data
``report.report_data`` gathers: inline style, inline SVG charts, no script
and no external reference, so it opens offline.

The page is a Jinja2 template (templates/dq_report.html.j2); this module
shapes each section's data (every key the template reads is present, so a
partial or empty report never fails) and draws the charts with ``svg``.
Everything from the data is escaped: sample rows come from dirty files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from warehouse.quality import svg
from warehouse.quality.artifacts import DIMENSIONS
from warehouse.quality.formatting import (
    DASH,
    clip,
    format_cell,
    format_duration,
    format_metric,
    format_number,
    format_percent,
    format_timestamp,
    is_number,
    parse_time,
    short_time,
    status_class,
)

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE = "dq_report.html.j2"

PASSING_FILL = "#2b6cb0"
FAILING_FILL = "#c53030"
OVERALL_COLOUR = "#1a202c"
#: Categorical colours (steps, dimensions); no red or amber, which mean fail and warn here.
PALETTE = ("#3182ce", "#38a169", "#805ad5", "#319795", "#d53f8c", "#4a5568", "#0bc5ea", "#2c5282")
#: Null-rate sparklines span at least 0 to 5 %: smaller wobbles stay flat.
NULL_RATE_SCALE = 0.05

SCORE_KEYS = ("checks", "passed", "warned", "failed", "score", "threshold", "below_threshold")
TEST_KEYS = (
    "test_id", "test_name", "test_type", "model", "column_name", "dimension", "severity",
    "status", "rows_checked", "rows_failed", "failure_rate", "warn_if", "error_if", "message",
)  # fmt: skip
GROUND_TRUTH_COUNTS = ("injected", "detected", "missed", "false_positives")
PROFILE_KEYS = (
    "null_count", "null_rate", "distinct_count", "min_value", "max_value", "mean_value",
    "min_length", "max_length",
)  # fmt: skip
ANOMALY_KEYS = (
    "metric", "entity", "subject", "observed", "median", "mad", "robust_z", "expected_low",
    "expected_high", "history_points",
)  # fmt: skip
FRESHNESS_KEYS = (
    "source_name", "table_name", "status", "max_loaded_at", "age_seconds", "warn_after",
    "error_after",
)  # fmt: skip
RUN_KEYS = ("run_id", "started_at", "finished_at", "status", "seconds")
STEP_KEYS = ("step", "target", "status", "rows_affected", "error", "started_at", "seconds")
RECONCILIATION_COUNTS = (
    "data_lines",
    "raw_rows",
    "quarantined_lines",
    "staged_rows",
    "duplicate_rows",
    "rejected_rows",
)


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` of the template: None as a dash; plain text escaped here
    with ``svg.escape`` (stricter than autoescape: control characters spelled
    out, '/' escaped) and marked safe, so autoescape leaves it alone."""
    if value is None:
        return DASH
    if isinstance(value, Markup):
        return value
    return Markup(svg.escape(value))


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        num=format_number,
        pct=format_percent,
        metric=format_metric,
        duration=format_duration,
        when=format_timestamp,
        cell=format_cell,
        clip=clip,
        status=status_class,
    )
    return env


# -- sections ----------------------------------------------------------------------------------


def _pick(row: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    return {key: row.get(key) for key in keys}


def _value(value: Any) -> float | None:
    """A number to plot, or None (nothing to draw)."""
    return float(value) if is_number(value) and math.isfinite(value) else None


def _scorecard(scorecard: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if scorecard is None:
        return None
    overall = scorecard.get("overall")
    dimensions = [
        {"name": d.get("dimension"), **_pick(d, SCORE_KEYS)}
        for d in scorecard.get("dimensions") or []
    ]
    models = [
        {"name": m.get("model"), **_pick(m, SCORE_KEYS)} for m in scorecard.get("models") or []
    ]
    bars = [
        svg.Bar(
            label=str(d["name"]),
            value=_value(d["score"]),
            fill=FAILING_FILL if d["below_threshold"] else PASSING_FILL,
            note=(
                f"{format_percent(d['score'])} \u00b7 {format_number(d['checks'])} checks"
                if d["score"] is not None
                else "no checks"
            ),
            marker=_value(d["threshold"]),
            tooltip=(
                f"{d['name']}: {format_number(d['checks'])} checks, {format_number(d['passed'])}"
                f" passed, {format_number(d['warned'])} warned, {format_number(d['failed'])}"
                f" failed; score {format_percent(d['score'])},"
                f" threshold {format_percent(d['threshold'])}"
            ),
        )
        for d in dimensions
    ]
    chart = svg.bar_chart(
        bars, chart_id="scorecard-chart", title="Score by quality dimension", scale_max=1.0
    )
    return {
        "overall": _pick(overall, SCORE_KEYS) if overall else None,
        "dimensions": dimensions,
        "models": models,
        "chart": Markup(chart) if bars else None,
    }


def _trend(points: Sequence[Mapping[str, Any]]) -> Markup | None:
    """Overall and per-dimension scores over the recorded runs (oldest first)."""
    if not points:
        return None
    seen = {name for p in points for name in (p.get("dimensions") or {})}
    names = [d for d in DIMENSIONS if d in seen] + sorted(seen - set(DIMENSIONS))
    series = [
        svg.Series("overall", [_value(p.get("overall")) for p in points], OVERALL_COLOUR, 2.5),
        *(
            svg.Series(
                name, [_value((p.get("dimensions") or {}).get(name)) for p in points], colour
            )
            for name, colour in zip(names, _colours(len(names)), strict=True)
        ),
    ]
    values = [v for s in series for v in s.values if v is not None]
    # Scores crowd near 100 %: start the axis at the lowest tenth below the worst score.
    low = min(0.9, math.floor(min(values, default=1.0) * 10) / 10)
    chart = svg.line_chart(
        series,
        [short_time(p.get("recorded_at")) for p in points],
        chart_id="scorecard-trend",
        title="Scores over the last runs",
        y_range=(max(low, 0.0), 1.0),
        y_format=format_percent,
    )
    return Markup(chart)


def _colours(count: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


def _samples(rows: Sequence[Any]) -> dict[str, Any]:
    """Sample rows as a table: the union of their columns, in order of appearance."""
    records = [r if isinstance(r, Mapping) else {"value": r} for r in rows]
    columns = list(dict.fromkeys(key for r in records for key in r))
    return {"columns": columns, "rows": [[r.get(c) for c in columns] for r in records]}


def _failing_test(test: Mapping[str, Any]) -> dict[str, Any]:
    return {**_pick(test, TEST_KEYS), "samples": _samples(test.get("samples") or [])}


def _ground_truth_row(row: Mapping[str, Any]) -> dict[str, Any]:
    view = _pick(row, ("batch_date", "entity", "defect", "dimension", *GROUND_TRUTH_COUNTS))
    view["detected_off"] = view["detected"] != view["injected"]
    view["missed_off"] = bool(view["missed"])
    view["false_positives_off"] = bool(view["false_positives"])
    return view


def _ground_truth(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    table = [_ground_truth_row(r) for r in rows]
    totals = {k: sum(r[k] for r in table if is_number(r[k])) for k in GROUND_TRUTH_COUNTS}
    examples = [
        {"entity": r.get("entity"), "defect": r.get("defect"), "kind": kind,
         "key": e.get("key"), "line": e.get("line"), "detail": e.get(detail)}
        for r in rows
        for kind, field, detail in (
            ("missed", "missed_examples", "column"),
            ("false positive", "false_positive_examples", "signal"),
        )
        for e in r.get(field) or []
        if isinstance(e, Mapping)
    ]  # fmt: skip
    return {
        "rows": table,
        "totals": totals,
        "totals_off": {
            "detected": totals["detected"] != totals["injected"],
            "missed": bool(totals["missed"]),
            "false_positives": bool(totals["false_positives"]),
        },
        "examples": examples,
    }


def _profiles(profiles: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One table per relation, in the data's order, a row per column."""
    relations: dict[str, dict[str, Any]] = {}
    for profile in profiles:
        latest = profile.get("latest") or {}
        history = [h for h in profile.get("history") or [] if isinstance(h, Mapping)]
        rates = [_value(h.get("null_rate")) for h in history]
        label = "null rate by batch: " + ", ".join(
            f"{h.get('batch_date') or h.get('load_id')} {format_percent(h.get('null_rate'))}"
            for h in history
        )
        relation = relations.setdefault(
            str(profile.get("relation")),
            {"relation": profile.get("relation"), "row_count": None, "batch_date": None,
             "columns": [], "with_nulls": 0},
        )  # fmt: skip
        relation["row_count"] = latest.get("row_count", relation["row_count"])
        relation["batch_date"] = latest.get("batch_date", relation["batch_date"])
        relation["with_nulls"] += bool(latest.get("null_count"))
        relation["columns"].append(
            {
                "column": profile.get("column"),
                "data_type": profile.get("data_type"),
                "spark": Markup(svg.sparkline(rates, min_scale=NULL_RATE_SCALE, label=label)),
                **_pick(latest, PROFILE_KEYS),
            }
        )
    return list(relations.values())


def _reconciliation(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Totals per entity over its batches, and the batches themselves."""
    batches = [
        {
            **_pick(r, ("entity", "batch_date", *RECONCILIATION_COUNTS)),
            "lines_balance": r.get("lines_balance"),
            "rows_balance": r.get("rows_balance"),
            "balanced": r.get("lines_balance") is not False and r.get("rows_balance") is not False,
        }
        for r in rows
    ]
    entities: dict[str, dict[str, Any]] = {}
    for b in batches:
        entity = entities.setdefault(
            str(b["entity"]),
            {"entity": b["entity"], "batches": 0, "unbalanced": 0,
             **dict.fromkeys(RECONCILIATION_COUNTS, 0)},
        )  # fmt: skip
        entity["batches"] += 1
        entity["unbalanced"] += not b["balanced"]
        for key in RECONCILIATION_COUNTS:
            entity[key] += b[key] if is_number(b[key]) else 0
    return {"entities": list(entities.values()), "batches": batches}


def _seconds_between(start: Any, end: Any) -> float | None:
    first, last = parse_time(start), parse_time(end)
    if first is None or last is None:
        return None
    try:
        return (last - first).total_seconds()
    except TypeError:  # one naive, one aware
        return None


def _runs(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The runs newest first, and their steps as a timeline."""
    ordered = list(reversed(runs))
    step_names = list(dict.fromkeys(str(s.get("step")) for r in runs for s in r.get("steps") or []))
    colour = dict(zip(step_names, _colours(len(step_names)), strict=True))
    table, rows = [], []
    for run in ordered:
        steps = [s for s in run.get("steps") or [] if isinstance(s, Mapping)]
        table.append({**_pick(run, RUN_KEYS), "steps": [_pick(s, STEP_KEYS) for s in steps]})
        segments = []
        for s in steps:
            offset = _seconds_between(run.get("started_at"), s.get("started_at"))
            if offset is None:
                continue
            seconds = _value(s.get("seconds"))
            segments.append(
                svg.Segment(
                    label=str(s.get("step")),
                    offset=max(offset, 0.0),
                    seconds=seconds,
                    colour=colour[str(s.get("step"))],
                    status=str(s.get("status")),
                    tooltip=f"{s.get('step')}: {s.get('status')}, {format_duration(seconds)}",
                )
            )
        rows.append(
            svg.TimelineRow(
                label=f"{run.get('run_id')} \u00b7 {short_time(run.get('started_at'))}",
                segments=segments,
                tooltip=f"run {run.get('run_id')}: {run.get('status')},"
                f" {format_duration(run.get('seconds'))}",
            )
        )
    chart = svg.timeline(rows, chart_id="run-timeline", title="Steps of the last runs")
    return {"runs": table, "chart": Markup(chart) if rows else None}


def _context(data: Mapping[str, Any]) -> dict[str, Any]:
    scorecard = data.get("scorecard")
    return {
        "generated_at": data.get("generated_at"),
        "database": data.get("database"),
        "run_id": data.get("run_id"),
        "assessed": scorecard is not None,
        "scorecard": _scorecard(scorecard),
        "trend": _trend(data.get("scorecard_trend") or []),
        "failing_tests": [_failing_test(t) for t in data.get("failing_tests") or []],
        "ground_truth": _ground_truth(data.get("ground_truth") or []),
        "ground_truth_batches": [
            _ground_truth_row(r) for r in data.get("ground_truth_batches") or []
        ],
        "profiles": _profiles(data.get("profiles") or []),
        "anomalies": [_pick(a, ANOMALY_KEYS) for a in data.get("anomalies") or []],
        "freshness": [_pick(f, FRESHNESS_KEYS) for f in data.get("freshness") or []],
        "reconciliation": _reconciliation(data.get("reconciliation") or []),
        "runs": _runs(data.get("runs") or []),
    }


def render_html(data: dict) -> str:
    """The report as one HTML5 document."""
    return _environment().get_template(TEMPLATE).render(_context(data))
