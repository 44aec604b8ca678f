"""The warehouse as Dagster assets: the landing-zone ingestion, then the dbt project.

Optional: it needs the `orchestration` extra (`pip install -e '.[orchestration]'`,
which `make setup` installs). Run it with

    dagster dev -m warehouse.orchestration.dagster_defs

with the same environment as the `warehouse` command (WAREHOUSE_HOME, PGHOST...,
DBT_TARGET). It defines

- `landing_ingest`, one multi-asset that loads every pending batch of the landing
  zone with the wrapper's own ingestion (`warehouse ingest`: writer lock, audit
  trail, retries); it materializes one asset per raw table, keys ["raw", <entity>],
  group "landing", and fails when a file failed to load;
- the dbt project (`dagster_dbt.dbt_assets`, group "warehouse"), one asset per
  model, seed and snapshot, keyed by its name (["fct_orders"]), dbt tests as asset
  checks; the sources of the raw schema are mapped to the ingestion's assets, so
  staging depends on them (the `ingestion` and `audit` sources stay external);
- `warehouse_job` (every asset) and the schedule `daily_warehouse` (06:00 UTC).

The manifest comes from `dbt parse` (it does not connect) into
WAREHOUSE_HOME/dagster/target, and each build writes its artifacts under
WAREHOUSE_HOME/dagster/runs: the repository's target/ is never touched.

`warehouse run` remains the simplest daily job and the complete one: besides
ingest and build it checks source freshness, assesses data quality, writes the
report and alerts, none of which this Dagster job does; its dbt build also
holds the writer lock and reads raw only up to a load ceiling. Use this module
when an orchestrator is wanted for its UI, lineage and scheduling.

`defs` is built when first asked for (importing the module parses nothing);
`build_definitions(settings)` builds definitions for other settings (the tests).
"""

import fcntl
import functools
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Definitions,
    Failure,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    define_asset_job,
    multi_asset,
)
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from warehouse import db, dbt_runner, lock, pipeline
from warehouse.config import Settings, load_settings
from warehouse.contract import ENTITIES, Entity
from warehouse.ingest import FileResult

INGEST_GROUP = "landing"
DBT_GROUP = "warehouse"
JOB_NAME = "warehouse_job"
SCHEDULE_NAME = "daily_warehouse"
SCHEDULE_CRON = "0 6 * * *"
SCHEDULE_TIMEZONE = "UTC"
RAW_PREFIX = "raw"

#: (dbt source name, table name) of every raw table the ingestion loads.
RAW_SOURCE_TABLES: frozenset[tuple[str, str]] = frozenset((e.source, e.name) for e in ENTITIES)

defs: Definitions  # built on first access, by __getattr__ below


def raw_asset_key(entity: Entity) -> AssetKey:
    return AssetKey([RAW_PREFIX, entity.name])


