"""`warehouse docs`: dbt's documentation site, generated and served by the
wrapper in a plain shell, opened in headless Chromium as a reader would.

The lineage graph of sales_summary_daily must show its sources, the staging
models, the marts and the exposure that reads it; the screenshot is kept in
WAREHOUSE_HOME/artifacts (CI prints its path)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse import db
from warehouse.config import Settings
from warehouse.dbt_coverage import measure

from .conftest import FIXTURES, PROJECT_DIR, WAREHOUSE, DatabaseFactory, free_port, run_cli
from .dbt_helpers import MODELS_ONLY

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PROJECT = "ecommerce_warehouse"
GOLD = f"model.{PROJECT}.sales_summary_daily"
#: The nodes the cytoscape graph of dbt's site shows, with their resource type.
VISIBLE_NODES = """() => {
    const graph = angular.element(document.body).injector().get('graph');
    const cy = graph.graph_element;
    if (!cy || graph.loading) return null;
    const nodes = cy.nodes().filter(n => n.visible());
    if (!nodes.length) return null;
    return {
        nodes: nodes.map(n => [n.id(), n.data('resource_type')]),
        edges: cy.edges().filter(e => e.visible()).map(e => [e.source().id(), e.target().id()]),
    };
}"""


@dataclass(frozen=True)
class Site:
    url: str
    folder: Path
    env: dict[str, str]


def _clean_env(conn: db.Connection) -> dict[str, str]:
    """A fresh shell's environment: no DBT_PROFILES_DIR, no PG* exports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "DBT_PROFILES"))}
    env["PGDATABASE"] = conn.dbname
    if not conn.embedded:
        env.update(conn.libpq_env())
    return env


