"""The data-quality framework's pure parts, without a database: dbt artifacts
read into checks, the scorecard, the anomaly method, the ground-truth
comparison and the alert webhook's retries (against a local HTTP server)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from warehouse.quality import alerts, ground_truth
from warehouse.quality.anomalies import Method, judge
from warehouse.quality.artifacts import Artifacts, data_tests, node_timings
from warehouse.quality.ground_truth import Defect, Signal, SourceTruth, compare, totals
from warehouse.quality.scorecard import scorecard

# ------------------------------------------------------------------ artifacts


def _artifacts() -> Artifacts:
    model = {
        "unique_id": "model.p.fct_orders",
        "resource_type": "model",
        "name": "fct_orders",
        "relation_name": '"db"."marts"."fct_orders"',
    }
    base = {
        "unique_id": "model.p.base_orders",
        "resource_type": "model",
        "name": "base_orders",
        "relation_name": '"db"."staging"."base_orders"',
    }
    exceptions = {
        "unique_id": "model.p.fct_row_exceptions",
        "resource_type": "model",
        "name": "fct_row_exceptions",
        "relation_name": '"db"."marts"."fct_row_exceptions"',
    }

    def test(name: str, generic: str | None, attached: str | None, nodes: list[str], **config):
        return {
            "unique_id": f"test.p.{name}",
            "resource_type": "test",
            "name": name,
            "attached_node": attached,
            "column_name": config.pop("column", None),
            "test_metadata": {"name": generic, "kwargs": {}} if generic else None,
            "depends_on": {"nodes": nodes},
            "config": {"severity": "ERROR", "warn_if": "!= 0", "error_if": "!= 0", **config},
        }

    nodes = {
        n["unique_id"]: n
        for n in (
            model,
            base,
            exceptions,
            test(
                "not_null_fct_orders_order_id",
                "not_null",
                model["unique_id"],
                [model["unique_id"]],
                column="order_id",
                meta={"dimension": "completeness"},
            ),
            test(
                "dq_orders_exact_duplicates",
                "failure_rate",
                exceptions["unique_id"],
                [base["unique_id"], exceptions["unique_id"]],
                meta={"dimension": "uniqueness"},
            ),
            test(
                "assert_totals", None, None, [model["unique_id"]], meta={"dimension": "consistency"}
            ),
        )  # fmt: skip
    }
    results = [
        {"unique_id": "test.p.not_null_fct_orders_order_id", "status": "pass", "failures": 0,
         "execution_time": 0.1, "relation_name": '"db"."dq_failures"."nn"',
         "timing": [{"name": "execute", "started_at": "2025-01-01T00:00:00Z",
                     "completed_at": "2025-01-01T00:00:01Z"}]},
        {"unique_id": "test.p.dq_orders_exact_duplicates", "status": "warn", "failures": 2,
         "execution_time": 0.2, "relation_name": None, "timing": []},
        {"unique_id": "test.p.assert_totals", "status": "fail", "failures": 3,
         "execution_time": 0.3, "relation_name": None, "timing": []},
        {"unique_id": "model.p.fct_orders", "status": "success", "failures": None,
         "execution_time": 1.5, "adapter_response": {"rows_affected": 42}, "timing": []},
    ]  # fmt: skip
    return Artifacts(
        {"nodes": nodes, "sources": {}},
        {"metadata": {"invocation_id": "inv-1"}, "results": results},
    )


def test_tests_are_read_with_dimension_model_population_and_outcome() -> None:
    outcomes = {o.name: o for o in data_tests(_artifacts())}
    assert set(outcomes) == {
        "not_null_fct_orders_order_id", "dq_orders_exact_duplicates", "assert_totals",
    }  # fmt: skip
    not_null = outcomes["not_null_fct_orders_order_id"]
    assert (not_null.dimension, not_null.model, not_null.column, not_null.status) == (
        "completeness", "fct_orders", "order_id", "pass",
    )  # fmt: skip
    assert not_null.severity == "error"
    assert not_null.failures_relation == '"db"."dq_failures"."nn"'
    rate = outcomes["dq_orders_exact_duplicates"]
    assert rate.model == "fct_row_exceptions"
    assert rate.population_relation == '"db"."staging"."base_orders"'  # not the exceptions
    singular = outcomes["assert_totals"]
    assert (singular.test_type, singular.model, singular.population_relation) == (
        "singular", "fct_orders", None,
    )  # fmt: skip
    timings = {t.name: t for t in node_timings(_artifacts())}
    assert timings["fct_orders"].rows_affected == 42
    assert timings["not_null_fct_orders_order_id"].execution_seconds == 0.1


def test_the_scorecard_counts_per_dimension_and_model_with_thresholds() -> None:
    thresholds = {"uniqueness": 0.9, "overall": 0.5}
    scores = {(s.scope, s.name): s for s in scorecard(data_tests(_artifacts()), thresholds)}
    overall = scores[("overall", "overall")]
    assert (overall.checks, overall.passed, overall.warned, overall.failed) == (3, 1, 1, 1)
    assert overall.score == pytest.approx(1 / 3) and overall.below_threshold
    uniqueness = scores[("dimension", "uniqueness")]
    assert (uniqueness.checks, uniqueness.passed, uniqueness.warned) == (1, 0, 1)
    assert uniqueness.below_threshold
    assert scores[("dimension", "timeliness")].checks == 0
    assert scores[("dimension", "timeliness")].score is None
    assert not scores[("dimension", "timeliness")].below_threshold
    assert scores[("model", "fct_orders")].checks == 2


# ------------------------------------------------------------------ anomalies


def test_a_value_far_from_a_steady_history_is_an_anomaly_with_its_range() -> None:
    history = [100, 104, 97, 101, 99, 103, 98, 102]
    verdict = judge(history, 1000, Method(floor=1))
    assert verdict is not None and verdict.is_anomaly
    assert verdict.median == 100.5
    assert verdict.mad == 2.0
    assert verdict.expected_low == pytest.approx(100.5 - 3.5 * 2 / 0.6745)
    assert verdict.expected_high == pytest.approx(100.5 + 3.5 * 2 / 0.6745)
    assert not judge(history, 108, Method(floor=1)).is_anomaly


def test_too_short_a_history_gives_no_verdict_and_a_flat_one_uses_the_floor() -> None:
    assert judge([10, 10, 10], 500) is None
    flat = judge([50] * 10, 52, Method(floor=1, floor_fraction=0.05))
    assert flat.mad == 2.5 and not flat.is_anomaly
    assert judge([1, 2] * 5, 0, Method(floor=1, minimum=0)).expected_low == 0


# --------------------------------------------------------------- ground truth

BATCH = date(2025, 1, 2)
FILE = "2025-01-02/customers.csv"


def _truth(*defects: tuple[str, str, str, int, str]) -> SourceTruth:
    return SourceTruth(
        defects=[
            Defect(BATCH, kind, entity, key, line, column)
            for kind, entity, key, line, column in defects
        ],  # fmt: skip
        batches=[BATCH],
    )


def test_every_kind_expects_its_signal_on_its_line() -> None:
    truth = _truth(
        ("null_required", "customers", "C1", 2, "email"),
        ("invalid_email", "customers", "C2", 3, "email"),
        ("state_variant", "customers", "C3", 4, "state"),
        ("invalid_utf8", "customers", "C4", 5, "city"),
        ("duplicate_row", "customers", "C5", 7, "*"),
    )
    signals = [
        Signal(FILE, 2, "missing_email", "C1"),
        Signal(FILE, 3, "invalid_email", "C2"),
        Signal(FILE, 4, "standardised:state", "C3"),
        Signal(FILE, 5, "quarantined:invalid_utf8"),
        Signal(FILE, 7, "exact_duplicate", "C5"),
    ]
    rows = compare(truth, signals)
    assert [(r.defect, r.injected, r.detected, r.false_positive_count) for r in rows] == [
        ("duplicate_row", 1, 1, 0), ("invalid_email", 1, 1, 0), ("invalid_utf8", 1, 1, 0),
        ("null_required", 1, 1, 0), ("state_variant", 1, 1, 0),
    ]  # fmt: skip
    assert {r.dimension for r in rows} == {"uniqueness", "validity", "completeness",
                                            "consistency"}  # fmt: skip


def test_a_flag_on_the_wrong_line_or_column_is_missed_and_false() -> None:
    truth = _truth(("null_required", "customers", "C1", 2, "email"))
    rows = compare(truth, [Signal(FILE, 2, "missing_last_name", "C1"),
                           Signal(FILE, 9, "invalid_email", "C9")])  # fmt: skip
    by_kind = {r.defect: r for r in rows}
    assert by_kind["null_required"].detected == 0
    assert by_kind["null_required"].missed == [{"key": "C1", "line": 2, "column": "email"}]
    assert by_kind["null_required"].false_positive_count == 1  # missing_last_name on line 2
    assert by_kind["invalid_email"].injected == 0
    assert by_kind["invalid_email"].false_positive_count == 1
    summed = {r["defect"]: r for r in totals(rows)}
    assert summed["null_required"]["missed"] == 1


def test_unresolved_references_to_defective_or_later_records_are_explained() -> None:
    truth = _truth(("null_required", "orders", "O7", 3, "order_ts"))
    truth.sent_later.add(("orders", "O8"))
    lines = "2025-01-02/order_lines.csv"
    rows = compare(truth, [
        Signal(lines, 2, "unresolved:order_id", "L1", "O7"),  # its order was rejected
        Signal(lines, 3, "unresolved:order_id", "L2", "O8"),  # its order comes later
        Signal(lines, 4, "unresolved:order_id", "L3", "O9"),  # nothing explains it
    ])  # fmt: skip
    false = {r.defect: r.false_positives for r in rows if r.false_positive_count}
    unexplained = {"key": "L3", "line": 4, "signal": "unresolved:order_id"}
    assert false == {"orphan_reference": [unexplained]}


def test_manifests_are_read_from_a_landing_zone(tmp_path) -> None:
    folder = tmp_path / "2025-01-02"
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id\n")
    (folder / "_manifest.json").write_text(json.dumps({
        "defects": [{"kind": "invalid_email", "entity": "customers", "count": 1,
                     "keys": ["C1"], "lines": [2], "columns": ["email"]}],
        "normal": {"late_customer": {"keys": ["O1"]}, "paid_before_sent": {"keys": ["O2"]}},
    }))  # fmt: skip
    truth = ground_truth.read_manifests(tmp_path)
    assert truth.batches == [BATCH]
    assert truth.defects == [Defect(BATCH, "invalid_email", "customers", "C1", 2, "email")]
    assert truth.late_keys == {("orders", "O1")} and truth.sent_later == {("orders", "O2")}
    assert truth.restricted_to(set()).defects == []


# --------------------------------------------------------------------- alerts


class _Webhook(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        code = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[_Webhook]]]:
    handler = type("Handler", (_Webhook,), {"answers": [], "received": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/secret", handler
    server.shutdown()
    server.server_close()


def test_an_alert_is_retried_on_transient_errors_and_sent_once(webhook) -> None:
    url, handler = webhook
    handler.answers = [503, 429]
    message = alerts.payload("r1", "db", [alerts.Reason("run_failed", "dbt failed")], None)
    outcome = alerts.send(url, message, wait_multiplier=0.01)
    assert (outcome.status, outcome.attempts, outcome.response_code) == ("sent", 3, 200)
    assert len(outcome.retries) == 2 and "HTTP 503" in outcome.retries[0]
    assert handler.received == [message] * 3
    assert message["text"].startswith("Warehouse run r1 failed")
    assert message["blocks"][0]["type"] == "header"


def test_a_refused_alert_is_not_retried(webhook) -> None:
    url, handler = webhook
    handler.answers = [404]
    outcome = alerts.send(url, {"text": "x"}, wait_multiplier=0.01)
    assert (outcome.status, outcome.attempts) == ("failed", 1)
    assert outcome.error == "HTTP 404 Not Found"


def test_an_unreachable_webhook_fails_after_every_attempt() -> None:
    outcome = alerts.send("http://127.0.0.1:9/hook", {"text": "x"}, wait_multiplier=0.01)
    assert (outcome.status, outcome.attempts) == ("failed", alerts.ATTEMPTS)
    assert outcome.error.startswith("no answer")
