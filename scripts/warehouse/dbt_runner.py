"""Run dbt against the database the wrapper resolved.

dbt reads profiles.yml.example (copied under WAREHOUSE_HOME/dbt) whose every
credential is an env_var(); this module sets those variables from the resolved
connection, so the embedded default needs no hand-written profile and an
external server is reached the same way.

Each invocation writes its artifacts and logs to a folder of its own
(WAREHOUSE_HOME/dbt/runs/<run>-<n>-<command>), so two commands never write the
same target/; dbt's partial-parse file is carried from one invocation to the
next so parsing stays incremental. DBT_TARGET_PATH / DBT_LOG_PATH, when set,
win. dbt runs as a child that dies with the wrapper, even a killed one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.config import Settings
from warehouse.db import Connection
from warehouse.errors import WarehouseError

DEPRECATION = re.compile(r"deprecat", re.IGNORECASE)


class DbtError(WarehouseError):
    """dbt could not be run, or its command failed."""


#: What dbt prints when the server went away or a transaction lost a race:
#: worth running again, unlike an SQL error or a failed test.
TRANSIENT = re.compile(
    r"server closed the connection unexpectedly|terminating connection due to administrator"
    r"|connection refused|could not connect to server|connection to server .* failed"
    r"|the database system is (starting up|shutting down|in recovery mode)"
    r"|connection already closed|could not receive data from server|SSL SYSCALL error"
    r"|deadlock detected|could not serialize access|connection reset by peer",
    re.IGNORECASE,
)
PARTIAL_PARSE = "partial_parse.msgpack"
#: The session setting that carries a build's load ceiling (macro load_ceiling).
CEILING_SETTING = "warehouse.load_ceiling"
#: dbt's sessions commit without waiting for the WAL flush: a build commits
#: hundreds of small transactions (every test stores its failing rows), and a
#: build is re-run from raw anyway. Safe: the server never loses a commit to a
#: crash of its own, and the wrapper's synchronous commit of the build's
#: success in audit.run_log flushes every WAL record before it, so a build
#: recorded as done is on disk even after a power loss.
ASYNC_COMMIT = "-c synchronous_commit=off"
#: The session setting that limits a daily build's tests to the rows it changed
#: (macro get_where_subquery in macros/quality/tests_on_changed_rows.sql).
TESTS_SINCE_SETTING = "warehouse.tests_since_load"
KEEP_INVOCATIONS = 30


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    output: str
    target_dir: Path  # where this invocation wrote its artifacts
    log_dir: Path  # and its dbt.log

    @property
    def deprecations(self) -> list[str]:
        return [line for line in self.output.splitlines() if DEPRECATION.search(line)]

    @property
    def transient(self) -> bool:
        """Failed because the database went away or a race was lost: retry."""
        return self.returncode != 0 and bool(TRANSIENT.search(self.output))


def write_profile(settings: Settings) -> Path:
    """Copy profiles.yml.example to WAREHOUSE_HOME/dbt/profiles.yml (when it changed)."""
    target = settings.profiles_dir / "profiles.yml"
    settings.profiles_dir.mkdir(parents=True, exist_ok=True)
    source = settings.profiles_example.read_bytes()
    if not target.exists() or target.read_bytes() != source:
        target.write_bytes(source)
    return target


def dbt_environment(settings: Settings, conn: Connection | None) -> dict[str, str]:
    """The variables dbt needs: the connection, the profile folder, the target.
    Without ``conn`` (an engine without a server), no connection."""
    connection = {**conn.libpq_env(), "PGPASSWORD": conn.password} if conn is not None else {}
    return {
        **connection,
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


def invocation_dirs(settings: Settings, label: str) -> tuple[Path, Path]:
    """A new (target, logs) pair for one invocation, under WAREHOUSE_HOME/dbt/runs;
    the oldest folders beyond KEEP_INVOCATIONS are removed."""
    runs = settings.profiles_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    existing = sorted(runs.iterdir(), key=lambda p: p.stat().st_mtime)
    for old in existing[: max(0, len(existing) - KEEP_INVOCATIONS + 1)]:
        shutil.rmtree(old, ignore_errors=True)
    number = len(existing) + 1
    while (folder := runs / f"{label}-{number}").exists():
        number += 1
    folder.mkdir()
    return folder / "target", folder / "logs"


def _die_with_parent() -> None:
    """In the dbt child: be sent SIGTERM when the wrapper dies, however it dies."""
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass  # not Linux: a killed wrapper may leave dbt to finish on its own


def parse_event(line: str) -> tuple[str, dict[str, Any] | None]:
    """One line of dbt's JSON log on stdout: its human text and the event
    (None for a line that is not an event, such as a crash's traceback)."""
    try:
        event = json.loads(line)
    except ValueError:
        return line.rstrip("\n"), None
    if not isinstance(event, dict) or not isinstance(event.get("info"), dict):
        return line.rstrip("\n"), None
    return str(event["info"].get("msg", "")), event


def run_dbt(
    args: list[str],
    settings: Settings,
    conn: Connection | None,
    echo: bool = True,
    label: str = "dbt",
    dbt_vars: dict | None = None,
    on_line: Callable[[str], None] | None = None,
    load_ceiling: int | None = None,
    tests_since: int | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    target_dir: Path | None = None,
    engine_env: dict[str, str] | None = None,
) -> DbtResult:
    """Run ``dbt <args>`` in the project folder, in an invocation folder of its
    own (or ``target_dir``); print dbt's lines when ``echo`` (and pass them to
    ``on_line``). dbt logs JSON on stdout: each event goes to ``on_event`` (the
    console's progress display), its text to the echo and the result; dbt.log
    keeps the usual text. ``dbt_vars`` go to dbt as --vars; ``load_ceiling``
    goes to every connection dbt opens as the session setting
    warehouse.load_ceiling (macro load_ceiling), not as a var: dbt re-parses
    the whole project when its vars change. ``tests_since`` (a load id) goes
    the same way: the data tests of incremental models then read only the rows
    of loads above it. ``engine_env``: the target and data folder of an engine
    without a server (warehouse.engines.dbt_environment), then ``conn`` is None."""
    write_profile(settings)
    # dbt is not this package: coverage (make test) does not follow it there
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env = {**inherited, **dbt_environment(settings, conn), **(engine_env or {})}
    env["DBT_LOG_FORMAT"] = "json"
    env.setdefault("DBT_LOG_FORMAT_FILE", "debug")
    if target_dir is not None:
        env["DBT_TARGET_PATH"] = str(target_dir)
        env.setdefault("DBT_LOG_PATH", str(target_dir.parent / "logs"))
    settings_sent = [
        f"-c {name}={int(value)}"
        for name, value in ((CEILING_SETTING, load_ceiling), (TESTS_SINCE_SETTING, tests_since))
        if value is not None
    ]
    env["PGOPTIONS"] = " ".join(filter(None, [env.get("PGOPTIONS"), ASYNC_COMMIT, *settings_sent]))
    if env.get("DBT_TARGET_PATH"):
        target_dir = settings.project_dir / env["DBT_TARGET_PATH"]
    else:
        target_dir, log_dir = invocation_dirs(settings, label)
        env["DBT_TARGET_PATH"] = str(target_dir)
        env.setdefault("DBT_LOG_PATH", str(log_dir))
    log_dir = settings.project_dir / env.get("DBT_LOG_PATH", "logs")
    cache = settings.profiles_dir / PARTIAL_PARSE
    if cache.exists() and not (target_dir / PARTIAL_PARSE).exists():
        target_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache, target_dir / PARTIAL_PARSE)
    command = [dbt_executable(), *args]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    lines: list[str] = []
    proc = subprocess.Popen(
        command,
        cwd=settings.project_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        preexec_fn=_die_with_parent if os.name == "posix" else None,  # noqa: PLW1509
    )
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            text, event = parse_event(raw)
            line = text + "\n"
            lines.append(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
            if on_line is not None:
                on_line(line)
            if on_event is not None and event is not None:
                on_event(event)
        proc.wait()
    finally:
        if proc.poll() is None:  # interrupted: dbt does not outlive the wrapper
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    produced = target_dir / PARTIAL_PARSE
    if proc.returncode == 0 and produced.exists() and produced != cache:
        shutil.copyfile(produced, cache)
    return DbtResult(proc.returncode, "".join(lines), target_dir, log_dir)
