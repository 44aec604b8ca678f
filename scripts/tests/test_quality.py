"""The data-quality framework end to end, through `warehouse run`:

- on the demo data: every test carries a quality dimension; the report (JSON
  and HTML, parsed) shows the scorecard the audit tables hold and a ground
  truth where every injected defect is detected with no false positive; the
  HTML opens in headless Chromium and its screenshot shows the scorecard chart;
- one more defect of each kind in a batch is counted once in the right
  dimension and in the ground truth;
- a day with ten times the usual orders raises one anomaly warning that names
  the entity and the expected range;
- a webhook served locally receives exactly one alert for a failing run and
  none for a clean one.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest

from warehouse import db
from warehouse.contract import ENTITY_BY_NAME
from warehouse.quality.artifacts import DIMENSIONS, undimensioned_tests
from warehouse.quality.ground_truth import DEFECT_DIMENSIONS

from .conftest import CliResult, DatabaseFactory, run_cli
from .dbt_helpers import ANSI, cli, dbt_env, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

DEMO = ("--scale", "0.1", "--days", "7", "--seed", "42")  # the Makefile's DEMO_ARGS
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCORECARD_BLUE = (0x2B, 0x6C, 0xB0)


@dataclass
class Run:
    landing: Path
    work: Path
    conn: db.Connection
    result: CliResult

    @property
    def report(self) -> dict:
        return json.loads((self.work / "reports" / "dq_report.json").read_text())

    @property
    def html(self) -> Path:
        return self.work / "reports" / "dq_report.html"


def warehouse_run(conn: db.Connection, landing: Path, work: Path, **env: str) -> CliResult:
    return run_cli(
        "run", "--landing", str(landing), "--report-dir", str(work / "reports"),
        env={**dbt_env(conn, work), **env},
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Run:
    work = tmp_path_factory.mktemp("quality_demo")
    landing = work / "landing"
    cli("generate", *DEMO, "--out", str(landing), env={})
    conn = make_db("quality_demo")
    return Run(landing, work, conn, warehouse_run(conn, landing, work))


# ----------------------------------------------------------------- the demo run


def test_the_demo_run_passes_and_prints_the_quality_summary(demo: Run) -> None:
    assert demo.result.returncode == 0, demo.result.output[-3000:]
    output = ANSI.sub("", demo.result.stdout)
    assert "ground truth: " in output and ", 0 false positives" in output
    assert f"report: {demo.html}" in output.replace("\n", "")


def test_every_data_test_carries_a_quality_dimension(demo: Run) -> None:
    manifest = json.loads((demo.work / "target" / "manifest.json").read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) > 300
    assert undimensioned_tests(manifest) == []
    assert {n["config"]["meta"]["dimension"] for n in tests} == set(DIMENSIONS)
    # dbt stores the rate tests' rows (read even when they pass); the wrapper
    # those of the other tests that warn or fail (quality.failing_rows)
    rates = {"failure_rate", "row_issue_rate", "late_arrival_rate"}
    stored = {n["name"] for n in tests if n["config"]["store_failures"]}
    kinds = {n["name"]: (n.get("test_metadata") or {}).get("name") for n in tests}
    assert stored == {name for name, kind in kinds.items() if kind in rates}
    assert len(stored) >= 30
    assert {n["config"]["schema"] for n in tests} == {"dq_failures"}
    tolerant = [n for n in tests if n["config"]["warn_if"] != "!= 0"]
    assert len(tolerant) >= 30  # source-quality rates: thresholds in percent


def test_the_scorecard_of_the_report_equals_the_audit_tables(demo: Run) -> None:
    report = demo.report
    run_id = report["run_id"]
    stored = {
        name: (checks, passed, warned, failed)
        for name, checks, passed, warned, failed in query(
            demo.conn,
            "select name, checks, passed, warned, failed from audit.dq_scorecard"
            " where run_id = %s and scope = 'dimension'",
            (run_id,),
        )
    }
    counted = {
        dimension: (checks, passed)
        for dimension, checks, passed in query(
            demo.conn,
            "select dimension, count(*), count(*) filter (where status = 'pass')"
            " from audit.dq_test_results where run_id = %s group by 1",
            (run_id,),
        )
    }
    dimensions = {d["dimension"]: d for d in report["scorecard"]["dimensions"]}
    assert set(dimensions) == set(DIMENSIONS)
    for name, row in dimensions.items():
        assert (row["checks"], row["passed"], row["warned"], row["failed"]) == stored[name]
        assert (row["checks"], row["passed"]) == counted[name]
        assert row["score"] == pytest.approx(row["passed"] / row["checks"])
    overall = report["scorecard"]["overall"]
    assert overall["checks"] == sum(c for c, _ in counted.values()) > 350
    assert overall["score"] == 1
    assert report["failing_tests"] == []


def test_the_ground_truth_detects_every_injected_defect_and_nothing_else(demo: Run) -> None:
    rows = demo.report["ground_truth"]
    assert {r["defect"] for r in rows} == set(DEFECT_DIMENSIONS)
    for row in rows:
        assert row["detected"] == row["injected"] > 0, row
        assert (row["missed"], row["false_positives"]) == (0, 0), row
        assert row["dimension"] == DEFECT_DIMENSIONS[row["defect"]]
    injected = sum(
        len(group["keys"])
        for manifest in demo.landing.glob("*/_manifest.json")
        for group in json.loads(manifest.read_text())["defects"]
    )
    assert sum(r["injected"] for r in rows) == injected


def test_reconciliation_balances_for_every_entity_and_batch(demo: Run) -> None:
    rows = demo.report["reconciliation"]
    assert len(rows) == sum(1 for _ in demo.landing.glob("*/*.csv"))
    assert all(r["lines_balance"] and r["rows_balance"] for r in rows)
    quarantined = scalar(demo.conn, "select count(*) from audit.quarantine")
    assert sum(r["quarantined_lines"] for r in rows) == quarantined > 0


def test_every_raw_and_staging_table_is_profiled(demo: Run) -> None:
    relations = {p["relation"] for p in demo.report["profiles"]}
    assert {f"raw.{e}" for e in ENTITY_BY_NAME} <= relations
    assert "staging.stg_shop__orders" in relations
    email = next(
        p for p in demo.report["profiles"]
        if (p["relation"], p["column"]) == ("raw.customers", "email")
    )  # fmt: skip
    loaded = query(
        demo.conn,
        "select count(*), count(*) - count(email) from raw.customers where _load_id = %s",
        (email["latest"]["load_id"],),
    )[0]
    assert (email["latest"]["row_count"], email["latest"]["null_count"]) == loaded


class _Tables(HTMLParser):
    """The text of every table row in an HTML document, by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.ids: set[str] = set()
        self.fills: Counter = Counter()
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        for name in ("src", "href"):
            if values.get(name) and not values[name].startswith("#"):
                self.external.append(values[name])
        if tag == "rect" and values.get("fill"):
            self.fills[values["fill"].lower()] += 1
        if tag == "table":
            self._table = values.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_the_html_report_is_self_contained_and_shows_the_same_numbers(demo: Run) -> None:
    text = demo.html.read_text()
    parsed = _Tables()
    parsed.feed(text)
    assert parsed.external == []
    assert "http://" not in text and "https://" not in text
    for section in ("scorecard", "trend", "failing-tests", "ground-truth", "profiles",
                    "anomalies", "freshness", "reconciliation", "runs"):  # fmt: skip
        assert section in parsed.ids
    assert {"scorecard-chart", "scorecard-trend", "run-timeline"} <= parsed.ids
    assert parsed.fills["#2b6cb0"] >= len(DIMENSIONS)
    shown = {
        (row[0], row[1]): [int(v.replace(",", "")) for v in row[3:7]]
        for row in parsed.tables["ground-truth-table"][1:]
        if row and row[0].lower() != "total"
    }
    expected = {
        (r["entity"], r["defect"]): [r["injected"], r["detected"], r["missed"],
                                      r["false_positives"]]
        for r in demo.report["ground_truth"]
    }  # fmt: skip
    assert shown == expected


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it; apt install chromium)")  # fmt: skip
def test_the_report_opens_in_headless_chromium_with_the_scorecard_chart(
    demo: Run, tmp_path: Path
) -> None:
    from PIL import Image

    screenshot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars", "--window-size=1280,1400", f"--screenshot={screenshot}",
            demo.html.as_uri(),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with Image.open(screenshot) as image:
        assert image.size == (1280, 1400)
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    blue = int((np.abs(pixels - np.array(SCORECARD_BLUE)).max(axis=2) <= 8).sum())
    assert blue > 2_000, "the scorecard chart's bars are not on the first screen"