class WarehouseDbtTranslator(DagsterDbtTranslator):
    """dbt resources as the warehouse's assets: the raw sources of the contract
    are the ingestion's assets; every dbt asset is in the group "warehouse"."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if (
            dbt_resource_props.get("resource_type") == "source"
            and (dbt_resource_props.get("source_name"), dbt_resource_props.get("name"))
            in RAW_SOURCE_TABLES
        ):
            return AssetKey([RAW_PREFIX, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return DBT_GROUP


def _dagster_dir(settings: Settings) -> Path:
    return settings.home / "dagster"


def prepare_dbt_environment(settings: Settings) -> None:
    """Write the wrapper's dbt profile and export the variables dbt needs (the
    resolved connection, the profile folder, the target) to this process, whose
    environment every dbt run of Dagster inherits."""
    dbt_runner.write_profile(settings)
    os.environ.update(dbt_runner.dbt_environment(settings, db.resolve(settings)))


def parse_project(settings: Settings) -> DbtProject:
    """`dbt parse` the project into WAREHOUSE_HOME/dagster/target (one process
    at a time: a `dagster dev` starts several)."""
    project = DbtProject(
        project_dir=settings.project_dir,
        profiles_dir=settings.profiles_dir,
        target=settings.dbt_target,
        target_path=_dagster_dir(settings) / "target",
    )
    folder = _dagster_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            DbtCliResource(project_dir=project, dbt_executable=dbt_runner.dbt_executable()).cli(
                ["parse", "--quiet"], target_path=project.target_path
            ).wait()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return project


def _ingest_assets(settings: Settings) -> Any:
    @multi_asset(
        name="landing_ingest",
        specs=[
            AssetSpec(
                raw_asset_key(entity),
                group_name=INGEST_GROUP,
                description=f"raw.{entity.name}: the {entity.source} extract {entity.file_name}, "
                "every landing batch appended (`warehouse ingest`).",
                kinds={"python", "postgres"},
            )
            for entity in ENTITIES
        ],
    )
    def landing_ingest(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
        def on_file(result: FileResult) -> None:
            context.log.info(
                f"{result.file.relative_path}: {result.status}, {result.rows_loaded} rows"
                f" loaded, {result.rows_quarantined} quarantined"
                + (f": {result.error}" if result.error else "")
            )

        ctx = pipeline.Context(settings, db.resolve(settings), echo_dbt=False)
        outcome = pipeline.ingest(ctx, settings.landing_dir, on_file=on_file)
        if not outcome.ok:
            raise Failure(
                description="; ".join(outcome.failures),
                metadata={
                    "failures": MetadataValue.json(outcome.failures),
                    "warehouse_run_id": outcome.run_id,
                },
            )
        files = outcome.ingest.files if outcome.ingest else []
        for entity in ENTITIES:
            mine = [f for f in files if f.file.entity.name == entity.name]
            yield MaterializeResult(
                asset_key=raw_asset_key(entity),
                metadata={
                    "rows_loaded": sum(f.rows_loaded for f in mine),
                    "rows_quarantined": sum(f.rows_quarantined for f in mine),
                    "files_loaded": sum(1 for f in mine if f.status == "loaded"),
                    "files_skipped": sum(1 for f in mine if f.status == "skipped"),
                    "warehouse_run_id": outcome.run_id,
                },
            )

    return landing_ingest


def _dbt_assets(settings: Settings, project: DbtProject) -> Any:
    runs = _dagster_dir(settings) / "runs"

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="warehouse_dbt",
        dagster_dbt_translator=WarehouseDbtTranslator(),
    )
    def warehouse_dbt(context: AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        conn = db.resolve(settings)
        db.ensure_database(settings, conn)  # starts the embedded server
        target = runs / f"build-{context.run.run_id[:8]}"
        target.mkdir(parents=True, exist_ok=True)
        cache = Path(project.target_path) / dbt_runner.PARTIAL_PARSE
        if cache.exists():  # parsing stays incremental
            shutil.copyfile(cache, target / dbt_runner.PARTIAL_PARSE)
        # like `warehouse build`: the writer lock for the whole build, and raw read
        # only up to the loads committed when it starts
        with lock.writer_lock(conn, "dagster-build", wait_seconds=600):
            with db.connect(conn) as pg:
                ceiling = lock.load_ceiling(pg)
            args = ["build", "--vars", json.dumps({"load_ceiling": ceiling})]
            yield from dbt.cli(args, context=context, target_path=target).stream()

    return warehouse_dbt


def build_definitions(settings: Settings | None = None) -> Definitions:
    """The warehouse's Dagster definitions for ``settings`` (default: the
    environment's); parses the dbt project (no database needed)."""
    settings = settings or load_settings()
    prepare_dbt_environment(settings)
    project = parse_project(settings)
    job = define_asset_job(
        JOB_NAME,
        selection=AssetSelection.all(),
        description="Ingest the landing zone, then dbt build (models, tests, snapshots).",
    )
    return Definitions(
        assets=[_ingest_assets(settings), _dbt_assets(settings, project)],
        jobs=[job],
        schedules=[
            ScheduleDefinition(
                name=SCHEDULE_NAME,
                job=job,
                cron_schedule=SCHEDULE_CRON,
                execution_timezone=SCHEDULE_TIMEZONE,
                description="The daily load and build (`warehouse run` adds freshness, "
                "data quality, the report and alerts).",
            )
        ],
        resources={
            "dbt": DbtCliResource(project_dir=project, dbt_executable=dbt_runner.dbt_executable())
        },
    )


@functools.cache
def _default_definitions() -> Definitions:
    return build_definitions()


def __getattr__(name: str) -> Any:
    """`defs`, built once, when first asked for (PEP 562)."""
    if name == "defs":
        return _default_definitions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "defs"})
