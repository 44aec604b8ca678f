"""The main job end to end, as `make demo` runs it, on generated test data in a
database of its own: every landing line reconciles, marts are built, dbt prints
no warning, and a second run loads nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from warehouse import db
from warehouse.contract import LOAD_ORDER

from .conftest import db_env, run_cli

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
    orders.write_text("".join(line for line in orders.read_text().splitlines(True)
                              if not line.startswith("O004,")))
    reload = run_cli("ingest", "--landing", str(landing), "--reload", "2025-01-02", env=env)
    assert reload.returncode == 0, reload.output
    rebuilt = run_cli("run", "--landing", str(landing), env=env)
    assert rebuilt.returncode == 0, rebuilt.output
    again = run_cli("run", "--landing", str(landing), env=env)
    assert again.returncode == 0, again.output

    with db.connect(fresh_db) as pg:
        ids = [r[0] for r in pg.execute("select order_id from marts.fct_orders order by 1")]
        builds = [r[0] for r in pg.execute(
            "select target from audit.run_log where step = 'dbt build' order by log_id"
        )]
    assert "O004" not in ids and "O001" in ids
    assert builds == ["build", "build"]  # the third run had nothing new to build