# ----------------------------------------------------- one more defect of each kind

CUSTOMER = {
    "customer_id": "CUS-7000001", "first_name": "Ada", "last_name": "Lovelace",
    "email": "ada.lovelace@example.com", "phone": "(512) 555-0100",
    "date_of_birth": "1990-02-14", "gender": "F", "address": "1 Main St", "city": "Austin",
    "state": "TX", "postal_code": "73301", "country": "US",
    "registration_date": "2024-01-05", "customer_segment": "VIP", "account_status": "Active",
    "updated_at": "2025-07-08 09:00:00",
}  # fmt: skip
LINE = {
    "order_line_id": "OL-7000000001", "order_id": "ORD-00000001", "product_id": "PRD-00001",
    "quantity": "2", "unit_price": "10.00", "discount_amount": "0.00",
    "updated_at": "2025-07-08 09:00:00",
}  # fmt: skip
#: kind -> (entity, column, changes to the clean row); line-level kinds break the line.
ONE_OF_EACH = {
    "null_required": ("customers", "last_name", {"last_name": ""}),
    "duplicate_row": ("customers", "*", {}),
    "invalid_email": ("customers", "email", {"email": "ada.example.com"}),
    "bad_date_format": ("customers", "date_of_birth", {"date_of_birth": "02/14/1990"}),
    "impossible_date": ("customers", "registration_date", {"registration_date": "2024-02-30"}),
    "future_timestamp": ("customers", "updated_at", {"updated_at": "2027-01-01 00:00:00"}),
    "whitespace_case": ("customers", "first_name", {"first_name": " ADA "}),
    "state_variant": ("customers", "state", {"state": "texas"}),
    "wrong_field_count": ("customers", "*", {}),
    "unterminated_quote": ("customers", "*", {}),
    "invalid_utf8": ("customers", "city", {}),
    "bad_quantity": ("order_lines", "quantity", {"quantity": "0"}),
    "negative_amount": ("order_lines", "unit_price", {"unit_price": "-10.00"}),
    "orphan_reference": ("order_lines", "order_id", {"order_id": "ORD-97777777"}),
}


