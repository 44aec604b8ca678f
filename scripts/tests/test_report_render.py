"""The data-quality report's HTML page and its SVG charts, without a database:
the report of a demo run (trimmed, fixtures/dq_report_sample.json) renders
every section with the data's numbers, everything from the data is escaped,
nothing in the page points outside it, and an empty warehouse renders too."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from warehouse.quality import svg
from warehouse.quality.render import (
    format_duration,
    format_number,
    format_percent,
    format_timestamp,
    render_html,
)

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "dq_report_sample.json"
SECTIONS = [
    "scorecard",
    "trend",
    "failing-tests",
    "ground-truth",
    "profiles",
    "anomalies",
    "freshness",
    "reconciliation",
    "runs",
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SCRIPT = "<script>alert(1)</script>"
PASSING_FILL = "#2b6cb0"  # a dimension at or above its threshold
FAILING_FILL = "#c53030"  # a dimension below it


# -- a small DOM over html.parser ----------------------------------------------------------------


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str, *, css_class: str | None = None, **attrs: str) -> list[Node]:
        return [
            node
            for node in self.walk()
            if node.tag == tag
            and (css_class is None or css_class in node.attrs.get("class", "").split())
            and all(node.attrs.get(k) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, **attrs: Any) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def cells(self) -> list[str]:
        return [cell.text().strip() for cell in self.children if isinstance(cell, Node)]


class TreeBuilder(HTMLParser):
    """Builds the tree and insists on a well-nested document: every element
    closed by its own end tag (void elements and ``<x/>`` aside)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(markup: str) -> Node:
    builder = TreeBuilder()
    builder.feed(markup)
    builder.close()
    assert builder.stack == [builder.root], f"unclosed: {[n.tag for n in builder.stack[1:]]}"
    return builder.root


def number(text: str) -> int:
    return int(text.replace(",", ""))


def section(page: Node, section_id: str) -> Node:
    return page.find("section", id=section_id)


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def empty() -> dict[str, Any]:
    lists = (
        "scorecard_trend", "failing_tests", "ground_truth", "ground_truth_batches", "profiles",
        "anomalies", "freshness", "reconciliation", "runs",
    )  # fmt: skip
    return {
        "generated_at": "2026-11-24T11:02:34+00:00",
        "database": "postgresql://postgres@127.0.0.1:55500/empty",
        "run_id": None,
        "scorecard": None,
        **{key: [] for key in lists},
    }


def failing_test(**changes: Any) -> dict[str, Any]:
    test = {
        "test_id": "test.warehouse.accepted_values_stg_shop__orders_status.1a2b",
        "test_name": "accepted_values_stg_shop__orders_status",
        "test_type": "accepted_values",
        "model": "stg_shop__orders",
        "column_name": "status",
        "dimension": "validity",
        "severity": "error",
        "status": "fail",
        "rows_checked": 123456,
        "rows_failed": 321,
        "failure_rate": 321 / 123456,
        "warn_if": ">0",
        "error_if": ">100",
        "message": "Got 321 results, configured to fail if >100",
        "samples": [
            {"order_id": "ORD-1", "status": "shiped"},
            {"order_id": "ORD-2", "status": None, "note": "late"},
        ],
    }
    return {**test, **changes}


# -- the page ----------------------------------------------------------------------------------


def test_every_section_is_there_in_order_with_a_heading(sample: dict) -> None:
    page = parse(render_html(sample))
    sections = page.find_all("section")
    assert [s.attrs["id"] for s in sections] == SECTIONS
    for s in sections:
        first = next(c for c in s.children if isinstance(c, Node))
        assert first.tag == "h2" and first.text().strip()


def test_header_names_the_report_database_run_and_time(sample: dict) -> None:
    page = parse(render_html(sample))
    header = page.find("header")
    assert header.find("h1").text() == "Data quality report"
    text = header.text()
    assert sample["database"] in text
    assert sample["run_id"] in text
    assert "2026-11-24 11:02:34 UTC" in text
    assert render_html(sample).startswith("<!DOCTYPE html>")


