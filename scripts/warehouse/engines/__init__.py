"""The engines the warehouse runs on: PostgreSQL (the default, a server),
DuckDB (one file) and Spark (a local session, parquet tables), all under
WAREHOUSE_HOME for the last two (docs/engines.md).

One dbt project builds on all three (a dbt target per engine). The ingestion
keeps one contract everywhere: the lines of a landing file are judged by the
same Python code (``warehouse.csvlines``) on every engine, and only the way
the good records get into the raw tables is the engine's own (COPY on
PostgreSQL, ``read_csv`` on DuckDB, ``spark.read.csv`` on Spark).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from warehouse.config import Settings
from warehouse.errors import WarehouseError

POSTGRES = "postgres"
DUCKDB = "duckdb"
SPARK = "spark"
ENGINES: tuple[str, ...] = (POSTGRES, DUCKDB, SPARK)
#: The engines that need no server: the pipeline runs in this process.
LOCAL_ENGINES: tuple[str, ...] = (DUCKDB, SPARK)
ENGINE_VARIABLE = "WAREHOUSE_ENGINE"
DUCKDB_PATH_VARIABLE = "WAREHOUSE_DUCKDB_PATH"
SPARK_DIR_VARIABLE = "WAREHOUSE_SPARK_DIR"


class EngineError(WarehouseError):
    """An engine name that is not one, or a command the engine does not have."""


def resolve_engine(value: str | None, env: Mapping[str, str] | None = None) -> str:
    """The engine ``--engine`` names, else WAREHOUSE_ENGINE, else postgres."""
    env = os.environ if env is None else env
    name = (value or env.get(ENGINE_VARIABLE) or POSTGRES).strip().lower()
    if name not in ENGINES:
        where = "--engine" if value else ENGINE_VARIABLE
        raise EngineError(f"{where} {name!r}: not an engine (one of {', '.join(ENGINES)})")
    return name


def require_postgres(engine: str, command: str) -> None:
    """Refuse, in one line, a command that only PostgreSQL has."""
    if engine != POSTGRES:
        raise EngineError(
            f"`warehouse {command}` works on PostgreSQL only, not on {engine} "
            f"(unset {ENGINE_VARIABLE}, or set it to postgres)"
        )


def duckdb_path(settings: Settings) -> Path:
    """The DuckDB database file: WAREHOUSE_HOME/duckdb/warehouse.duckdb."""
    return settings.home / "duckdb" / "warehouse.duckdb"


def spark_dir(settings: Settings) -> Path:
    """Spark's folder: the warehouse directory (tables) and the Derby metastore."""
    return settings.home / "spark"


def dbt_environment(engine: str, settings: Settings) -> dict[str, str]:
    """What dbt needs to build on a local engine: its target and where the
    engine keeps its data (profiles.yml.example reads these variables)."""
    if engine == DUCKDB:
        return {"DBT_TARGET": DUCKDB, DUCKDB_PATH_VARIABLE: str(duckdb_path(settings))}
    if engine == SPARK:
        return {"DBT_TARGET": SPARK, SPARK_DIR_VARIABLE: str(spark_dir(settings))}
    raise EngineError(f"{engine}: not a local engine")
