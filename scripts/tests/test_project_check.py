"""The project check (warehouse.project_check): each rule catches what it names
on a small hand-made manifest, exceptions need a reason and must be needed, and
the project itself, parsed by dbt, passes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from warehouse import db, dbt_runner
from warehouse.config import Settings
from warehouse.project_check import RULES, Violation, check

P = "model.p."


def model(
    name: str,
    path: str,
    *,
    parents: tuple[str, ...] = (),
    access: str = "protected",
    contract: bool = False,
    description: str = "Described.",
    columns: dict[str, str] | None = None,
    exceptions: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta = {"project_check_exceptions": exceptions} if exceptions is not None else {}
    return {
        "resource_type": "model",
        "name": name,
        "path": path,
        "access": access,
        "description": description,
        "columns": {c: {"description": d} for c, d in (columns or {"id": "Key."}).items()},
        "config": {"contract": {"enforced": contract}, "meta": meta},
        "_parents": parents,
    }


def pk_tests(*models: str) -> dict[str, dict[str, Any]]:
    tests = {}
    for name in models:
        for kind in ("unique", "not_null"):
            tests[f"test.p.{kind}_{name}"] = {
                "resource_type": "test",
                "test_metadata": {"name": kind},
                "attached_node": P + name,
                "column_name": "id",
                "config": {},
            }
    return tests


def manifest(*models: dict[str, Any], exposures: dict[str, list[str]] | None = None) -> dict:
    """A manifest of these models (each with a primary-key test), their parents
    (model names, or source.<name>) and exposures (name -> model names)."""
    nodes: dict[str, Any] = {P + m["name"]: m for m in models}
    nodes.update(pk_tests(*(m["name"] for m in models)))
    parent_map: dict[str, list[str]] = {}
    child_map: dict[str, list[str]] = {}
    for m in models:
        parents = [p if p.startswith("source.") else P + p for p in m.pop("_parents")]
        parent_map[P + m["name"]] = parents
        for parent in parents:
            child_map.setdefault(parent, []).append(P + m["name"])
    exposure_nodes = {}
    for name, reads in (exposures or {}).items():
        uid = f"exposure.p.{name}"
        exposure_nodes[uid] = {"name": name, "depends_on": {"nodes": [P + r for r in reads]}}
        for read in reads:
            child_map.setdefault(P + read, []).append(uid)
    return {
        "nodes": nodes,
        "exposures": exposure_nodes,
        "parent_map": parent_map,
        "child_map": child_map,
    }


def rules(found: list[Violation]) -> set[tuple[str, str]]:
    return {(v.rule, v.node) for v in found}


def clean_chain() -> list[dict[str, Any]]:
    return [
        model("base_shop__orders", "staging/shop/base/base_shop__orders.sql",
              parents=("source.p.shop.orders",), access="private"),
        model("stg_shop__orders", "staging/shop/stg_shop__orders.sql",
              parents=("base_shop__orders",)),
        model("fct_orders", "marts/fct_orders.sql", parents=("stg_shop__orders",),
              access="public", contract=True),
        model("sales_summary_daily", "gold/sales_summary_daily.sql", parents=("fct_orders",),
              access="public", contract=True),
    ]  # fmt: skip


def test_a_clean_project_passes() -> None:
    assert check(manifest(*clean_chain(), exposures={"dash": ["sales_summary_daily"]})) == []


def test_a_model_without_a_primary_key_test_is_reported() -> None:
    project = manifest(*clean_chain())
    del project["nodes"]["test.p.not_null_fct_orders"]
    assert rules(check(project)) == {("primary_key_test", "fct_orders")}


def test_a_filtered_uniqueness_test_is_no_primary_key() -> None:
    project = manifest(*clean_chain())
    project["nodes"]["test.p.unique_fct_orders"]["config"] = {"where": "is_current"}
    assert rules(check(project)) == {("primary_key_test", "fct_orders")}


def test_undocumented_models_and_columns_are_reported() -> None:
    chain = clean_chain()
    chain[1]["description"] = " "
    chain[2]["columns"] = {"id": {"description": "Key."}, "amount": {"description": ""}}
    found = check(manifest(*chain))
    assert rules(found) == {("documentation", "stg_shop__orders"), ("documentation", "fct_orders")}
    assert any("column amount" in v.message for v in found)


def test_sources_joined_to_models_or_to_each_other_are_reported() -> None:
    chain = clean_chain()
    chain[1]["_parents"] = ("base_shop__orders", "source.p.shop.orders")
    chain[0]["_parents"] = ("source.p.shop.orders", "source.p.shop.order_lines")
    assert rules(check(manifest(*chain))) == {
        ("direct_source_join", "stg_shop__orders"),
        ("multiple_sources_joined", "base_shop__orders"),
    }


def test_staging_reading_staging_or_downstream_is_reported() -> None:
    chain = clean_chain()
    other = model("stg_shop__order_lines", "staging/shop/stg_shop__order_lines.sql",
                  parents=("stg_shop__orders",))  # fmt: skip
    chain[0]["_parents"] = ("source.p.shop.orders",)
    late = model("stg_shop__returns", "staging/shop/stg_shop__returns.sql",
                 parents=("fct_orders",))  # fmt: skip
    found = rules(check(manifest(*chain, other, late)))
    assert found == {
        ("staging_to_staging", "stg_shop__order_lines"),
        ("staging_to_staging", "stg_shop__returns"),
    }


def test_rejoining_an_upstream_concept_is_reported() -> None:
    chain = clean_chain()
    middle = model("int_orders_ranked", "intermediate/int_orders_ranked.sql",
                   parents=("stg_shop__orders",), access="private")  # fmt: skip
    chain[2]["_parents"] = ("stg_shop__orders", "int_orders_ranked")
    assert rules(check(manifest(*chain, middle))) == {("rejoining_upstream_concepts", "fct_orders")}


def test_too_many_parents_and_too_many_unread_children_are_reported() -> None:
    chain = clean_chain()
    stg = [
        model(
            f"stg_shop__entity_{'abcdefgh'[i]}",
            f"staging/shop/stg_shop__entity_{'abcdefgh'[i]}.sql",
            parents=("base_shop__orders",),
        )
        for i in range(8)
    ]
    wide = model("fct_wide", "marts/fct_wide.sql", parents=tuple(m["name"] for m in stg),
                 access="public", contract=True)  # fmt: skip
    leaves = [
        model(f"leaf_{i}", f"gold/leaf_{i}.sql", parents=("fct_orders",), access="public",
              contract=True)
        for i in range(4)
    ]  # fmt: skip
    found = rules(check(manifest(*chain, *stg, wide, *leaves)))
    assert found == {("too_many_joins", "fct_wide"), ("model_fanout", "fct_orders")}


def test_children_an_exposure_reads_are_no_fanout() -> None:
    chain = clean_chain()
    leaves = [
        model(f"leaf_{i}", f"gold/leaf_{i}.sql", parents=("fct_orders",), access="public",
              contract=True)
        for i in range(4)
    ]  # fmt: skip
    exposures = {f"dash_{i}": [f"leaf_{i}"] for i in range(4)}
    assert check(manifest(*chain, *leaves, exposures=exposures)) == []


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("orders", "staging/shop/base/base_shop__orders.sql"),  # no base_ prefix
        ("stg_crm__orders", "staging/shop/stg_crm__orders.sql"),  # another source's folder
        ("orders_ranked", "intermediate/orders_ranked.sql"),
        ("orders", "marts/orders.sql"),
        ("fct_sales", "gold/fct_sales.sql"),  # gold keeps business names
        ("orders", "elsewhere/orders.sql"),
    ],
)
def test_names_follow_the_layer_of_their_folder(name: str, path: str) -> None:
    assert rules(check(manifest(*clean_chain(), model(name, path)))) == {("naming", name)}


def test_exposures_on_non_public_models_and_public_models_without_contract() -> None:
    chain = clean_chain()
    chain[3]["config"]["contract"]["enforced"] = False
    found = rules(check(manifest(*chain, exposures={"dash": ["stg_shop__orders"]})))
    assert found == {("exposure_public", "dash"), ("public_contract", "sales_summary_daily")}


def test_an_exception_with_a_reason_covers_its_rule_only() -> None:
    chain = clean_chain()
    chain[1]["_parents"] = ("base_shop__orders", "source.p.shop.orders")
    chain[1]["description"] = ""
    chain[1]["config"]["meta"] = {
        "project_check_exceptions": {"direct_source_join": "Why it must read both."}
    }
    assert rules(check(manifest(*chain))) == {("documentation", "stg_shop__orders")}


@pytest.mark.parametrize(
    ("exceptions", "message"),
    [
        ({"direct_source_join": ""}, "excepted without a reason"),
        ({"too_many_joins": "Not needed."}, "breaks no such rule"),
        ({"no_such_rule": "Typo."}, "does not exist"),
    ],
)
def test_exceptions_without_reason_unneeded_or_unknown_are_reported(
    exceptions: dict[str, str], message: str
) -> None:
    chain = clean_chain()
    chain[1]["_parents"] = ("base_shop__orders", "source.p.shop.orders")
    chain[1]["config"]["meta"] = {"project_check_exceptions": exceptions}
    found = check(manifest(*chain))
    assert any(message in v.message and v.node == "stg_shop__orders" for v in found), found


def test_every_rule_is_named_in_the_module() -> None:
    assert len(RULES) == len(set(RULES)) == 11


@pytest.mark.db
def test_the_project_passes_the_check(
    settings: Settings, server: db.Connection, tmp_path: Path
) -> None:
    """dbt parse (no connection) into a folder of the test's own, then the check:
    no violation, and every exception the yml declares is justified and needed."""
    dbt_runner.write_profile(settings)
    env = {**os.environ, **dbt_runner.dbt_environment(settings, server)}
    subprocess.run(
        [dbt_runner.dbt_executable(), "parse", "--quiet", "--no-partial-parse",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=settings.project_dir, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    manifest_path = tmp_path / "target" / "manifest.json"
    found = check(json.loads(manifest_path.read_text()))
    assert found == [], "\n".join(str(v) for v in found)