def test_scorecard_chart_has_a_bar_per_dimension_in_the_passing_colour(sample: dict) -> None:
    page = parse(render_html(sample))
    chart = section(page, "scorecard").find("svg", id="scorecard-chart")
    bars = chart.find_all("rect", css_class="bar")
    dimensions = sample["scorecard"]["dimensions"]
    assert len(bars) == len(dimensions) == 7
    assert [b.find("title").text().split(":")[0] for b in bars] == [
        d["dimension"] for d in dimensions
    ]
    assert {b.attrs["fill"] for b in bars} == {PASSING_FILL}
    assert len(chart.find_all("line", css_class="marker")) == len(dimensions)
    rows = section(page, "scorecard").find("table", id="dimension-table").find("tbody")
    assert [r.cells()[:2] for r in rows.find_all("tr")] == [
        [d["dimension"], format_number(d["checks"])] for d in dimensions
    ]
    assert section(page, "scorecard").find("div", css_class="score").text() == "100.0%"


def test_a_dimension_below_its_threshold_is_drawn_red(sample: dict) -> None:
    validity = sample["scorecard"]["dimensions"][2]
    validity.update(score=0.8, passed=76, failed=19, below_threshold=True)
    page = parse(render_html(sample))
    bars = page.find("svg", id="scorecard-chart").find_all("rect", css_class="bar")
    assert [b.attrs["fill"] for b in bars] == [
        FAILING_FILL if i == 2 else PASSING_FILL for i in range(len(bars))
    ]
    assert float(bars[2].attrs["width"]) == pytest.approx(0.8 * float(bars[0].attrs["width"]))
    score_cells = page.find("table", id="dimension-table").find_all("td", css_class="hl")
    assert [c.text() for c in score_cells] == ["80.0%"]


def test_ground_truth_table_has_the_data_rows_and_their_totals(sample: dict) -> None:
    page = parse(render_html(sample))
    table = section(page, "ground-truth").find("table", id="ground-truth-table")
    header = table.find("thead").find("tr").cells()
    assert header == [
        "entity", "defect", "dimension", "injected", "detected", "missed", "false positives",
    ]  # fmt: skip
    rows = [r.cells() for r in table.find("tbody").find_all("tr")]
    parsed = [(c[0], c[1], c[2], *map(number, c[3:])) for c in rows]
    counts = ("injected", "detected", "missed", "false_positives")
    expected = [
        (r["entity"], r["defect"], r["dimension"], *(r[k] for k in counts))
        for r in sample["ground_truth"]
    ]
    assert parsed == expected and len(parsed) == 45
    totals = table.find("tfoot").find("tr").cells()
    assert totals[0] == "Total"
    assert list(map(number, totals[3:])) == [
        sum(r[k] for r in sample["ground_truth"]) for k in counts
    ]
    assert not table.find_all("td", css_class="hl")  # the demo detected every defect


def test_ground_truth_mismatches_are_highlighted_with_their_examples(sample: dict) -> None:
    missed, flagged = sample["ground_truth"][0], sample["ground_truth"][1]
    missed.update(
        detected=missed["injected"] - 2,
        missed=2,
        missed_examples=[{"key": "RSP-0000000042", "line": 17, "column": "response_ts"}],
    )
    flagged.update(
        false_positives=3,
        false_positive_examples=[{"key": "RSP-0000000099", "line": 99, "signal": "quarantine"}],
    )
    page = parse(render_html(sample))
    section_ = section(page, "ground-truth")
    body = section_.find("table", id="ground-truth-table").find("tbody")
    highlighted = [
        (i, j)
        for i, row in enumerate(body.find_all("tr"))
        for j, cell in enumerate(row.find_all("td"))
        if "hl" in cell.attrs.get("class", "")
    ]
    assert highlighted == [(0, 4), (0, 5), (1, 6)]
    examples = " ".join(d.text() for d in section_.find_all("details"))
    assert "RSP-0000000042" in examples and "response_ts" in examples
    assert "RSP-0000000099" in examples and "quarantine" in examples


