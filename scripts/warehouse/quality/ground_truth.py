"""Ground truth: the defects a source says it sent against what the pipeline
flagged, per batch, entity and defect kind.

The generator writes ``<batch>/_manifest.json`` with every defect it injected
(kind, entity, record key, physical line, column). The pipeline's flags are
*signals* on a landing line: an issue code of a base model (``missing_email``,
``unparseable_order_ts``, ...), a standardised value (``standardised:state``),
an exact duplicate, an unresolved reference (``unresolved:customer_id``) or a
quarantined line. Each defect kind expects one signal on its line:

=================== ==========================================
kind                signal on the defect's line
=================== ==========================================
null_required       missing_<column>
bad_date_format     unparseable_<column>
impossible_date     unparseable_<column>
future_timestamp    future_<column>
bad_quantity        non_positive_quantity
negative_amount     negative_<column>
invalid_email       invalid_email
whitespace_case     standardised:<column>
state_variant       standardised:state
duplicate_row       exact_duplicate
orphan_reference    unresolved:<column>
wrong_field_count   quarantined:wrong_field_count
unterminated_quote  quarantined:unterminated_quote
invalid_utf8        quarantined:invalid_utf8
=================== ==========================================

Detected: the expected signal is on the line. Missed: it is not (listed by
key and line). False positive: a signal on a line where no injected defect
expects it, counted against every kind that could have raised it. Two flags
are explained rather than false: an unresolved reference to a record that
itself carries an injected defect (it was rejected or quarantined) or is
sent later than the row naming it, and one from a record the manifest lists
as a late arrival (``normal``: late_customer, paid_before_sent). Signals no
kind raises are reported under the defect ``unattributed``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg

from warehouse.contract import ENTITY_BY_NAME
from warehouse.landing import discover

MANIFEST = "_manifest.json"
EXAMPLES = 20  # missed and false-positive lines listed per row of the table

#: The quality dimension each defect kind counts in (docs/quality.md).
DEFECT_DIMENSIONS: dict[str, str] = {
    "null_required": "completeness",
    "duplicate_row": "uniqueness",
    "bad_date_format": "validity",
    "impossible_date": "validity",
    "bad_quantity": "validity",
    "negative_amount": "validity",
    "invalid_email": "validity",
    "wrong_field_count": "validity",
    "unterminated_quote": "validity",
    "invalid_utf8": "validity",
    "future_timestamp": "accuracy",
    "whitespace_case": "consistency",
    "state_variant": "consistency",
    "orphan_reference": "integrity",
}
UNATTRIBUTED = "unattributed"

#: Quarantine reasons (csvlines) by the line-level kind that causes them.
QUARANTINE_KINDS: tuple[tuple[str, str], ...] = (
    ("invalid UTF-8", "invalid_utf8"),
    ("unterminated quoted field", "unterminated_quote"),
    ("expected ", "wrong_field_count"),
)


def expected_signal(kind: str, column: str) -> str:
    """The signal a defect of ``kind`` in ``column`` must raise on its line."""
    fixed = {
        "bad_quantity": "non_positive_quantity",
        "invalid_email": "invalid_email",
        "state_variant": "standardised:state",
        "duplicate_row": "exact_duplicate",
    }
    if kind in fixed:
        return fixed[kind]
    prefix = {
        "null_required": "missing_",
        "bad_date_format": "unparseable_",
        "impossible_date": "unparseable_",
        "future_timestamp": "future_",
        "negative_amount": "negative_",
        "whitespace_case": "standardised:",
        "orphan_reference": "unresolved:",
    }
    if kind in prefix:
        return prefix[kind] + column
    if kind in dict(QUARANTINE_KINDS).values():
        return f"quarantined:{kind}"
    raise ValueError(f"unknown defect kind {kind!r}")


def quarantine_signal(reason: str) -> str:
    for start, kind in QUARANTINE_KINDS:
        if reason.startswith(start):
            return f"quarantined:{kind}"
    return "quarantined:other"


def kinds_raising(signal: str, entity: str) -> list[str]:
    """The defect kinds that could raise ``signal`` on a line of ``entity``."""
    name, _, column = signal.partition(":")
    if name == "quarantined":
        return [column] if column in dict(QUARANTINE_KINDS).values() else []
    if name == "standardised":
        return ["state_variant"] if column == "state" else ["whitespace_case"]
    if name == "unresolved":
        return ["orphan_reference"]
    if signal in ("exact_duplicate", "invalid_email", "non_positive_quantity"):
        return [{"exact_duplicate": "duplicate_row", "invalid_email": "invalid_email",
                 "non_positive_quantity": "bad_quantity"}[signal]]  # fmt: skip
    for prefix, kinds in (
        ("missing_", ["null_required"]),
        ("future_", ["future_timestamp"]),
        ("negative_", ["negative_amount"]),
    ):
        if signal.startswith(prefix):
            return kinds
    if signal.startswith("unparseable_"):
        column = signal.removeprefix("unparseable_")
        entity_ = ENTITY_BY_NAME.get(entity)
        names = entity_.column_names if entity_ else ()
        if column in names and entity_.column(column).type in ("date", "timestamp"):
            return ["bad_date_format", "impossible_date"]
    return []


@dataclass(frozen=True)
class Defect:
    batch_date: date
    kind: str
    entity: str
    key: str
    line: int
    column: str

    @property
    def file(self) -> str:
        return f"{self.batch_date.isoformat()}/{self.entity}.csv"


@dataclass(frozen=True)
class Signal:
    """A flag the pipeline raised on a landing line."""

    file: str  # <batch>/<entity>.csv
    line: int
    signal: str
    record_key: str | None = None  # the line's record, when known
    referenced_key: str | None = None  # for unresolved references: the missing record


@dataclass
class SourceTruth:
    """What the manifests of a landing zone say was sent."""

    defects: list[Defect] = field(default_factory=list)
    batches: list[date] = field(default_factory=list)  # batches that have a manifest
    # records whose reference arrives late, and records sent after rows naming them
    late_keys: set[tuple[str, str]] = field(default_factory=set)
    sent_later: set[tuple[str, str]] = field(default_factory=set)

    @property
    def defective_keys(self) -> set[tuple[str, str]]:
        return {(d.entity, d.key) for d in self.defects}

    def restricted_to(self, loaded: set[tuple[date, str]]) -> SourceTruth:
        """The defects of the files the warehouse loaded ((batch, entity) pairs),
        and the batches that have any; what explains a flag stays whole."""
        return SourceTruth(
            defects=[d for d in self.defects if (d.batch_date, d.entity) in loaded],
            batches=[b for b in self.batches if any(day == b for day, _ in loaded)],
            late_keys=self.late_keys,
            sent_later=self.sent_later,
        )


def read_manifests(landing: Path) -> SourceTruth:
    """Every batch's defect manifest under ``landing`` (batches without one,
    a source that does not write them, are left out)."""
    truth = SourceTruth()
    for batch in discover(landing):
        path = batch.path / MANIFEST
        if not path.is_file():
            continue
        document = json.loads(path.read_text())
        truth.batches.append(batch.batch_date)
        for group in document.get("defects", []):
            for key, line, column in zip(
                group["keys"], group["lines"], group["columns"], strict=True
            ):
                truth.defects.append(
                    Defect(batch.batch_date, group["kind"], group["entity"], key, line, column)
                )
        normal = document.get("normal", {})
        for key in normal.get("late_customer", {}).get("keys", []):
            truth.late_keys.add(("orders", key))  # orders whose customer arrives later
        for key in normal.get("paid_before_sent", {}).get("keys", []):
            truth.sent_later.add(("orders", key))  # orders sent after their payments
    return truth


@dataclass(frozen=True)
class GroundTruthRow:
    batch_date: date
    entity: str
    defect: str
    dimension: str | None
    injected: int
    detected: int
    missed: list[dict]
    false_positives: list[dict]
    false_positive_count: int

    def as_dict(self) -> dict:
        return {
            "batch_date": self.batch_date.isoformat(),
            "entity": self.entity,
            "defect": self.defect,
            "dimension": self.dimension,
            "injected": self.injected,
            "detected": self.detected,
            "missed": len(self.missed),
            "false_positives": self.false_positive_count,
            "missed_examples": self.missed[:EXAMPLES],
            "false_positive_examples": self.false_positives[:EXAMPLES],
        }


def _entity_of(file: str) -> str:
    return file.rsplit("/", 1)[-1].removesuffix(".csv")


def _batch_of(file: str) -> date:
    return date.fromisoformat(file.split("/", 1)[0])


def compare(truth: SourceTruth, signals: Iterable[Signal]) -> list[GroundTruthRow]:
    """The ground-truth table: one row per (batch, entity, defect kind) that was
    injected or falsely flagged, in batch, entity and kind order."""
    by_line: dict[tuple[str, int], list[Signal]] = defaultdict(list)
    for signal in signals:
        if _batch_of(signal.file) in truth.batches:
            by_line[(signal.file, signal.line)].append(signal)
    expected: dict[tuple[str, int], set[str]] = defaultdict(set)
    injected: dict[tuple[date, str, str], int] = defaultdict(int)
    detected: dict[tuple[date, str, str], int] = defaultdict(int)
    missed: dict[tuple[date, str, str], list[dict]] = defaultdict(list)
    for d in truth.defects:
        wanted = expected_signal(d.kind, d.column)
        expected[(d.file, d.line)].add(wanted)
        group = (d.batch_date, d.entity, d.kind)
        injected[group] += 1
        if any(s.signal == wanted for s in by_line.get((d.file, d.line), [])):
            detected[group] += 1
        else:
            missed[group].append({"key": d.key, "line": d.line, "column": d.column})
    defective = truth.defective_keys
    false: dict[tuple[date, str, str], list[dict]] = defaultdict(list)
    for (file, line), flagged in by_line.items():
        entity = _entity_of(file)
        for s in flagged:
            if s.signal in expected.get((file, line), set()):
                continue
            if s.signal.startswith("unresolved:") and _explained(s, entity, defective, truth):
                continue
            example = {"key": s.record_key, "line": line, "signal": s.signal}
            for kind in kinds_raising(s.signal, entity) or [UNATTRIBUTED]:
                false[(_batch_of(file), entity, kind)].append(example)
    rows = []
    for group in sorted(set(injected) | set(false)):
        batch_date, entity, kind = group
        rows.append(
            GroundTruthRow(
                batch_date=batch_date,
                entity=entity,
                defect=kind,
                dimension=DEFECT_DIMENSIONS.get(kind),
                injected=injected.get(group, 0),
                detected=detected.get(group, 0),
                missed=missed.get(group, []),
                false_positives=false.get(group, []),
                false_positive_count=len(false.get(group, [])),
            )
        )
    return rows


#: Which entity a reference column points to, per referencing entity.
REFERENCES: dict[tuple[str, str], str] = {
    ("orders", "customer_id"): "customers",
    ("order_lines", "order_id"): "orders",
    ("order_lines", "product_id"): "products",
    ("payments", "order_id"): "orders",
    ("campaign_responses", "campaign_id"): "campaigns",
    ("campaign_responses", "customer_id"): "customers",
}


def _explained(
    signal: Signal, entity: str, defective: set[tuple[str, str]], truth: SourceTruth
) -> bool:
    """An unresolved reference that follows from what was sent: the record it
    points to carries an injected defect or is sent later (after the batches
    so far), or the line's record is one whose reference arrives late."""
    column = signal.signal.removeprefix("unresolved:")
    target = REFERENCES.get((entity, column))
    referenced = (target, signal.referenced_key or "")
    if target and (referenced in defective or referenced in truth.sent_later):
        return True
    return (entity, signal.record_key or "") in truth.late_keys


