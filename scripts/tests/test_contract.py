"""The project's copy of the landing contract, the contract module and the dbt
sources say the same thing."""

from __future__ import annotations

import re

import pytest
import yaml

from warehouse.contract import CONTRACT_VERSION, ENTITIES, ENTITY_BY_NAME

from .conftest import PROJECT_DIR

DOCS_COPY = PROJECT_DIR / "docs" / "landing-contract.md"
SHARED = PROJECT_DIR.parent / "shared" / "landing-contract.md"


def contract_table(text: str) -> dict[str, tuple[str, list[str]]]:
    """entity -> (key, columns) from the markdown table of the contract."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^\| (\w+)\.csv \([^)]*\) \| (\w+) \| (.+) \|$", line)
        if match:
            columns = [re.sub(r"\s*\(.*", "", c).strip() for c in _split_columns(match[3])]
            rows[match[1]] = (match[2], columns)
    return rows


def _split_columns(text: str) -> list[str]:
    # Commas inside parentheses (enum lists) do not separate columns.
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def test_docs_copy_names_every_entity_with_its_key_and_columns() -> None:
    table = contract_table(DOCS_COPY.read_text())
    assert set(table) == set(ENTITY_BY_NAME)
    for entity in ENTITIES:
        key, columns = table[entity.name]
        assert key == entity.key
        assert tuple(columns) == entity.column_names


def test_docs_copy_states_the_contract_version() -> None:
    assert f"version {CONTRACT_VERSION}" in DOCS_COPY.read_text().splitlines()[0]


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this clone")
def test_docs_copy_is_the_shared_contract() -> None:
    assert DOCS_COPY.read_text() == SHARED.read_text()


def test_enums_match_the_contract_text() -> None:
    text = DOCS_COPY.read_text()
    for entity in ENTITIES:
        for column in entity.columns:
            if column.enum:
                assert f"{column.name} ({', '.join(column.enum)})" in text


def _source_tables() -> dict[str, dict]:
    tables = {}
    for path in (PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            if source["name"] in ("audit", "ingestion"):
                continue  # what the wrapper writes about itself: no landing entity
            for table in source["tables"]:
                tables[table["name"]] = {"source": source["name"], **table}
    return tables


def test_dbt_sources_declare_the_contract_columns_and_load_metadata() -> None:
    from warehouse.contract import RAW_METADATA_COLUMNS

    tables = _source_tables()
    assert tables, "no dbt sources found"
    for name, table in tables.items():
        entity = ENTITY_BY_NAME[name]
        assert table["source"] == entity.source
        declared = [c["name"] for c in table["columns"]]
        assert declared == [*entity.column_names, *RAW_METADATA_COLUMNS]
        assert all(c.get("description") for c in table["columns"])