def test_failing_checks_show_their_numbers_and_sample_rows(sample: dict) -> None:
    sample["failing_tests"] = [failing_test()]
    page = parse(render_html(sample))
    check = section(page, "failing-tests").find("article")
    text = check.text()
    assert "accepted_values_stg_shop__orders_status" in text
    assert "321 of 123,456 checked (0.3%)" in text
    table = check.find("table")
    assert table.find("thead").find("tr").cells() == ["order_id", "status", "note"]
    assert [r.cells() for r in table.find("tbody").find_all("tr")] == [
        ["ORD-1", "shiped", "\u2013"],
        ["ORD-2", "\u2013", "late"],
    ]
    assert "All checks passed" not in section(page, "failing-tests").text()


def test_no_failing_check_says_all_passed(sample: dict) -> None:
    page = parse(render_html(sample))
    assert "All checks passed." in section(page, "failing-tests").text()


def test_values_from_the_data_are_escaped_never_markup(sample: dict) -> None:
    sample["failing_tests"] = [
        failing_test(
            test_name='quoted "name" & <b>bold</b>',
            samples=[{"status": SCRIPT, "<th>": "x' onmouseover='alert(1)"}],
        )
    ]
    sample["ground_truth"][0]["entity"] = "fish & chips"
    sample["scorecard"]["dimensions"][0]["dimension"] = '<img src=x onerror="alert(1)">'
    sample["profiles"][0]["relation"] = "raw.<style>"
    html = render_html(sample)
    page = parse(html)
    assert "<script" not in html and "<img" not in html and "<b>bold" not in html
    assert "fish &amp; chips" in html
    assert not page.find_all("script") and not page.find_all("img")
    assert not section(page, "failing-tests").find_all("b")
    assert len(page.find_all("style")) == 1
    table = section(page, "failing-tests").find("table")
    assert table.find("thead").find("tr").cells() == ["status", "<th>"]
    assert table.find("tbody").find("tr").cells() == [SCRIPT, "x' onmouseover='alert(1)"]
    assert 'quoted "name" & <b>bold</b>' in section(page, "failing-tests").find("h3").text()
    first_row = page.find("table", id="ground-truth-table").find("tbody").find("tr")
    assert first_row.cells()[0] == "fish & chips"
    bar_title = page.find("svg", id="scorecard-chart").find("rect", css_class="bar").find("title")
    assert bar_title.text().startswith('<img src=x onerror="alert(1)">')
    assert "raw.<style>" in section(page, "profiles").find("summary").text()


def test_control_characters_and_undecodable_bytes_are_spelled_out(sample: dict) -> None:
    sample["failing_tests"] = [failing_test(samples=[{"name": "a\x00b\udcffc\x1bd"}])]
    html = render_html(sample)
    html.encode("utf-8")  # a lone surrogate would not encode
    cell = parse(html).find("table", css_class="sample").find("tbody").find("td")
    assert cell.text() == "a\\x00b\\xffc\\x1bd"


def test_nothing_points_outside_the_page(sample: dict) -> None:
    html = render_html(sample)  # its database is postgresql://...
    for needle in ("http://", "https://", "//", "src=", "@import", "url(", "<link", "<script"):
        assert needle not in html.lower(), needle
    page = parse(html)
    assert all(a.attrs["href"].startswith("#") for a in page.find_all("a"))
    assert not [n for n in page.walk() if {"src", "xlink:href", "xmlns"} & set(n.attrs)]


def test_urls_in_the_data_are_text_not_links(sample: dict) -> None:
    sample["failing_tests"] = [
        failing_test(samples=[{"url": "https://example.com/x.js", "css": "@import url(x.css)"}])
    ]
    html = render_html(sample)
    assert "https://" not in html and "//" not in html
    page = parse(html)
    style = page.find("style").text()
    assert "@import" not in style and "url(" not in style
    assert all(a.attrs["href"].startswith("#") for a in page.find_all("a"))
    cells = page.find("table", css_class="sample").find("tbody").find("tr").cells()
    assert cells == ["https://example.com/x.js", "@import url(x.css)"]  # shown as they are


