"""Every subcommand explains itself, and `warehouse env` gives a shell what
plain dbt and psql need (no database needed)."""

from __future__ import annotations

import subprocess

import pytest

from .conftest import PROJECT_DIR, run_cli


@pytest.mark.parametrize(
    ("command", "phrase"),
    [
        (["db"], "start"),
        (["db", "start"], "Start the embedded server"),
        (["db", "stop"], "Stop the embedded server"),
        (["db", "status"], "whether it is up"),
        (["db", "url"], "connection URL"),
        (["db", "psql"], "Open psql"),
        (["env"], "shell exports"),
        (["generate"], "--scale"),
        (["ingest"], "--landing"),
        (["build"], "dbt build"),
        (["run"], "--landing"),
        (["run"], "--report-dir"),
        (["report"], "--out"),
        (["status"], "watermarks per entity"),
    ],
)
def test_every_subcommand_has_help(command: list[str], phrase: str) -> None:
    result = run_cli(*command, "--help")
    assert result.returncode == 0, result.output
    assert phrase in " ".join(result.stdout.split())


def test_env_exports_the_resolved_database_for_plain_dbt(tmp_path) -> None:
    env = {"WAREHOUSE_HOME": str(tmp_path), "WAREHOUSE_PG_PORT": "55999", "PGHOST": ""}
    result = run_cli("env", env={**env, "PGDATABASE": "analytics"})
    assert result.returncode == 0, result.output
    script = (
        result.stdout + '\nprintf \'%s|%s|%s|%s\\n\' "$PGHOST" "$PGPORT" "$PGDATABASE" '
        '"$DBT_PROFILES_DIR"\ncommand -v dbt\ncommand -v psql\n'
    )
    shell = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    values, dbt, psql = shell.stdout.splitlines()
    assert values == f"127.0.0.1|55999|analytics|{tmp_path}/dbt"
    assert dbt.endswith("/bin/dbt") and psql.endswith("/psql")
    profile = (tmp_path / "dbt" / "profiles.yml").read_text()
    assert profile == (PROJECT_DIR / "profiles.yml.example").read_text()


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["stauts"], "No such command 'stauts'. Did you mean 'status'?"),
        (["ingest", "--bogus"], "No such option: --bogus"),
        (["generate", "--scale", "abc"], "Invalid value for '--scale'"),
        (["backfill", "--from", "2025-07-01"], "Missing option '--to'"),
    ],
)
def test_a_usage_mistake_is_one_line_and_the_usage(args: list[str], error: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Usage: warehouse ")
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and error in errors[0], lines
    assert len(lines) <= 5


@pytest.mark.parametrize("args", [[], ["db"], ["pii"]])
def test_a_command_group_without_a_command_shows_its_usage(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.output
    assert f"Usage: warehouse {' '.join(args)}".strip() in " ".join(result.stdout.split())


def test_version() -> None:
    from importlib.metadata import version

    result = run_cli("--version")
    expected = f"warehouse {version('ecommerce-warehouse')}\n"
    assert (result.returncode, result.stdout) == (0, expected)
