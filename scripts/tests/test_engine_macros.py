"""The cleaning macros give the same answers on every engine (docs/engines.md).

The dbt unit tests of staging (the cleaning macros on dirty rows: phone digits,
names re-cased after hyphens and apostrophes, UTC offsets, refused dates) and
the singular tests under tests/macros (every accepted and refused spelling of a
date, timestamp, amount and integer; division to the cent) run on PostgreSQL,
DuckDB and Spark, over an empty build of the seeds and staging models: the
rules live once, in default__ macros, and each engine supplies primitives.
The warehouse is new: the raw tables are the empty placeholders of
create_missing_raw_tables, so the build is empty and quick.
Spark needs Java; without it the Spark case is skipped (marker spark: .ci/run
runs it after make test)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse import db

from .conftest import PROJECT_DIR
from .dbt_helpers import ANSI

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

DBT = str(Path(sys.executable).parent / "dbt")

#: The seeds (lookups of the cleaning), the staging models (built over empty raw
#: tables: the unit tests need their inputs' columns) with their unit tests,
#: and the singular tests of the macros.
SELECTION = ("--select", "path:seeds", "path:models/staging", "path:tests/macros")


def dbt_build(target: str, work: Path, env: dict[str, str]) -> str:
    """`dbt build` of the selection on target; its output (without
    colours), after asserting that dbt succeeded."""
    profiles = work / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_DIR / "profiles.yml.example", profiles / "profiles.yml")
    full_env = {
        **os.environ,
        **env,
        "DBT_PROFILES_DIR": str(profiles),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        [
            DBT,
            "build",
            "--target",
            target,
            "--indirect-selection",
            "cautious",
            *SELECTION,
        ],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=PROJECT_DIR,
    )
    output = ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == 0, output[-5000:]
    assert re.search(r"ERROR=0 ", output), output[-3000:]
    return output


#: The unit tests and singular tests that hold the cleaning rules' cases.
RULE_TESTS = (
    "customers_cleaning_macros",
    "order_lines_impossible_values_rejected",
    "payments_spellings_and_rejections",
    "orders_every_version_kept_once",
    "assert_safe_casts_follow_the_parsing_rules",
    "assert_exact_divide_rounds_like_numeric",
)


def assert_rules_passed(output: str) -> None:
    plain = ANSI.sub("", output)
    for name in RULE_TESTS:
        assert re.search(rf"PASS (\S+::)?{name} ", plain), f"{name} did not pass"


@pytest.mark.db
def test_postgres(fresh_db: db.Connection, tmp_path: Path) -> None:
    # plain dbt, not the CLI: it needs every PG* variable, also for the embedded server
    assert_rules_passed(dbt_build("ci", tmp_path, fresh_db.libpq_env()))


def test_duckdb(tmp_path: Path) -> None:
    (tmp_path / "duckdb").mkdir()
    env = {"WAREHOUSE_DUCKDB_PATH": str(tmp_path / "duckdb" / "warehouse.duckdb")}
    assert_rules_passed(dbt_build("duckdb", tmp_path, env))


@pytest.mark.spark
@pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("JAVA_HOME"),
    reason="Spark needs Java 17 (java on the PATH or JAVA_HOME)",
)
def test_spark(tmp_path: Path) -> None:
    env = {"WAREHOUSE_SPARK_DIR": str(tmp_path / "spark")}
    assert_rules_passed(dbt_build("spark", tmp_path, env))
