"""Quiet by default: dbt's per-node lines go to dbt.log, the console shows a
progress display and one closing line (tests, rows, time); -v shows dbt's
lines. A schema change on an incremental, contracted gold model fails with
the command that fixes it.

The schema-change tests edit a copy of the project (WAREHOUSE_PROJECT_DIR),
never the repository's models."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse import summary
from warehouse.console import RunProgress, run_progress
from warehouse.dbt_errors import NodeFailure, explain

from .conftest import FIXTURES, PROJECT_DIR, CliResult, DatabaseFactory, db_env, run_cli
from .dbt_helpers import ANSI

#: dbt's per-node line: "12 of 391 OK created sql table model ..." / "... PASS ...".
NODE_LINE = re.compile(r"\d+ of \d+ (START|OK|PASS|WARN|FAIL|ERROR)\b")
PROJECT_PARTS = ("models", "macros", "seeds", "snapshots", "tests", "analyses",
                 "dbt_project.yml", "profiles.yml.example")  # fmt: skip


@dataclass(frozen=True)
class Built:
    project: Path
    env: dict[str, str]
    run: CliResult
    work: Path


@pytest.fixture(scope="module")
def built(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("quiet")
    project = work / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        else:
            shutil.copy2(source, project / part)
    conn = make_db("quiet")
    env = {
        **db_env(conn),
        "WAREHOUSE_PROJECT_DIR": str(project),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
    }
    run = run_cli("run", "--landing", str(FIXTURES / "landing"), env=env)
    return Built(project, env, run, work)


def test_a_run_shows_progress_and_one_closing_line_not_dbts_node_lines(built: Built) -> None:
    output = ANSI.sub("", built.run.output)
    assert built.run.returncode == 0, output[-3000:]
    assert not NODE_LINE.search(output), NODE_LINE.search(output)
    results = json.loads((built.work / "target" / "run_results.json").read_text())["results"]
    tests = [r for r in results if r["unique_id"].startswith(("test.", "unit_test."))]
    passed = sum(r["status"] == "pass" for r in tests)
    assert passed > 100
    closing = output.strip().splitlines()[-1]
    assert closing.startswith("run done: "), closing
    assert f"tests {passed:,} passed, 0 warned, 0 failed" in closing
    # the fixture landing: 10 rows load, 2 lines are quarantined, staging rejects none
    assert "rows 10 loaded, 2 quarantined, 0 rejected" in closing
    assert re.search(r"; time (\d+ min )?\d+(\.\d)? s$", closing), closing
    # dbt's per-node lines are in its log
    log = ANSI.sub("", (built.work / "logs" / "dbt.log").read_text())
    assert re.search(r"\d+ of \d+ OK created sql \w+ model gold\.sales_summary_daily", log)
    by_invocation = Counter(re.findall(r"\d+ of (\d+) PASS ", log))  # freshness, then build
    assert max(by_invocation.values()) == passed


def test_verbose_shows_dbts_lines(built: Built) -> None:
    result = run_cli("build", "-v", "--select", "dim_date", env=built.env)
    output = ANSI.sub("", result.output)
    assert result.returncode == 0, output[-3000:]
    assert re.search(r"\d+ of \d+ OK created sql table model marts\.dim_date", output)
    assert "build done: tests" in output


def test_the_progress_display_counts_dbts_node_results() -> None:
    def result(index: int, status: str, name: str = "LogTestResult") -> dict:
        node = {"node_name": f"n{index}"}
        data = {"index": index, "total": 3, "status": status, "node_info": node}
        return {"info": {"name": name}, "data": data}

    with run_progress() as progress:
        assert isinstance(progress, RunProgress)
        progress.on_dbt_event({"info": {"name": "LogHookEndLine"},
                               "data": {"index": 1, "total": 2, "statement": "hook"}})  # fmt: skip
        assert progress.dbt_task is None  # hooks are not nodes
        progress.on_dbt_event(result(1, "pass"))
        progress.on_dbt_event(result(2, "warn"))
        progress.on_dbt_event(result(3, "error", "LogModelResult"))
        task = progress.progress.tasks[progress.dbt_task]
        assert (task.completed, task.total) == (3, 3)
        assert progress.outcomes == {"warned": 1, "failed": 1}
        assert task.description == "n3 (1 failed, 1 warned)"


def test_the_closing_line_and_the_test_counts(tmp_path: Path) -> None:
    statuses = {"test.p.a": "pass", "unit_test.p.m.b": "pass", "test.p.c": "warn",
                "test.p.d": "fail", "test.p.e": "error", "model.p.m": "success"}  # fmt: skip
    results = [{"unique_id": key, "status": status} for key, status in statuses.items()]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    tests = summary.count_tests(tmp_path)
    assert tests == summary.BuildTests(passed=2, warned=1, failed=2, skipped=0)
    assert summary.count_tests(tmp_path / "none") is None
    assert summary.closing_line(tests, 1234, 5, 6, 125.4) == (
        "tests 2 passed, 1 warned, 2 failed; rows 1,234 loaded, 5 quarantined, 6 rejected; "
        "time 2 min 05 s"
    )
    assert summary.closing_line(None, None, None, None, 3.25) == "time 3.2 s"
    assert summary.duration(3725) == "1 h 02 min"


# ------------------------------------------------------------- schema change


def _edit(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    return text


#: The model's last column, however its alias is aligned.
_LAST = re.compile(r"^( +'\{\{ invocation_id \}\}' +as dbt_invocation_id)$", re.MULTILINE)


def _add_column(path: Path) -> str:
    """``1 as new_column`` after the model's last column; the text before."""
    text = path.read_text()
    assert len(_LAST.findall(text)) == 1, _LAST.pattern
    path.write_text(_LAST.sub(r"\1,\n        1 as new_column", text))
    return text


