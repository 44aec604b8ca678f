"""Run dbt against the database the wrapper resolved.

dbt reads profiles.yml.example (copied under WAREHOUSE_HOME/dbt) whose every
credential is an env_var(); this module sets those variables from the resolved
connection, so the embedded default needs no hand-written profile and an
external server is reached the same way.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from warehouse.config import Settings
from warehouse.db import Connection

DEPRECATION = re.compile(r"deprecat", re.IGNORECASE)


class DbtError(Exception):
    """dbt could not be run, or its command failed."""


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    output: str
    target_dir: Path  # where this invocation wrote its artifacts

    @property
    def deprecations(self) -> list[str]:
        return [line for line in self.output.splitlines() if DEPRECATION.search(line)]


def write_profile(settings: Settings) -> Path:
    """Copy profiles.yml.example to WAREHOUSE_HOME/dbt/profiles.yml (when it changed)."""
    target = settings.profiles_dir / "profiles.yml"
    settings.profiles_dir.mkdir(parents=True, exist_ok=True)
    source = settings.profiles_example.read_bytes()
    if not target.exists() or target.read_bytes() != source:
        target.write_bytes(source)
    return target


def dbt_environment(settings: Settings, conn: Connection) -> dict[str, str]:
    """The variables dbt needs: the connection, the profile folder, the target."""
    return {
        **conn.libpq_env(),
        "PGPASSWORD": conn.password,
        "DBT_PROFILES_DIR": str(settings.profiles_dir),
        "DBT_TARGET": settings.dbt_target,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt_executable() -> str:
    beside = Path(sys.executable).parent / "dbt"
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise DbtError("dbt is not installed in this environment: run `make setup`")
    return found


def run_dbt(args: list[str], settings: Settings, conn: Connection, echo: bool = True) -> DbtResult:
    """Run ``dbt <args>`` in the project folder; stream its output when ``echo``."""
    write_profile(settings)
    env = {**os.environ, **dbt_environment(settings, conn)}
    target_dir = settings.project_dir / env.get("DBT_TARGET_PATH", "target")
    command = [dbt_executable(), *args]
    lines: list[str] = []
    with subprocess.Popen(
        command,
        cwd=settings.project_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
    return DbtResult(proc.returncode, "".join(lines), target_dir)
