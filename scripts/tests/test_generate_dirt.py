"""Defects: found in the files by an independent reader, they match the manifest
exactly, their rates match the configuration, and --clean has none."""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from warehouse.contract import CONTRACT_VERSION, ENTITIES, ENTITY_BY_NAME
from warehouse.generate import DEFAULT_DIRT_RATES, GeneratorConfig, generate_landing

# The rules below are this test's own reading of the contract, not the generator's.
# fmt: off
REQUIRED = {
    "customers": {"customer_id", "email", "last_name", "registration_date"},
    "products": {"product_id", "product_name", "retail_price"},
    "orders": {"order_id", "customer_id", "order_ts", "order_status"},
    "order_lines": {"order_line_id", "order_id", "product_id", "quantity", "unit_price"},
    "payments": {"payment_id", "order_id", "amount", "payment_status"},
    "campaigns": {"campaign_id", "campaign_name", "start_date"},
    "campaign_responses": {"response_id", "campaign_id", "customer_id", "response_ts",
                           "response_type"},
}
FOREIGN = {("orders", "customer_id"): "customers", ("order_lines", "order_id"): "orders",
           ("order_lines", "product_id"): "products", ("payments", "order_id"): "orders",
           ("campaign_responses", "campaign_id"): "campaigns",
           ("campaign_responses", "customer_id"): "customers"}
MONEY = {"unit_cost", "retail_price", "shipping_amount", "tax_amount", "unit_price", "amount",
         "budget_amount", "discount_amount", "conversion_value"}
STATES = {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
          "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
          "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
          "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"}
# fmt: on
EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
DIRT_MULTIPLIER = 4.0