def _stderr(result: CliResult) -> str:
    assert result.returncode == 1, result.output[-3000:]
    assert "Traceback" not in result.output
    return " ".join(result.stderr.split())


#: The contract of sales_summary_daily (models/gold/_gold__models.yml): its last column.
_LAST_YML = (
    "      - name: dbt_invocation_id\n"
    "        description: The dbt invocation that last computed the row (rows a run did not"
    " rebuild keep theirs).\n\n        data_type: text\n"
)
NEW_COLUMN_YML = (_LAST_YML, f"{_LAST_YML}      - name: new_column\n        data_type: integer\n")


def test_a_new_column_in_an_incremental_gold_model_names_the_full_refresh(built: Built) -> None:
    model = built.project / "models" / "gold" / "sales_summary_daily.sql"
    contract = built.project / "models" / "gold" / "_gold__models.yml"
    original = _add_column(model)
    fix = "warehouse build --full-refresh --select sales_summary_daily+"
    try:
        # the SQL alone: the enforced contract refuses it, and says where to add the column
        message = _stderr(run_cli("build", "--select", "sales_summary_daily", env=built.env))
        assert "error in model.ecommerce_warehouse.sales_summary_daily" in message
        assert "under `sales_summary_daily` in the folder's yml (name and data_type)" in message
        # then in the contract too: the incremental table must be rebuilt whole
        original_contract = _edit(contract, *NEW_COLUMN_YML)
        try:
            message = _stderr(run_cli("build", "--select", "sales_summary_daily", env=built.env))
            assert "error in model.ecommerce_warehouse.sales_summary_daily" in message
            assert "(on_schema_change: fail)" in message
            assert f"`{fix}`" in message
            fixed = run_cli(*fix.split()[1:], env=built.env)  # the command the error names
            assert fixed.returncode == 0, fixed.output[-3000:]
        finally:
            contract.write_text(original_contract)
    finally:
        model.write_text(original)
    # reverting the change fails the same way, and the same command fixes it
    message = _stderr(run_cli("build", "--select", "sales_summary_daily", env=built.env))
    assert f"`{fix}`" in message
    restored = run_cli(*fix.split()[1:], env=built.env)
    assert restored.returncode == 0, restored.output[-3000:]


def test_a_column_outside_a_marts_contract_names_the_contract_to_update(built: Built) -> None:
    model = built.project / "models" / "marts" / "dim_date.sql"
    original = _edit(model, "        holidays.holiday_name\n",
                     "        holidays.holiday_name,\n        1 as new_column\n")  # fmt: skip
    try:
        message = _stderr(run_cli("build", "--select", "dim_date", env=built.env))
    finally:
        model.write_text(original)
    assert "error in model.ecommerce_warehouse.dim_date" in message
    assert "its SELECT no longer matches its contract" in message
    assert "under `dim_date` in the folder's yml (name and data_type)" in message


def test_explain_lists_failed_nodes_and_dbts_errors_when_none_ran(tmp_path: Path) -> None:
    assert explain(tmp_path, "Running with dbt\nCompilation Error in model x\n  bad\n") == [
        "Compilation Error in model x"
    ]
    failure = NodeFailure("model.p.fct_x", "error", "\nDatabase Error\n  relation missing\n")
    assert failure.line() == "error in model.p.fct_x: Database Error"
    assert failure.hint is None
