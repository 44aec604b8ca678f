"""The optional Dagster integration (warehouse.orchestration.dagster_defs) loads.

Pure: `dbt parse` does not connect, so no database is needed. Skipped when the
`orchestration` extra is not installed.
"""

import json
import os
from collections.abc import Iterator
from unittest import mock

import pytest

NOT_INSTALLED = (
    "not installed: install the `orchestration` extra (pip install -e '.[orchestration]')"
)
pytest.importorskip("dagster", reason=f"dagster {NOT_INSTALLED}")
pytest.importorskip("dagster_dbt", reason=f"dagster-dbt {NOT_INSTALLED}")

from dagster import AssetKey, Definitions  # noqa: E402
from dagster._core.definitions.assets.graph.asset_graph import AssetGraph  # noqa: E402

from warehouse.config import Settings, load_settings  # noqa: E402
from warehouse.contract import ENTITIES  # noqa: E402

pytestmark = [
    pytest.mark.slow,  # dbt parses the whole project: about 10 seconds
    # dagster-dbt imports sqlglot, which imports the deprecated sqlglotrs (installed with
    # it): importorskip hides that warning, an import of dagster_dbt anywhere else would not.
    pytest.mark.filterwarnings("ignore:sqlglotrs is deprecated:DeprecationWarning"),
]

RAW_SOURCES = {"crm", "catalog", "shop", "payments", "marketing"}

Built = tuple[Settings, Definitions]


@pytest.fixture(scope="module")
def orchestration(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Definitions built for a WAREHOUSE_HOME of their own; the variables they
    export for dbt are taken back afterwards."""
    from warehouse.orchestration.dagster_defs import build_definitions

    home = tmp_path_factory.mktemp("warehouse_home")
    settings = load_settings({"WAREHOUSE_HOME": str(home), "DBT_TARGET": "ci"})
    with mock.patch.dict(os.environ):
        for name in ("PGHOST", "PGPORT", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
            os.environ.pop(name, None)
        yield settings, build_definitions(settings)


@pytest.fixture(scope="module")
def graph(orchestration: Built) -> AssetGraph:
    return orchestration[1].resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest(orchestration: Built) -> dict:
    settings, _ = orchestration
    path = settings.home / "dagster" / "target" / "manifest.json"
    return json.loads(path.read_text())


def test_definitions_load(orchestration: Built) -> None:
    Definitions.validate_loadable(orchestration[1])


def test_dbt_parses_under_warehouse_home(orchestration: Built) -> None:
    settings, _ = orchestration
    target = settings.home / "dagster" / "target"
    assert (target / "manifest.json").is_file()
    assert (settings.home / "dbt" / "profiles.yml").is_file()  # the wrapper's profile


def test_ingest_assets_one_per_raw_table(graph: AssetGraph) -> None:
    for entity in ENTITIES:
        node = graph.get(AssetKey(["raw", entity.name]))
        assert node.is_materializable
        assert node.group_name == "landing"
    assert AssetKey(["raw", "orders"]) in graph.get_all_asset_keys()


def test_dbt_models_are_assets_keyed_by_schema_and_name(graph: AssetGraph, manifest: dict) -> None:
    keys = graph.get_all_asset_keys()
    for key in (
        ["staging", "base_shop__orders"],
        ["staging", "stg_shop__orders"],
        ["intermediate", "int_customers_versioned"],
        ["marts", "fct_orders"],
        ["marts", "dim_customer"],
        ["gold", "sales_summary_daily"],
        ["seeds", "us_states"],
        ["snapshots", "snp_crm__customers"],
    ):
        assert AssetKey(key) in keys, key
        assert graph.get(AssetKey(key)).group_name == "warehouse"

    models = {n["unique_id"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    model_assets = {
        str(node.metadata["dagster_dbt/unique_id"])
        for node in graph.asset_nodes
        if str(node.metadata.get("dagster_dbt/unique_id", "")).startswith("model.")
    }
    assert len(models) > 30
    assert model_assets == models


def test_raw_sources_map_to_the_ingest_assets(graph: AssetGraph, manifest: dict) -> None:
    from warehouse.orchestration.dagster_defs import WarehouseDbtTranslator

    translator = WarehouseDbtTranslator()
    raw_sources = [s for s in manifest["sources"].values() if s["source_name"] in RAW_SOURCES]
    assert {s["name"] for s in raw_sources} == {e.name for e in ENTITIES}
    for source in raw_sources:
        assert source["schema"] == "raw"
        assert translator.get_asset_key(source) == AssetKey(["raw", source["name"]])

    base = graph.get(AssetKey(["staging", "base_shop__orders"]))
    assert AssetKey(["raw", "orders"]) in base.parent_keys
    staged = AssetKey(["staging", "stg_shop__orders"])
    assert AssetKey(["staging", "base_shop__orders"]) in graph.get(staged).parent_keys
    assert AssetKey(["raw", "orders"]) in graph.get_ancestor_asset_keys(staged)
    fct = graph.get_ancestor_asset_keys(AssetKey(["marts", "fct_orders"]))
    assert {AssetKey(["raw", "orders"]), AssetKey(["raw", "order_lines"])} <= fct


def test_wrapper_sources_stay_external(graph: AssetGraph) -> None:
    replaced = graph.get(AssetKey(["ingestion", "replaced_loads"]))
    assert replaced.is_external
    assert not replaced.is_materializable
    assert AssetKey(["raw", "replaced_loads"]) not in graph.get_all_asset_keys()


def test_job_and_daily_schedule(orchestration: Built, graph: AssetGraph) -> None:
    _, defs = orchestration
    job = defs.resolve_job_def("warehouse_job")
    materializable = {n.key for n in graph.asset_nodes if n.is_materializable}
    assert set(job.asset_layer.selected_asset_keys) == materializable
    assert AssetKey(["raw", "orders"]) in materializable

    schedule = defs.resolve_schedule_def("daily_warehouse")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "warehouse_job"
