"""Defect injection: what sources are known to send, at configurable rates.

Each defect kind has a rate: the probability that a row of an eligible file
carries it. Rows are picked per file chunk with a generator seeded by (seed,
batch, entity, chunk), and a row carries at most one defect, so every defect is
recorded in the manifest with exactly one key and one physical line. Malformed
CSV defects are confined to their own physical line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import Entity

from .config import DEFECT_KINDS, GeneratorConfig
from .pools import US_STATES

ALL = "*"
#: kind -> entity -> columns the defect may hit (ALL: the whole line).
TARGETS: dict[str, dict[str, tuple[str, ...]]] = {
    "duplicate_row": {
        e: (ALL,)
        for e in (
            "customers",
            "products",
            "orders",
            "order_lines",
            "payments",
            "campaigns",
            "campaign_responses",
        )
    },
    "whitespace_case": {
        "customers": ("first_name", "last_name", "email", "customer_segment", "account_status"),
        "products": ("category", "product_status"),
        "orders": ("order_status", "sales_channel", "currency_code"),
        "payments": ("payment_method", "payment_status"),
        "campaigns": ("channel",),
        "campaign_responses": ("response_type",),
    },
    "invalid_email": {"customers": ("email",)},
    "state_variant": {"customers": ("state",)},
    "null_required": {
        "customers": ("email", "last_name", "registration_date"),
        "products": ("product_name", "retail_price"),
        "orders": ("customer_id", "order_ts", "order_status"),
        "order_lines": ("order_id", "product_id", "quantity", "unit_price"),
        "payments": ("order_id", "amount", "payment_status"),
        "campaigns": ("campaign_name", "start_date"),
        "campaign_responses": ("campaign_id", "customer_id", "response_ts", "response_type"),
    },
    "bad_date_format": {
        "customers": ("date_of_birth", "registration_date"),
        "orders": ("order_ts",),
        "campaigns": ("start_date", "end_date"),
    },
    "impossible_date": {
        "customers": ("date_of_birth", "registration_date"),
        "orders": ("order_ts",),
        "campaigns": ("start_date", "end_date"),
    },
    "future_timestamp": {
        "customers": ("updated_at",),
        "products": ("updated_at",),
        "orders": ("order_ts", "updated_at"),
        "order_lines": ("updated_at",),
        "payments": ("updated_at",),
        "campaigns": ("updated_at",),
        "campaign_responses": ("response_ts", "updated_at"),
    },
    "bad_quantity": {"order_lines": ("quantity",)},
    "negative_amount": {
        "products": ("unit_cost", "retail_price"),
        "orders": ("shipping_amount", "tax_amount"),
        "order_lines": ("unit_price",),
        "payments": ("amount",),
        "campaigns": ("budget_amount",),
    },
    "orphan_reference": {
        "orders": ("customer_id",),
        "order_lines": ("order_id", "product_id"),
        "payments": ("order_id",),
        "campaign_responses": ("campaign_id", "customer_id"),
    },
    "wrong_field_count": {
        e: (ALL,)
        for e in (
            "customers",
            "products",
            "orders",
            "order_lines",
            "payments",
            "campaigns",
            "campaign_responses",
        )
    },
    "unterminated_quote": {
        e: (ALL,)
        for e in (
            "customers",
            "products",
            "orders",
            "order_lines",
            "payments",
            "campaigns",
            "campaign_responses",
        )
    },
    "invalid_utf8": {
        "customers": ("first_name", "last_name", "address", "city"),
        "products": ("product_name", "brand"),
        "campaigns": ("campaign_name",),
    },
}
assert set(TARGETS) == set(DEFECT_KINDS)

#: Line-level kinds, applied to the rendered line rather than to a value.
LINE_KINDS = ("wrong_field_count", "unterminated_quote")
#: Orphan references use id ranges the generator never reaches.
ORPHAN_PREFIX = {
    "customer_id": ("CUS-9", 6),
    "product_id": ("PRD-9", 4),
    "order_id": ("ORD-9", 7),
    "campaign_id": ("CMP-9", 3),
}
#: Stand-in for a byte that is not UTF-8; replaced by 0xE9 (Latin-1 'é') after rendering.
BAD_BYTE_MARK = "\ue000"
_STATE = {code: (name, ap) for code, name, ap in US_STATES}


@dataclass
class DefectLog:
    """Defects of one batch: kind -> entity -> aligned keys, lines, columns."""

    entries: dict[str, dict[str, dict[str, list]]] = field(default_factory=dict)

    def add(
        self, kind: str, entity: str, keys: list[str], lines: list[int], columns: list[str]
    ) -> None:
        if not keys:
            return
        slot = self.entries.setdefault(kind, {}).setdefault(
            entity, {"keys": [], "lines": [], "columns": []}
        )
        slot["keys"].extend(keys)
        slot["lines"].extend(lines)
        slot["columns"].extend(columns)

    def as_list(self) -> list[dict]:
        out = []
        for kind in DEFECT_KINDS:
            for entity, slot in sorted(self.entries.get(kind, {}).items()):
                order = np.argsort(slot["lines"], kind="stable")
                out.append(
                    {
                        "kind": kind,
                        "entity": entity,
                        "count": len(slot["keys"]),
                        "keys": [slot["keys"][i] for i in order],
                        "lines": [int(slot["lines"][i]) for i in order],
                        "columns": [slot["columns"][i] for i in order],
                    }
                )
        return out

    def counts(self) -> dict[str, int]:
        return {k: sum(len(s["keys"]) for s in ents.values()) for k, ents in self.entries.items()}


@dataclass
class Plan:
    """Which rows of a chunk get which defect (disjoint row sets)."""

    cells: dict[str, tuple[np.ndarray, list[str]]]  # kind -> (rows, column per row)
    lines: dict[str, np.ndarray]  # line-level kind -> rows
    duplicates: np.ndarray  # rows copied once more


def plan(entity: Entity, n: int, config: GeneratorConfig, rng: np.random.Generator) -> Plan:
    counts: dict[str, int] = {}
    for kind in DEFECT_KINDS:
        rate = config.rate(kind)
        if rate > 0 and entity.name in TARGETS[kind] and n > 0:
            counts[kind] = int(rng.binomial(n, rate))
    total = min(n, sum(counts.values()))
    picked = rng.choice(n, size=total, replace=False) if total else np.zeros(0, dtype=np.int64)
    cells: dict[str, tuple[np.ndarray, list[str]]] = {}
    lines: dict[str, np.ndarray] = {}
    dup = np.zeros(0, dtype=np.int64)
    at = 0
    for kind, k in counts.items():
        rows = np.sort(picked[at : at + k])
        at += k
        if kind == "duplicate_row":
            dup = rows
        elif kind in LINE_KINDS:
            lines[kind] = rows
        else:
            options = TARGETS[kind][entity.name]
            cols = [options[i] for i in rng.integers(0, len(options), len(rows))]
            cells[kind] = (rows, cols)
    return Plan(cells=cells, lines=lines, duplicates=dup)


def _differs(value: str, variants: list[str], rng: np.random.Generator) -> str:
    for i in rng.permutation(len(variants)):
        if variants[i] != value:
            return variants[i]
    return f" {value} "


def dirty_value(
    kind: str,
    column: str,
    value: str | None,
    entity: Entity,
    rng: np.random.Generator,
    batch_end: datetime,
) -> str | None:
    """The dirty version of one clean value."""
    if kind == "null_required":
        return None
    assert value is not None
    if kind == "whitespace_case":
        if column in ("first_name", "last_name"):
            return _differs(value, [f" {value}", f"{value} ", value.upper(), value.lower()], rng)
        if column == "email":
            return _differs(value, [value.upper(), f" {value}", f"{value} ", value.title()], rng)
        return _differs(
            value,
            [
                f" {value} ",
                value.upper(),
                value.lower(),
                value.replace("_", " ").title(),
                f"{value} ",
            ],
            rng,
        )
    if kind == "invalid_email":
        local, _, domain = value.partition("@")
        return [
            f"{local}{domain}",
            f"{local}@@{domain}",
            f"{local}@",
            f"{local} at {domain}",
            f"{local}@{domain.split('.')[0]}",
            f"{local[:3]} {local[3:]}@{domain}",
        ][rng.integers(0, 6)]
    if kind == "state_variant":
        name, ap = _STATE[value]
        return _differs(value, [name, name.lower(), ap, value.lower(), name.upper()], rng)
    if kind in ("bad_date_format", "impossible_date"):
        is_ts = entity.column(column).type == "timestamp"
        stamp = datetime.fromisoformat(value)
        if kind == "bad_date_format":
            fmts = (
                ["%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y/%m/%d %H:%M:%S"]
                if is_ts
                else ["%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%b-%Y", "%Y%m%d"]
            )
            return stamp.strftime(fmts[rng.integers(0, len(fmts))])
        md = ["02-30", "02-31", "04-31", "06-31", "13-01", "00-10", "11-31"][rng.integers(0, 7)]
        bad = f"{stamp.year:04d}-{md}"
        return f"{bad} {stamp:%H:%M:%S}" if is_ts else bad
    if kind == "future_timestamp":
        future = batch_end + timedelta(
            days=int(rng.integers(30, 1000)), seconds=int(rng.integers(0, 86_400))
        )
        return f"{future:%Y-%m-%d %H:%M:%S}"
    if kind == "bad_quantity":
        return ["0", f"-{value}"][rng.integers(0, 2)]
    if kind == "negative_amount":
        if value in ("0.00", ""):
            return f"-{rng.integers(1, 5000)}.{rng.integers(0, 100):02d}"
        return f"-{value}"
    if kind == "orphan_reference":
        prefix, width = ORPHAN_PREFIX[column]
        return f"{prefix}{rng.integers(0, 10**width):0{width}d}"
    if kind == "invalid_utf8":
        return value + BAD_BYTE_MARK
    raise ValueError(f"no cell transform for {kind}")


def apply_cells(
    entity: Entity,
    cols: dict[str, pa.Array],
    p: Plan,
    rng: np.random.Generator,
    batch_end: datetime,
) -> set[str]:
    """Replace the planned cells in ``cols`` (in place); return the touched columns."""
    changes: dict[str, dict[int, str | None]] = {}
    for kind, (rows, columns) in p.cells.items():
        for row, column in zip(rows.tolist(), columns, strict=True):
            value = cols[column][row].as_py()
            changes.setdefault(column, {})[row] = dirty_value(
                kind, column, value, entity, rng, batch_end
            )
    for column, by_row in changes.items():
        rows = sorted(by_row)
        mask = np.zeros(len(cols[column]), dtype=bool)
        mask[rows] = True
        cols[column] = pc.replace_with_mask(
            cols[column], pa.array(mask), pa.array([by_row[r] for r in rows], pa.string())
        )
    return set(changes)


def apply_lines(lines: list[bytes], kind: str, rng: np.random.Generator) -> list[bytes]:
    """Break whole lines: a field too many or too few, or an unterminated quote
    on the last field (which never contains a comma or quote when clean)."""
    out = []
    for line in lines:
        head, _, last = line.rpartition(b",")
        if kind == "unterminated_quote":
            out.append(head + b',"' + last)
        elif rng.integers(0, 2):
            out.append(head)
        else:
            out.append(line + [b",", b",extra", b',"x"'][rng.integers(0, 3)])
    return out