def _csv_line(row: dict[str, str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row.values())
    return out.getvalue().encode()


def write_defect_batch(folder: Path) -> None:
    """customers.csv and order_lines.csv with one defect of each kind, one row
    each (every other value clean), and the manifest that says so."""
    folder.mkdir()
    files = {"customers": [_csv_line({k: k for k in CUSTOMER})],
             "order_lines": [_csv_line({k: k for k in LINE})]}  # fmt: skip
    groups = []
    for number, (kind, (entity, column, changes)) in enumerate(ONE_OF_EACH.items(), start=1):
        clean = dict(CUSTOMER if entity == "customers" else LINE)
        key = ENTITY_BY_NAME[entity].key
        clean[key] = clean[key][:-2] + f"{number:02d}"
        line = _csv_line({**clean, **changes})
        if kind == "duplicate_row":
            files[entity].append(line)  # the original, clean; the copy is the defect
        elif kind == "wrong_field_count":
            line = line.rstrip(b"\n") + b",extra\n"
        elif kind == "unterminated_quote":
            head, _, last = line.rstrip(b"\n").rpartition(b",")
            line = head + b',"' + last + b"\n"
        elif kind == "invalid_utf8":
            line = line.replace(b"Austin", b"Aust\xe9n")
        files[entity].append(line)
        groups.append({"kind": kind, "entity": entity, "count": 1, "keys": [clean[key]],
                       "lines": [len(files[entity])], "columns": [column]})  # fmt: skip
    for entity, lines in files.items():
        (folder / f"{entity}.csv").write_bytes(b"".join(lines))
    (folder / "_manifest.json").write_text(json.dumps({"defects": groups, "normal": {}}))


def _failed_rows_by_dimension(conn: db.Connection, run_id: str) -> dict[str, int]:
    return dict(
        query(
            conn,
            "select dimension, coalesce(sum(rows_failed), 0) from audit.dq_test_results"
            " where run_id = %s group by 1",
            (run_id,),
        )
    )


def test_one_more_defect_of_each_kind_counts_in_its_dimension_and_the_ground_truth(
    make_db: DatabaseFactory, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    cli("generate", "--scale", "0.02", "--days", "1", "--seed", "5", "--out", str(landing),
        env={})  # fmt: skip
    conn = make_db("one_of_each")
    before = warehouse_run(conn, landing, tmp_path)
    assert before.returncode == 0, before.output[-3000:]
    first = json.loads((tmp_path / "reports" / "dq_report.json").read_text())
    write_defect_batch(landing / "2025-07-08")
    after = warehouse_run(conn, landing, tmp_path)
    assert after.returncode == 0, after.output[-3000:]
    second = json.loads((tmp_path / "reports" / "dq_report.json").read_text())

    was = _failed_rows_by_dimension(conn, first["run_id"])
    now = _failed_rows_by_dimension(conn, second["run_id"])
    added = Counter(DEFECT_DIMENSIONS[kind] for kind in ONE_OF_EACH)
    assert {d: now.get(d, 0) - was.get(d, 0) for d in DIMENSIONS} == {
        d: added.get(d, 0) for d in DIMENSIONS
    }
    batch = {r["defect"]: r for r in second["ground_truth_batches"]
             if r["batch_date"] == "2025-07-08"}  # fmt: skip
    assert set(batch) == set(ONE_OF_EACH)
    for kind, row in batch.items():
        assert (row["injected"], row["detected"], row["missed"], row["false_positives"]) == (
            1, 1, 0, 0,
        ), kind  # fmt: skip


# ------------------------------------------------------------------ an anomaly


def test_a_day_with_ten_times_the_orders_raises_one_anomaly_with_its_range(
    make_db: DatabaseFactory, tmp_path: Path
) -> None:
    generated = tmp_path / "generated"
    cli("generate", "--scale", "0.05", "--days", "10", "--seed", "9", "--clean",
        "--out", str(generated), env={})  # fmt: skip
    batches = sorted(p for p in generated.iterdir() if p.is_dir())
    landing = tmp_path / "landing"
    landing.mkdir()
    for batch in batches[:-1]:
        shutil.copytree(batch, landing / batch.name)
    conn = make_db("anomaly")
    history = warehouse_run(conn, landing, tmp_path)
    assert history.returncode == 0, history.output[-3000:]

    last = landing / batches[-1].name
    shutil.copytree(batches[-1], last)
    orders = (last / "orders.csv").read_text().splitlines()
    header, rows = orders[0], orders[1:]
    copies = [
        f"ORD-7{copy}{row.split(',', 1)[0][5:]}," + row.split(",", 1)[1]
        for copy in range(9) for row in rows
    ]  # fmt: skip
    (last / "orders.csv").write_text("\n".join([header, *rows, *copies]) + "\n")
    usual = [
        int(json.loads((b / "_manifest.json").read_text())["files"]["orders.csv"]["rows"])
        for b in batches[1:-1]
    ]
    result = warehouse_run(conn, landing, tmp_path)
    assert result.returncode == 0, result.output[-3000:]
    warnings = [line for line in ANSI.sub("", result.stdout).splitlines()
                if line.startswith("anomaly: ")]  # fmt: skip
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"anomaly: orders, batch {last.name}: ")
    assert f"rows_received {len(rows) * 10:,} (expected " in warnings[0]
    low, high = query(
        conn,
        "select expected_low, expected_high from audit.dq_anomalies"
        " where metric = 'rows_received' and entity = 'orders' and subject = %s",
        (last.name,),
    )[0]
    assert low <= min(usual) and max(usual) <= high < len(rows) * 10
    status, reasons = query(
        conn, "select status, reasons from audit.dq_alerts order by alert_id desc limit 1"
    )[0]
    assert status == "recorded"  # no webhook set
    assert [r["text"] for r in reasons if r["kind"] == "anomaly"] == [
        warnings[0].removeprefix("anomaly: ")
    ]


# ---------------------------------------------------------------------- alerts


class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict]]]:
    handler = type("Handler", (_Webhook,), {"received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/services/T0/B0/secret", handler.received
    server.shutdown()
    server.server_close()


def test_a_failing_run_sends_one_alert_and_a_clean_run_none(
    make_db: DatabaseFactory, tmp_path: Path, webhook: tuple[str, list[dict]]
) -> None:
    url, received = webhook
    landing = tmp_path / "landing"
    cli("generate", "--scale", "0.02", "--days", "1", "--seed", "8", "--clean",
        "--out", str(landing), env={})  # fmt: skip
    conn = make_db("alerts")
    clean = warehouse_run(conn, landing, tmp_path, WAREHOUSE_ALERT_WEBHOOK=url)
    assert clean.returncode == 0, clean.output[-3000:]
    assert received == []
    assert scalar(conn, "select count(*) from audit.dq_alerts") == 0

    broken = landing / "2025-07-02"
    broken.mkdir()
    (broken / "orders.csv").write_text("order_number,customer_id\n1,CUS-0000001\n")
    failing = warehouse_run(conn, landing, tmp_path, WAREHOUSE_ALERT_WEBHOOK=url)
    assert failing.returncode == 1
    assert len(received) == 1
    message = received[0]
    assert message["text"].startswith("Warehouse run ") and " failed " in message["text"]
    assert "1 landing files failed to load" in message["text"]
    assert query(conn, "select status, destination, attempts from audit.dq_alerts") == [
        ("sent", url.split("/")[2], 1)
    ]


def test_a_report_of_a_warehouse_never_assessed_is_one_clear_error(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    result = run_cli("report", "--out", str(tmp_path), env=dbt_env(fresh_db, tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip().endswith(
        "holds no data-quality results yet: run `warehouse run` (or `warehouse build`) first"
    )
    assert not (tmp_path / "dq_report.html").exists()