def test_an_empty_warehouse_renders_and_says_there_is_no_data(empty: dict) -> None:
    page = parse(render_html(empty))
    assert [s.attrs["id"] for s in page.find_all("section")] == SECTIONS
    for section_id in SECTIONS:
        assert "No data yet" in section(page, section_id).text(), section_id
    assert "no defect manifest in the landing zone" in section(page, "ground-truth").text()
    assert "All checks passed" not in page.text()
    assert not page.find_all("svg") and not page.find_all("table")


def test_an_assessed_warehouse_without_a_defect_manifest_says_so(sample: dict) -> None:
    sample["ground_truth"], sample["ground_truth_batches"] = [], []
    part = section(parse(render_html(sample)), "ground-truth")
    assert "no defect manifest in the landing zone" in part.text()
    assert not part.find_all("table")


def test_missing_keys_and_a_scorecard_without_rows_do_not_crash() -> None:
    page = parse(render_html({"scorecard": {"overall": None, "dimensions": [], "models": []}}))
    assert [s.attrs["id"] for s in page.find_all("section")] == SECTIONS
    assert "No overall score" in section(page, "scorecard").text()
    assert "All checks passed." in section(page, "failing-tests").text()


def test_profiles_are_one_table_per_relation_with_a_null_rate_sparkline(sample: dict) -> None:
    page = parse(render_html(sample))
    relations = list(dict.fromkeys(p["relation"] for p in sample["profiles"]))
    details = section(page, "profiles").find_all("details")
    assert [d.find("summary").text().split(" \u2014 ")[0] for d in details] == relations
    for relation, block in zip(relations, details, strict=True):
        columns = [p for p in sample["profiles"] if p["relation"] == relation]
        rows = block.find("table").find("tbody").find_all("tr")
        assert [r.cells()[0] for r in rows] == [p["column"] for p in columns]
        for row, profile in zip(rows, columns, strict=True):
            assert row.cells()[2] == format_percent(profile["latest"]["null_rate"])
            spark = row.find("svg", css_class="sparkline")
            points = len(profile["history"])
            if points > 1:
                assert len(spark.find("polyline").attrs["points"].split()) == points
            else:
                assert not spark.find_all("polyline")


def test_the_page_stays_small_with_hundreds_of_profiled_columns(sample: dict) -> None:
    base = sample["profiles"]
    sample["profiles"] = [
        {**copy.deepcopy(p), "relation": f"{p['relation']}_{i}"} for i in range(10) for p in base
    ]
    assert len(sample["profiles"]) >= 230
    assert len(render_html(sample).encode("utf-8")) < 300_000


def test_anomalies_show_their_expected_range(sample: dict) -> None:
    assert "None" in section(parse(render_html(sample)), "anomalies").text()
    sample["anomalies"] = [
        {"metric": "rows_received", "entity": "orders", "subject": "2025-07-03",
         "observed": 12.0, "median": 1500.0, "mad": 80.0, "robust_z": -12.4,
         "expected_low": 1085.2, "expected_high": 1914.8, "history_points": 20},
        {"metric": "null_rate", "entity": "customers", "subject": "2025-07-03 email",
         "observed": 0.31, "median": 0.02, "mad": 0.01, "robust_z": 19.6,
         "expected_low": 0.0, "expected_high": 0.0719, "history_points": 9},
    ]  # fmt: skip
    rows = section(parse(render_html(sample)), "anomalies").find("tbody").find_all("tr")
    assert [r.cells()[3:5] for r in rows] == [
        ["12", "1,085 to 1,915"],
        ["31.0%", "0.0% to 7.2%"],
    ]


def test_unbalanced_reconciliation_rows_are_highlighted(sample: dict) -> None:
    batches = sample["reconciliation"]
    target = next(i for i, b in enumerate(batches) if b["entity"] == "customers")
    batches[target]["rows_balance"] = False
    page = parse(render_html(sample))
    part = section(page, "reconciliation")
    summary = part.find("table", id="reconciliation-table").find("tbody").find_all("tr")
    entities = list(dict.fromkeys(b["entity"] for b in batches))
    assert [r.cells()[0] for r in summary] == entities
    assert [r.attrs.get("class") == "unbalanced" for r in summary] == [
        e == "customers" for e in entities
    ]
    customers = summary[entities.index("customers")].cells()
    lines = sum(b["data_lines"] for b in batches if b["entity"] == "customers")
    assert number(customers[2]) == lines
    per_batch = part.find("table", id="reconciliation-batches").find("tbody").find_all("tr")
    assert [i for i, r in enumerate(per_batch) if r.attrs.get("class") == "unbalanced"] == [target]


