"""A bare `dbt build` on a warehouse that holds nothing yet (the design card's
"dbt build in CI"): every model and test copes with no data, and the first load
afterwards is not held up by what that build created."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from warehouse import db
from warehouse.config import load_settings
from warehouse.dbt_runner import dbt_environment, dbt_executable, write_profile

from .conftest import FIXTURES, PROJECT_DIR
from .dbt_helpers import ANSI, cli, dbt_env, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]


def bare_dbt(conn: db.Connection, work: Path, *args: str) -> subprocess.CompletedProcess:
    """dbt itself, as `eval "$(warehouse env)"; dbt ...` runs it: no wrapper."""
    settings = load_settings()
    write_profile(settings)
    env = {
        **os.environ,
        **dbt_environment(settings, conn),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    return subprocess.run(
        [dbt_executable(), *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_dbt_build_passes_on_an_empty_warehouse_then_the_first_load_builds(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    built = bare_dbt(fresh_db, tmp_path, "build")
    output = ANSI.sub("", built.stdout + built.stderr)
    assert built.returncode == 0, output[-4000:]
    assert "ERROR=0" in output and "WARN=0" in output
    assert "deprecat" not in output.lower()
    # plain `dbt build` runs the unit tests the wrapper's scheduled builds leave out
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert len(unit) >= 10 and set(unit) == set(manifest["unit_tests"])
    assert set(unit.values()) == {"pass"}
    assert scalar(fresh_db, "select count(*) from raw.orders") == 0
    assert scalar(fresh_db, "select count(*) from marts.fct_orders") == 0
    # no function of the project's own: parsing is plain SQL that no plan can
    # break (a PL/pgSQL exception block cannot run in a parallel worker)
    functions = query(
        fresh_db,
        "select n.nspname || '.' || p.proname from pg_proc p"
        " join pg_namespace n on n.oid = p.pronamespace"
        " where n.nspname not in ('pg_catalog', 'information_schema')",
    )
    assert functions == []
    # the placeholders dbt made are replaced by the ingestion's own tables
    env = dbt_env(fresh_db, tmp_path)
    cli("ingest", "--landing", str(FIXTURES / "landing"), env=env)
    cli("build", env=env)
    assert scalar(fresh_db, "select count(*) from marts.fct_orders") == 4
    assert query(fresh_db, "select indexname from pg_indexes where schemaname = 'raw'") == []
