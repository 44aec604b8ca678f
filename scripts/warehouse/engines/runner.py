"""The pipeline on an engine without a server: ingest into the engine's raw
tables, then ``dbt build`` on its target. No run history, quality report or
alerts here: those live in PostgreSQL's audit schema (docs/engines.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from warehouse.config import Settings
from warehouse.dbt_runner import DbtResult, run_dbt
from warehouse.engines import DUCKDB, SPARK, EngineError, dbt_environment, duckdb_path
from warehouse.engines.local import Store, ingest_landing
from warehouse.ingest.results import FileResult, IngestResult
from warehouse.landing import LandingError, discover


@contextmanager
def open_store(engine: str, settings: Settings) -> Iterator[Any]:
    """The engine's tables, open for one ingestion (closed after: DuckDB's file
    and Spark's metastore take one process at a time, and dbt comes next)."""
    if engine == DUCKDB:
        from warehouse.engines.duckdb_store import DuckDBStore

        with DuckDBStore(duckdb_path(settings)) as store:
            yield store
    elif engine == SPARK:
        from warehouse.engines.spark_store import SparkStore

        with SparkStore.open(settings) as store:
            yield store
    else:
        raise EngineError(f"{engine}: not an engine without a server")


def ingest(
    engine: str,
    settings: Settings,
    landing: Path,
    *,
    reload: date | None = None,
    allow_late_batch: bool = False,
    on_file: Callable[[FileResult], None] | None = None,
) -> IngestResult:
    with open_store(engine, settings) as store:
        return ingest_landing(
            store, landing, on_file=on_file, reload=reload, allow_late_batch=allow_late_batch
        )


def build(
    engine: str,
    settings: Settings,
    dbt_args: list[str],
    *,
    echo: bool = True,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    label: str = "build",
) -> DbtResult:
    """``dbt build`` on the engine's target (extra arguments go to dbt)."""
    return run_dbt(
        ["build", *dbt_args],
        settings,
        None,
        echo=echo,
        label=f"{engine}-{label}",
        on_event=on_event,
        engine_env=dbt_environment(engine, settings),
    )


@dataclass
class EngineStatus:
    engine: str
    location: Path
    loads: list[tuple[str, date, int, int]] = field(default_factory=list)  # entity ...
    pending: dict[date, list[str]] = field(default_factory=dict)
    landing_error: str | None = None


def read_status(engine: str, settings: Settings, landing: Path) -> EngineStatus:
    """Per entity its newest batch, loads and quarantined lines; the landing
    files not loaded yet."""
    location = duckdb_path(settings) if engine == DUCKDB else settings.home / SPARK
    status = EngineStatus(engine, location)
    loaded: set[str] = set()
    with open_store(engine, settings) as store:
        status.loads = store.watermarks()
        loaded = set(store.loaded_files())
    try:
        for batch in discover(landing):
            waiting = [f.relative_path for f in batch.files if f.relative_path not in loaded]
            if waiting:
                status.pending[batch.batch_date] = waiting
    except LandingError as exc:
        status.landing_error = str(exc)
    return status


__all__ = ["EngineStatus", "Store", "build", "ingest", "open_store", "read_status"]