def _lines(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return data[:-1].split(b"\n")


def _parse(line: bytes) -> list[str] | None:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return next(csv.reader([text]))


def _universe(root: Path) -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {e.name: set() for e in ENTITIES}
    for path in root.glob("*/*.csv"):
        for line in _lines(path)[1:]:
            keys[path.stem].add(line.decode("utf-8", "replace").split(",")[0].strip())
    return keys


def _value_defect(
    entity: str, column: str, v: str, batch_end: datetime, universe: dict[str, set[str]]
) -> str | None:
    col = ENTITY_BY_NAME[entity].column(column)
    if v == "":
        return "null_required" if column in REQUIRED[entity] else None
    if col.enum:
        return None if v in col.enum else "whitespace_case"
    if column == "currency_code":
        return None if v == "USD" else "whitespace_case"
    if column in ("first_name", "last_name", "category"):
        bad = v != v.strip() or v.isupper() or v.islower()
        return "whitespace_case" if bad else None
    if column == "email":
        if not EMAIL.match(v.strip().lower()):
            return "invalid_email"
        return "whitespace_case" if v != v.strip().lower() else None
    if column == "state":
        return None if v in STATES else "state_variant"
    if col.type in ("date", "timestamp"):
        shape = ISO_DATE if col.type == "date" else ISO_TS
        if not shape.match(v):
            return "bad_date_format"
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            return "impossible_date"
        if col.type == "timestamp" and parsed >= batch_end:
            return "future_timestamp"
        return None
    if column == "quantity":
        return "bad_quantity" if int(v) <= 0 else None
    if column in MONEY:
        assert re.match(r"^-?\d+\.\d\d$", v), (column, v)
        return "negative_amount" if v.startswith("-") else None
    if (entity, column) in FOREIGN:
        return None if v in universe[FOREIGN[entity, column]] else "orphan_reference"
    return None


def detect(root: Path) -> dict[str, set[tuple[str, str, int]]]:
    """(kind, file, line) of every defect found in each batch, by reading the files."""
    universe = _universe(root)
    found: dict[str, set[tuple[str, str, int]]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        batch_end = datetime.combine(
            date.fromisoformat(folder.name), datetime.min.time()
        ) + timedelta(days=1)
        hits = found.setdefault(folder.name, set())
        for path in sorted(folder.glob("*.csv")):
            lines = _lines(path)
            header = lines[0].decode().split(",")
            assert header == list(ENTITY_BY_NAME[path.stem].column_names)
            seen: set[bytes] = set()
            for no, line in enumerate(lines[1:], start=2):
                kinds = []
                fields = _parse(line)
                if fields is None:
                    kinds.append("invalid_utf8")
                elif line.count(b'"') % 2:
                    kinds.append("unterminated_quote")
                elif len(fields) != len(header):
                    kinds.append("wrong_field_count")
                elif line in seen:
                    kinds.append("duplicate_row")
                else:
                    for column, value in zip(header, fields, strict=True):
                        kind = _value_defect(path.stem, column, value, batch_end, universe)
                        if kind:
                            kinds.append(kind)
                seen.add(line)
                assert len(kinds) <= 1, (path, no, kinds)
                hits.update((k, path.stem, no) for k in kinds)
    return found


def _manifest_hits(root: Path) -> dict[str, set[tuple[str, str, int]]]:
    out = {}
    for m in sorted(root.glob("*/_manifest.json")):
        data = json.loads(m.read_text())
        out[m.parent.name] = {
            (d["kind"], d["entity"], line) for d in data["defects"] for line in d["lines"]
        }
    return out


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dirty")
    # no late arrivals here, so every unresolved reference is an injected orphan
    generate_landing(
        GeneratorConfig(
            scale=0.02,
            days=3,
            seed=11,
            dirt_multiplier=DIRT_MULTIPLIER,
            late_order_rate=0,
            late_customer_rate=0,
        ),
        root,
    )
    return root


def test_manifest_matches_defects_found_in_files(dirty: Path) -> None:
    found, recorded = detect(dirty), _manifest_hits(dirty)
    assert found.keys() == recorded.keys()
    for batch in found:
        assert found[batch] == recorded[batch], batch
    kinds = {k for hits in found.values() for k, _, _ in hits}
    assert kinds == set(DEFAULT_DIRT_RATES)  # every kind of the contract is present


def test_manifest_keys_point_at_their_lines(dirty: Path) -> None:
    for m in sorted(dirty.glob("*/_manifest.json")):
        data = json.loads(m.read_text())
        assert data["contract_version"] == CONTRACT_VERSION
        assert "days" not in data["config"]
        for name, stats in data["files"].items():
            lines = _lines(m.parent / name)
            assert len(lines) == stats["lines"] == stats["rows"] + 1
        for d in data["defects"]:
            assert d["count"] == len(d["keys"]) == len(d["lines"]) == len(d["columns"])
            lines = _lines(m.parent / f"{d['entity']}.csv")
            for key, no in zip(d["keys"], d["lines"], strict=True):
                assert lines[no - 1].startswith(key.encode() + b","), (d["kind"], key, no)


def test_defect_rates_match_configuration(dirty: Path) -> None:
    found = detect(dirty)
    rows: Counter[str] = Counter()
    for m in dirty.glob("*/_manifest.json"):
        for name, stats in json.loads(m.read_text())["files"].items():
            rows[name.removesuffix(".csv")] += stats["rows"]
    counts = Counter(k for hits in found.values() for k, _, _ in hits)
    from warehouse.generate.dirt import TARGETS  # which files a kind may hit

    for kind, rate in DEFAULT_DIRT_RATES.items():
        eligible = sum(rows[e] for e in TARGETS[kind])
        expected = eligible * rate * DIRT_MULTIPLIER
        assert abs(counts[kind] - expected) <= 4 * math.sqrt(expected) + 3, (
            kind,
            counts[kind],
            expected,
        )


def test_clean_run_has_no_defects(tmp_path: Path) -> None:
    generate_landing(
        GeneratorConfig(
            scale=0.02, days=2, seed=11, clean=True, late_order_rate=0, late_customer_rate=0
        ),
        tmp_path,
    )
    assert all(not hits for hits in detect(tmp_path).values())
    for m in tmp_path.glob("*/_manifest.json"):
        assert json.loads(m.read_text())["defects"] == []


def test_every_record_is_one_physical_line(dirty: Path) -> None:
    for path in dirty.glob("*/*.csv"):
        raw = path.read_bytes()
        assert b"\r" not in raw
        for line in _lines(path):
            # a quoted field never spans lines: quotes balance on each clean line
            fields = _parse(line)
            if fields is not None and line.count(b'"') % 2 == 0:
                assert all("\n" not in f for f in fields)
