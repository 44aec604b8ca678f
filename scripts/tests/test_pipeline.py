"""The main job end to end, as `make demo` runs it, on generated test data in a
database of its own: every landing line reconciles, marts are built, dbt prints
no warning, and a second run loads nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from warehouse import db
from warehouse.contract import LOAD_ORDER

from .conftest import PROJECT_DIR, db_env, one, run_cli

pytestmark = [pytest.mark.db, pytest.mark.dbt]


@pytest.fixture(scope="module")
def test_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "landing"
    result = run_cli("generate", "--scale", "0.01", "--days", "3", "--seed", "7", "--out", str(out))
    assert result.returncode == 0, result.output
    return out


def data_lines(landing: Path, entity: str) -> int:
    """Lines after the header in every file of an entity, counted from the bytes."""
    total = 0
    for path in landing.glob(f"*/{entity}.csv"):
        content = path.read_bytes()
        total += content.count(b"\n") - 1 + (0 if content.endswith(b"\n") else 1)
    return total


def test_the_main_job_loads_every_line_and_builds_the_marts(
    fresh_db: db.Connection, test_landing: Path
) -> None:
    env = db_env(fresh_db)
    result = run_cli("run", "-v", "--landing", str(test_landing), env=env)
    assert result.returncode == 0, result.output
    assert "deprecat" not in result.output.lower()
    assert "[WARNING]" not in result.output
    assert re.search(r"Done\. PASS=\d+ WARN=\d+ ERROR=0 SKIP=0", result.output)

    with db.connect(fresh_db) as pg:
        for entity in LOAD_ORDER:
            raw = pg.execute(f"select count(*) from raw.{entity}").fetchone()[0]
            quarantined = pg.execute(
                "select count(*) from audit.quarantine where entity = %s", (entity,)
            ).fetchone()[0]
            assert raw + quarantined == data_lines(test_landing, entity), entity
            manifest = pg.execute(
                "select sum(rows_loaded), sum(rows_quarantined) from audit.load_manifest"
                " where entity = %s and status = 'loaded'",
                (entity,),
            ).fetchone()
            assert manifest == (raw, quarantined), entity
        for mart in ("dim_customer", "fct_orders"):
            assert pg.execute(f"select count(*) from marts.{mart}").fetchone()[0] > 0
        log = pg.execute("select step, status from audit.run_log order by log_id").fetchall()
        assert log == [
            (step, "success")
            for step in ("ingest", "source freshness", "dbt build", "data quality", "report",
                         "alert")
        ]  # fmt: skip

    # The summary table names every layer's relations with their row counts.
    assert "raw" in result.stdout and "marts" in result.stdout and "fct_orders" in result.stdout

    # The generator's manifests promise what the landing zone holds.
    first = sorted(test_landing.iterdir())[0]
    assert json.loads((first / "_manifest.json").read_text())


def test_a_second_run_loads_nothing_new(fresh_db: db.Connection, test_landing: Path) -> None:
    env = db_env(fresh_db)
    assert run_cli("run", "--landing", str(test_landing), env=env).returncode == 0
    with db.connect(fresh_db) as pg:
        before = {e: pg.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in LOAD_ORDER}
    again = run_cli("run", "--landing", str(test_landing), env=env)
    assert again.returncode == 0, again.output
    assert "0 files loaded" in " ".join(again.stdout.split())
    with db.connect(fresh_db) as pg:
        after = {e: pg.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in LOAD_ORDER}
    assert after == before


def test_after_a_reload_the_next_incremental_build_takes_the_removed_order_out(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    """A reload replaces a batch's loads: an order that the corrected file no
    longer carries leaves the facts, incrementally (no full refresh)."""
    import shutil

    from .conftest import FIXTURES

    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    env = db_env(fresh_db)
    assert run_cli("run", "--landing", str(landing), env=env).returncode == 0

    orders = landing / "2025-01-02" / "orders.csv"
    orders.write_text(
        "".join(
            line for line in orders.read_text().splitlines(True) if not line.startswith("O004,")
        )
    )
    reload = run_cli("ingest", "--landing", str(landing), "--reload", "2025-01-02", env=env)
    assert reload.returncode == 0, reload.output
    rebuilt = run_cli("run", "--landing", str(landing), env=env)
    assert rebuilt.returncode == 0, rebuilt.output
    again = run_cli("run", "--landing", str(landing), env=env)
    assert again.returncode == 0, again.output

    with db.connect(fresh_db) as pg:
        ids = [r[0] for r in pg.execute("select order_id from marts.fct_orders order by 1")]
        builds = [
            r[0]
            for r in pg.execute(
                "select target from audit.run_log where step = 'dbt build' order by log_id"
            )
        ]
    assert "O004" not in ids and "O001" in ids
    assert builds == ["build", "build"]  # the third run had nothing new to build


def _built(conn: db.Connection) -> list[str]:
    """The node names the last dbt build of the database ran (from its run_results)."""
    with db.connect(conn) as pg:
        target = pg.execute(
            "select details->>'target_dir' from audit.run_log where step = 'dbt build'"
            " order by log_id desc limit 1"
        ).fetchone()[0]
    results = json.loads((Path(target) / "run_results.json").read_text())["results"]
    return sorted(r["unique_id"].split(".")[2] for r in results)


def test_with_nothing_new_a_build_runs_only_what_changed_in_the_project(
    fresh_db: db.Connection, test_landing: Path, tmp_path: Path
) -> None:
    """After a whole build, and with no load since, `warehouse build` builds
    nothing; once a model's code changes, that model and what depends on it
    (dbt's state:modified+), and nothing else; a new load brings the whole
    build back."""
    env = db_env(fresh_db)
    assert run_cli("run", "--landing", str(test_landing), env=env).returncode == 0

    idle = run_cli("build", env=env)
    assert idle.returncode == 0, idle.output
    assert "nothing new: no load since the last whole build" in " ".join(idle.stdout.split())
    assert _built(fresh_db) == []

    # an analyst edits a gold model, in a copy of the project
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_DIR, project,
        ignore=shutil.ignore_patterns(".venv", ".warehouse", ".git", "data", "target", "logs"),
    )  # fmt: skip
    model = project / "models" / "gold" / "payment_reconciliation.sql"
    model.write_text(model.read_text() + "\n-- reviewed\n")
    edited = run_cli("build", env={**env, "WAREHOUSE_PROJECT_DIR": str(project)})
    assert edited.returncode == 0, edited.output
    nodes = _built(fresh_db)
    assert "payment_reconciliation" in nodes
    assert any(n.startswith("unique_payment_reconciliation") for n in nodes)
    assert not {"fct_orders", "dim_customer", "base_shop__orders"} & set(nodes)
    with db.connect(fresh_db) as pg:
        details = pg.execute(
            "select details from audit.run_log where step = 'dbt build' order by log_id desc"
            " limit 1"
        ).fetchone()[0]
    assert details["whole"] is True and "changed_since" in details

    # an old row goes bad behind the warehouse's back: the daily tests, which
    # read what the build changed, do not see it; the weekly full test does
    with db.connect(fresh_db, autocommit=True) as pg:
        ceiling = one(pg, "select max(load_id) from audit.load_manifest")
        first_order, status = pg.execute(
            "select order_id, order_status from staging.stg_shop__orders order by order_id limit 1"
        ).fetchone()
        pg.execute(
            "update staging.stg_shop__orders set order_status = null where order_id = %s",
            (first_order,),
        )

    # one more line in a new batch: every model reads the new load again
    newest = sorted(p for p in test_landing.iterdir() if p.is_dir())[-1]
    extra = tmp_path / "landing"
    shutil.copytree(test_landing, extra)
    later = extra / (newest.name[:-2] + f"{int(newest.name[-2:]) + 1:02d}")
    later.mkdir()
    header, first = (newest / "customers.csv").read_text().splitlines()[:2]
    (later / "customers.csv").write_text(f"{header}\n{first}\n")
    # and an old order's total goes wrong (not one of that customer's orders):
    # the daily reconciliation compares the orders the build changed only
    assert header.split(",")[0] == "customer_id"
    with db.connect(fresh_db, autocommit=True) as pg:
        pg.execute(
            "update marts.fct_orders set gross_amount = gross_amount + 0.01,"
            " net_amount = net_amount + 0.01, order_total_amount = order_total_amount + 0.01"
            " where order_id = ("
            " select min(order_id) from marts.fct_orders where customer_id <> %s)",
            (first.split(",")[0],),
        )
    assert run_cli("ingest", "--landing", str(extra), env=env).returncode == 0
    whole = run_cli("build", env=env)
    assert whole.returncode == 0, whole.output
    assert {"fct_orders", "dim_customer", "base_crm__customers"} <= set(_built(fresh_db))
    with db.connect(fresh_db) as pg:
        details = pg.execute(
            "select details from audit.run_log where step = 'dbt build' order by log_id desc"
            " limit 1"
        ).fetchone()[0]
    assert details["tests_since"] == ceiling
    compiled = (
        Path(details["target_dir"]) / "compiled" / "ecommerce_warehouse" / "models" / "staging"
        / "shop" / "_shop__models.yml" / "not_null_stg_shop__orders_order_status.sql"
    ).read_text()  # fmt: skip
    assert f"_load_id > {ceiling}" in compiled
    singular = (
        Path(details["target_dir"]) / "compiled" / "ecommerce_warehouse" / "tests"
        / "assert_order_totals_match_their_lines.sql"
    ).read_text()  # fmt: skip
    assert f"source_load_id > {ceiling}" in singular
    with db.connect(fresh_db) as pg:
        # the quality report counts the rows each test read: the day's one customer
        invocation = json.loads((Path(details["target_dir"]) / "run_results.json").read_text())
        checked = dict(pg.execute(
            "select test_name, rows_checked from audit.dq_test_results where invocation_id = %s",
            (invocation["metadata"]["invocation_id"],),
        ).fetchall())  # fmt: skip
    assert checked["not_null_stg_shop__orders_order_status"] == 0
    assert checked["not_null_base_crm__customers_is_email_valid"] == 1
    assert checked["not_null_stg_crm__customers_customer_id"] == 1
    assert checked["not_null_dim_customer_customer_id"] > 1  # a table: tested whole

    weekly = run_cli("build", "--full-tests", env=env)
    assert weekly.returncode == 1
    failed = " ".join(weekly.output.split())
    assert "not_null_stg_shop__orders_order_status" in failed
    assert "Got 1 result, configured to fail if != 0" in failed

    # that failure skips what reads the orders; once it is mended, the weekly
    # reconciliation finds the order whose total went wrong
    with db.connect(fresh_db, autocommit=True) as pg:
        pg.execute(
            "update staging.stg_shop__orders set order_status = %s where order_id = %s",
            (status, first_order),
        )
    weekly = run_cli("build", "--full-tests", env=env)
    assert weekly.returncode == 1
    failed = " ".join(weekly.output.split())
    assert "assert_order_totals_match_their_lines" in failed
    assert "not_null_stg_shop__orders_order_status" not in failed
