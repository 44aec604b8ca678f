"""The loader's SparkSession: the same settings as dbt's (the spark target's
``server_side_parameters`` in profiles.yml.example, rendered with
WAREHOUSE_SPARK_DIR), so both see one warehouse directory and one metastore.

Derby, the local metastore, lets one process in at a time: ``stop`` ends the
session and the JVM it started, before dbt starts its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml

from warehouse.config import DBT_PROFILE_NAME, Settings
from warehouse.engines import SPARK, SPARK_DIR_VARIABLE, EngineError, spark_dir

#: Seconds the JVM has to exit once its session stopped.
JVM_EXIT_SECONDS = 60


def default_parameters(folder: Path) -> dict[str, str]:
    """The settings agreed for the spark target (docs/engines.md), used when
    the profile has no spark target."""
    return {
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={folder / 'metastore_db'};create=true"
        ),
        "spark.sql.session.timeZone": "UTC",
        # Derby's log beside its metastore, not in the working folder
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={folder}",
    }


def profile_parameters(profile_text: str, env: Mapping[str, str]) -> dict[str, str] | None:
    """The spark target's server_side_parameters, rendered with ``env``; None
    when the profile has no spark target."""

    def env_var(name: str, default: str = "") -> str:
        return env.get(name, default)  # other targets' variables may be unset here

    environment = jinja2.Environment(autoescape=False)
    for name in ("as_number", "as_bool", "as_native", "as_text"):  # dbt's own filters
        environment.filters[name] = lambda value: value
    rendered = environment.from_string(profile_text)
    profile = yaml.safe_load(rendered.render(env_var=env_var)) or {}
    target = profile.get(DBT_PROFILE_NAME, {}).get("outputs", {}).get(SPARK)
    if not target:
        return None
    return {str(k): str(v) for k, v in (target.get("server_side_parameters") or {}).items()}


def session_parameters(settings: Settings) -> dict[str, str]:
    """The loader's settings: the profile's where it has them, else the defaults;
    the Spark UI and its console progress bars off (nothing here looks at them)."""
    folder = spark_dir(settings)
    env = {**os.environ, SPARK_DIR_VARIABLE: str(folder)}
    from_profile = None
    if settings.profiles_example.exists():
        from_profile = profile_parameters(settings.profiles_example.read_text(), env)
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # the command shows its own
        **default_parameters(folder),
        **(from_profile or {}),
    }


def java_missing() -> str | None:
    """Why Spark cannot start here, or None."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return None
    return "Spark needs Java 17 (`java` is not on PATH and JAVA_HOME is not set)"


def start(parameters: Mapping[str, str]) -> Any:
    """A local SparkSession with Hive's catalog (as dbt-spark's session method)."""
    missing = java_missing()
    if missing:
        raise EngineError(missing)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("warehouse ingest")
    builder = builder.enableHiveSupport()
    for key, value in parameters.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop(session: Any) -> None:
    """Stop the session and the JVM this process started for it, so that the
    metastore is free for the next process (dbt)."""
    from pyspark import SparkContext

    session.stop()
    gateway = SparkContext._gateway
    if gateway is None:
        return
    proc = getattr(gateway, "proc", None)
    gateway.shutdown()
    if proc is not None:
        if proc.stdin is not None:
            proc.stdin.close()  # the JVM exits when its stdin closes
        try:
            proc.wait(timeout=JVM_EXIT_SECONDS)
        except Exception:  # noqa: BLE001 - a JVM that does not go is killed
            proc.kill()
            proc.wait()
    SparkContext._gateway = None
    SparkContext._jvm = None


def jvm_process() -> Any:
    """The JVM process of this process's session (None without one)."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    return getattr(gateway, "proc", None) if gateway is not None else None