def test_runs_timeline_has_a_row_per_run_and_a_segment_per_step(sample: dict) -> None:
    run = sample["runs"][0]
    failed = copy.deepcopy(run)
    failed.update(run_id="f41ed0000000", status="failed")
    failed["steps"] = failed["steps"][:3]
    failed["steps"][2].update(status="failed", error="relation <x> does not exist")
    sample["runs"] = [failed, run]  # oldest first
    page = parse(render_html(sample))
    part = section(page, "runs")
    chart = part.find("svg", id="run-timeline")
    labels = [g.find("text").text() for g in chart.find_all("g", css_class="run")]
    assert [label.split(" ")[0] for label in labels] == [run["run_id"], "f41ed0000000"]
    segments = chart.find_all("rect", css_class="segment")
    assert len(segments) == len(run["steps"]) + 3
    assert [s.attrs.get("stroke") for s in segments if s.attrs["data-status"] == "failed"] == [
        "#c53030"
    ]
    build = [s for s in segments if s.find("title").text().startswith("dbt build")]
    assert all(float(b.attrs["width"]) > 0.7 * float(build[0].attrs["width"]) for b in build)
    table = part.find("table", id="run-table").find("tbody").find_all("tr")
    assert [r.cells()[:2] for r in table] == [
        [run["run_id"], "running"],
        ["f41ed0000000", "failed"],
    ]
    assert table[0].cells()[4] == format_duration(run["seconds"]) == "18.5 s"
    assert "relation <x> does not exist" in part.find("table", id="step-table").text()


def test_trend_chart_draws_every_score_of_every_run(sample: dict) -> None:
    page = parse(render_html(sample))
    chart = section(page, "trend").find("svg", id="scorecard-trend")
    point = sample["scorecard_trend"][0]
    assert len(chart.find_all("circle", css_class="point")) == 1 + len(point["dimensions"])
    assert not chart.find_all("path", css_class="series")  # one run: points only
    second = {**copy.deepcopy(point), "run_id": "later", "overall": 0.9}
    second["recorded_at"] = "2026-11-25T11:02:33+00:00"
    sample["scorecard_trend"].append(second)
    chart = section(parse(render_html(sample)), "trend").find("svg", id="scorecard-trend")
    assert len(chart.find_all("path", css_class="series")) == 1 + len(point["dimensions"])


# -- formatting --------------------------------------------------------------------------------


def test_numbers_are_formatted_for_people() -> None:
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234.5) == "1,234.50"
    assert format_number(2.0) == "2"
    assert format_number(None) == "\u2013"
    assert format_percent(0.97561) == "97.6%"
    assert format_percent(1) == "100.0%"
    assert format_percent(None) == "\u2013"
    assert format_duration(0.187) == "0.19 s"
    assert format_duration(75) == "1 min 15 s"
    assert format_duration(900000) == "10 d 10 h"
    assert format_timestamp("2026-11-24T11:02:34.415+00:00") == "2026-11-24 11:02:34 UTC"
    assert format_timestamp("not a time") == "not a time"


# -- the SVG helpers ---------------------------------------------------------------------------


def test_bar_lengths_are_proportional_to_the_values() -> None:
    bars = [svg.Bar(label, value, "#2b6cb0") for label, value in (("a", 1), ("b", 2), ("c", 4))]
    chart = parse(svg.bar_chart(bars, chart_id="c", title="t"))
    widths = [float(r.attrs["width"]) for r in chart.find_all("rect", css_class="bar")]
    track = float(chart.find("rect", css_class="track").attrs["width"])
    assert widths == pytest.approx([track / 4, track / 2, track])
    scaled = parse(svg.bar_chart(bars, chart_id="c", title="t", scale_max=8.0))
    widths = [float(r.attrs["width"]) for r in scaled.find_all("rect", css_class="bar")]
    assert widths == pytest.approx([track / 8, track / 4, track / 2])