def totals(rows: Iterable[GroundTruthRow]) -> list[dict]:
    """The table summed over batches: one dict per (entity, defect), the shape
    of the report's ``ground_truth`` list."""
    summed: dict[tuple[str, str], dict] = {}
    for row in rows:
        empty = {"injected": 0, "detected": 0, "missed": 0, "false_positives": 0}
        slot = summed.setdefault(
            (row.entity, row.defect),
            {
                "entity": row.entity,
                "defect": row.defect,
                "dimension": row.dimension,
                **empty,
                "missed_examples": [],
                "false_positive_examples": [],
            },
        )
        slot["injected"] += row.injected
        slot["detected"] += row.detected
        slot["missed"] += len(row.missed)
        slot["false_positives"] += row.false_positive_count
        slot["missed_examples"] = (slot["missed_examples"] + row.missed)[:EXAMPLES]
        positives = slot["false_positive_examples"] + row.false_positives
        slot["false_positive_examples"] = positives[:EXAMPLES]
    return [summed[k] for k in sorted(summed)]


def as_mapping(rows: Iterable[GroundTruthRow]) -> Mapping[tuple[str, str], dict]:
    return {(r["entity"], r["defect"]): r for r in totals(rows)}


def record(conn: psycopg.Connection, run_id: str, rows: list[GroundTruthRow]) -> None:
    from warehouse.quality import store

    with conn.transaction():
        store.insert_records(
            conn, "dq_ground_truth", ({"run_id": run_id, **r.as_dict()} for r in rows)
        )