@pytest.fixture(scope="module")
def site(make_db: DatabaseFactory, settings: Settings) -> Iterator[Site]:
    conn = make_db("docs")
    env = _clean_env(conn)
    # built, so that the catalog holds every table's columns (the data mapping reads them)
    for step in (["ingest", "--landing", str(FIXTURES / "landing")], ["build", *MODELS_ONLY]):
        built = run_cli(*step, env=env)
        assert built.returncode == 0, built.output[-3000:]
    port = free_port()
    proc = subprocess.Popen(
        [WAREHOUSE, "docs", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            if proc.poll() is not None:
                pytest.fail(f"warehouse docs exited {proc.returncode}: {proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{url}/manifest.json", timeout=5) as response:
                    json.load(response)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("warehouse docs did not serve within 10 minutes")
                time.sleep(1)
        yield Site(url, settings.home / "docs" / "target", env)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        assert proc.stdout is not None
        proc.stdout.close()


def test_the_site_serves_the_project_overview_and_the_kpi_cards(site: Site) -> None:
    with urllib.request.urlopen(f"{site.url}/manifest.json", timeout=10) as response:
        manifest = json.load(response)
    overview = manifest["docs"][f"doc.{PROJECT}.__overview__"]["block_contents"]
    assert "The e-commerce analytics warehouse" in overview
    glossary = manifest["docs"][f"doc.{PROJECT}.__{PROJECT}__"]["block_contents"]
    assert "| net revenue |" in glossary
    for metric in ("revenue", "orders", "average_order_value", "active_customers"):
        card = manifest["metrics"][f"metric.{PROJECT}.{metric}"]["description"]
        assert all(part in card for part in ("formula:", "grain:", "owner:")), (metric, card)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it; apt install chromium)")  # fmt: skip
def test_the_lineage_graph_of_sales_summary_daily_in_headless_chromium(
    site: Site, settings: Settings
) -> None:
    from playwright.sync_api import sync_playwright

    artifacts = settings.home / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    screenshot = artifacts / "docs_lineage_sales_summary_daily.png"
    screenshot.unlink(missing_ok=True)
    page_url = f"{site.url}/#!/model/{GOLD}?g_v=1&g_i=%2Bsales_summary_daily%2B"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(page_url)
            graph = page.wait_for_function(VISIBLE_NODES, timeout=120_000).json_value()
            page.screenshot(path=str(screenshot))
            page.goto(f"{site.url}/#!/overview")
            page.wait_for_selector("text=The e-commerce analytics warehouse", timeout=60_000)
        finally:
            browser.close()
    print(f"\nlineage screenshot: {screenshot}")
    kinds = dict(graph["nodes"])
    edges = {tuple(edge) for edge in graph["edges"]}
    assert kinds[GOLD] == "model"
    # every layer upstream, and who reads it downstream
    for source in ("shop.orders", "shop.order_lines", "crm.customers", "catalog.products"):
        assert kinds.get(f"source.{PROJECT}.{source}") == "source", source
    for model in (
        "base_shop__orders",
        "stg_shop__orders",
        "stg_shop__order_lines",
        "dim_customer",
        "dim_product",
        "dim_date",
        "fct_orders",
        "fct_order_lines",
    ):
        assert kinds.get(f"model.{PROJECT}.{model}") == "model", model  # fmt: skip
    assert kinds.get(f"exposure.{PROJECT}.sales_dashboard") == "exposure"
    # the path from the shop's orders to the dashboard is drawn, edge by edge
    path = [f"source.{PROJECT}.shop.orders", f"model.{PROJECT}.base_shop__orders",
            f"model.{PROJECT}.stg_shop__orders", f"model.{PROJECT}.fct_orders", GOLD,
            f"exposure.{PROJECT}.sales_dashboard"]  # fmt: skip
    for upstream, downstream in zip(path, path[1:], strict=False):
        assert (upstream, downstream) in edges, (upstream, downstream)
    # a gold model that does not feed it is left out of its graph
    assert f"model.{PROJECT}.campaign_performance" not in kinds
    assert screenshot.stat().st_size > 20_000


def test_docs_without_a_generated_site_says_what_to_do(tmp_path: Path) -> None:
    result = run_cli(
        "docs", "--no-generate", env={"WAREHOUSE_HOME": str(tmp_path / "home")}, timeout=60
    )
    assert result.returncode == 1, result.output
    assert "run `warehouse docs` without --no-generate" in result.stderr
    assert "Traceback" not in result.output


# ------------------------------------------------------------------ data mapping


def _rows(markdown: str, source: str) -> dict[str, list[str]]:
    """The mapping table of one source: source column -> its cells."""
    section = markdown.split(f"## {source}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split(" | ")]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def mapping_md(site: Site, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("mapping") / "data-mapping.md"
    result = run_cli("mapping", "--no-generate", "--out", str(out), env=site.env, timeout=600)
    assert result.returncode == 0, result.output[-3000:]
    assert "not mapped" not in result.stdout
    return out.read_text()


def test_the_mapping_follows_every_source_column_through_the_layers(
    site: Site, mapping_md: str
) -> None:
    manifest = json.loads((site.folder / "manifest.json").read_text())
    own = ("audit", "ingestion")  # the warehouse's own bookkeeping, not a source system
    systems = [s for s in manifest["sources"].values() if s["source_name"] not in own]
    assert len(systems) == 7
    for source in systems:
        rows = _rows(mapping_md, f"{source['source_name']}.{source['name']}")
        assert list(rows) == list(source["columns"]), source["name"]
    # a state spelled any way is cleaned, looked up in the us_states seed, and kept
    state = _rows(mapping_md, "crm.customers")["state"]
    assert "`base_crm__customers.state_code` (clean, lookup)" in state[0]
    assert "`stg_crm__customers.state_code` (copy)" in state[0]
    assert "`dim_customer.state_code` (copy)" in state[2]
    assert "`customer_stats.state_code` (copy)" in state[3]
    # an amount is cast from text, then summed by day in gold
    shipping = _rows(mapping_md, "shop.orders")["shipping_amount"]
    assert "`base_shop__orders.shipping_amount` (cast, clean, derive)" in shipping[0]
    assert "`fct_orders.shipping_amount` (copy)" in shipping[2]
    assert "`sales_summary_daily.shipping_amount` (aggregate, cast, derive)" in shipping[3]
    # net revenue comes from quantity, price and discount of the lines
    for column in ("quantity", "unit_price", "discount_amount"):
        gold = _rows(mapping_md, "shop.order_lines")[column][3]
        assert "`sales_summary_daily.net_revenue` (aggregate" in gold, column
    assert "## Not mapped" not in mapping_md


def test_the_committed_data_mapping_is_what_the_command_writes(mapping_md: str) -> None:
    committed = (PROJECT_DIR / "docs" / "data-mapping.md").read_text()
    assert committed == mapping_md, "docs/data-mapping.md is stale: run `warehouse mapping`"


# ------------------------------------------------- dbt documentation and tests


def test_every_model_is_tested_and_95_percent_of_columns_are_documented(site: Site) -> None:
    manifest = json.loads((site.folder / "manifest.json").read_text())
    catalog = json.loads((site.folder / "catalog.json").read_text())
    coverage = measure(manifest, catalog)
    print(f"\n{coverage.line()}")
    assert coverage.models >= 30 and coverage.columns >= 500  # the catalog of a built project
    assert coverage.untested == [], "models without a data or unit test"
    assert coverage.documented_share >= 0.95, coverage.undocumented


def test_the_dbt_coverage_counts_untested_models_and_undocumented_columns() -> None:
    manifest = {
        "metadata": {"project_name": "p"},
        "nodes": {
            "model.p.a": {"resource_type": "model", "package_name": "p", "name": "a",
                          "columns": {"x": {"description": "X."}, "y": {"description": " "}}},
            "model.p.b": {"resource_type": "model", "package_name": "p", "name": "b",
                          "columns": {}},
            "test.p.t": {"resource_type": "test", "depends_on": {"nodes": ["model.p.a"]}},
        },
        "unit_tests": {},
    }  # fmt: skip
    catalog = {"nodes": {"model.p.a": {"columns": {"x": {}, "y": {}, "z": {}}}}}
    coverage = measure(manifest, catalog)
    assert (coverage.models, coverage.tested, coverage.untested) == (2, 1, ["b"])
    assert (coverage.columns, coverage.documented) == (3, 1)
    assert coverage.undocumented == ["a.y", "a.z"]
    unit_test = {"resource_type": "unit_test", "depends_on": {"nodes": ["model.p.b"]}}
    manifest["unit_tests"] = {"unit_test.p.b.u": unit_test}
    assert measure(manifest, catalog).untested == []