def test_a_bar_without_a_value_is_empty_and_labels_are_escaped() -> None:
    bars = [svg.Bar("<a & b>", None, "#2b6cb0", note='"none"'), svg.Bar("x", 0.5, "#c53030")]
    markup = svg.bar_chart(bars, chart_id="c", title="<t>", scale_max=1.0)
    assert "<a &" not in markup and "<t>" not in markup
    chart = parse(markup)
    widths = [r.attrs["width"] for r in chart.find_all("rect", css_class="bar")]
    assert widths[0] == "0"
    assert [t.text() for t in chart.find_all("text")][:2] == ["<a & b>", '"none"']


def test_a_line_chart_with_one_point_draws_points_only() -> None:
    series = [svg.Series("overall", [0.97], "#000"), svg.Series("empty", [None], "#111")]
    chart = parse(svg.line_chart(series, ["11-24 11:02"], chart_id="l", title="t"))
    circles = chart.find_all("circle", css_class="point")
    assert len(circles) == 1 and not chart.find_all("path")
    plot_left, plot_width = 56, 640 - 56 - 40
    assert float(circles[0].attrs["cx"]) == pytest.approx(plot_left + plot_width / 2)


def test_a_line_chart_breaks_at_missing_values_and_scales_to_its_range() -> None:
    series = [svg.Series("s", [0.5, None, 0.75, 1.0], "#000")]
    chart = parse(svg.line_chart(series, list("abcd"), chart_id="l", title="t", y_range=(0.5, 1)))
    path = chart.find("path", css_class="series").attrs["d"]
    assert path.count("M") == 2 and path.count("L") == 1
    ys = [float(c.attrs["cy"]) for c in chart.find_all("circle", css_class="point")]
    top, height = 10, 220 - 10 - 26
    assert ys == pytest.approx([top + height, top + height / 2, top])
    assert parse(svg.line_chart([], [], chart_id="l", title="t")).find_all("svg")


def test_sparklines() -> None:
    assert svg.sparkline([]) == "" and svg.sparkline([None]) == ""
    single = parse(svg.sparkline([0.2], label="one"))
    assert not single.find_all("polyline") and len(single.find_all("circle")) == 1
    line = parse(svg.sparkline([0.0, 0.5, None, 1.0], label="a < b"))
    assert len(line.find("polyline").attrs["points"].split()) == 3
    assert line.find("title").text() == "a < b"


def test_timeline_segments_sit_on_one_time_axis() -> None:
    rows = [
        svg.TimelineRow("r1", [svg.Segment("a", 0, 10, "#111"), svg.Segment("b", 10, 30, "#222")]),
        svg.TimelineRow("r2", [svg.Segment("a", 0, 20, "#111", status="failed")]),
        svg.TimelineRow("r3", [svg.Segment("a", 5, None, "#111", status="running")]),
    ]
    chart = parse(svg.timeline(rows, chart_id="g", title="t"))
    segments = chart.find_all("rect", css_class="segment")
    xs = [float(s.attrs["x"]) for s in segments]
    widths = [float(s.attrs["width"]) for s in segments]
    assert widths[1] == pytest.approx(3 * widths[0]) and widths[2] == pytest.approx(2 * widths[0])
    assert xs[1] == pytest.approx(xs[0] + widths[0])
    assert segments[2].attrs["stroke"] == "#c53030"
    assert "stroke-dasharray" in segments[3].attrs and widths[3] >= 4
    legend = [t.text() for t in chart.find_all("text")]
    assert {"a", "b", "failed", "unfinished"} <= set(legend)


def test_escape_covers_markup_quotes_slashes_and_control_characters() -> None:
    assert svg.escape("<a href='x'>\"&\"</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&quot;&amp;&quot;&lt;&#47;a&gt;"
    )
    assert svg.escape("postgresql://h/db") == "postgresql:&#47;&#47;h&#47;db"
    assert svg.clean("tab\tok\x07\udc80") == "tab\tok\\x07\\x80"
