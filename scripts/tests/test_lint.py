"""The SQL house style (.sqlfluff) is enforced: a model that breaks one of its
rules fails `sqlfluff lint` with that rule, and the same model written in the
house style passes. Linted in a copy of the project, with the repository's
own .sqlfluff and the dbt templater on a test database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from warehouse import db
from warehouse.config import Settings
from warehouse.dbt_runner import dbt_environment, write_profile

from .conftest import PROJECT_DIR

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

SQLFLUFF = str(Path(sys.executable).parent / "sqlfluff")
PARTS = (".sqlfluff", "dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests",
         "analyses")  # fmt: skip

HOUSE_STYLE = """with

orders as (
    select * from {{ ref('stg_shop__orders') }}
),

final as (
    select
        order_id,
        customer_id as customer_key
    from orders
)

select * from final
"""
#: The same model with upper-case keywords and a missing `as`.
BROKEN = (
    HOUSE_STYLE.replace("select", "SELECT")
    .replace("from", "FROM")
    .replace("customer_id as customer_key", "customer_id customer_key")
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("lint") / "project"
    copy.mkdir()
    for part in PARTS:
        source = PROJECT_DIR / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy / part)
    return copy


def lint(project: Path, model: str, settings: Settings, conn: db.Connection) -> list[dict]:
    path = project / "models" / "gold" / "lint_probe.sql"
    path.write_text(model)
    profile = write_profile(settings)
    env = {**os.environ, **dbt_environment(settings, conn), "DBT_PROFILES_DIR": str(profile.parent)}
    proc = subprocess.run(
        [SQLFLUFF, "lint", "--format", "json", "--nocolor", str(path.relative_to(project))],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    files = json.loads(proc.stdout)
    assert [f["filepath"] for f in files] == ["models/gold/lint_probe.sql"]
    return files[0]["violations"]


def test_a_model_that_breaks_the_house_style_fails_lint(
    project: Path, settings: Settings, fresh_db: db.Connection
) -> None:
    violations = lint(project, BROKEN, settings, fresh_db)
    codes = {(v["code"], v["start_line_no"]) for v in violations}
    assert ("CP01", 4) in codes  # keywords are lower case: SELECT
    assert ("AL02", 10) in codes  # a column alias needs `as`
    assert all(v["code"] != "TMP" for v in violations), violations  # it compiled


def test_the_same_model_in_the_house_style_passes(
    project: Path, settings: Settings, fresh_db: db.Connection
) -> None:
    assert lint(project, HOUSE_STYLE, settings, fresh_db) == []
