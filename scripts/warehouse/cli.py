"""The `warehouse` command: parses arguments, calls the modules, prints with rich.

It holds no pipeline logic of its own.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warehouse import db, embedded, pipeline, summary
from warehouse.config import ConfigError, Settings, load_settings
from warehouse.contract import parse_batch_date
from warehouse.dbt_runner import DbtError, dbt_environment, write_profile
from warehouse.ingest import FileResult, IngestError, IngestResult
from warehouse.landing import LandingError, discover
from warehouse.quality import report as quality_report
from warehouse.quality.artifacts import ArtifactError

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    help="E-commerce analytics warehouse: generate, ingest and build with dbt on PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="The PostgreSQL the warehouse uses (embedded unless PGHOST is set).")
app.add_typer(db_app, name="db")

USER_ERRORS = (
    ConfigError,
    db.DatabaseError,
    LandingError,
    IngestError,
    DbtError,
    quality_report.ReportError,
    ArtifactError,
)

LandingOption = Annotated[
    Path | None,
    typer.Option(
        "--landing",
        help="Landing zone holding the batch folders "
        "(default: data/landing, or WAREHOUSE_LANDING).",
        file_okay=False,
    ),
]


def _context() -> tuple[Settings, db.Connection]:
    settings = load_settings()
    return settings, db.resolve(settings)


# --------------------------------------------------------------------------- db


@db_app.command("start")
def db_start() -> None:
    """Start the embedded server (or check the external one answers), create the database."""
    settings, conn = _context()
    db.ensure_database(settings, conn)
    where = "embedded server" if conn.embedded else "external server"
    console.print(f"[green]ready[/]: {where} at {conn.url()}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded server. An external server is left alone."""
    settings, conn = _context()
    if not conn.embedded:
        console.print(f"PGHOST names an external server ({conn.url()}); nothing to stop.")
        return
    stopped = embedded.stop(settings.pgdata)
    console.print(
        "stopped the embedded server" if stopped else "the embedded server was not running"
    )


@db_app.command("status")
def db_status() -> None:
    """Say which server is used and whether it is up."""
    settings, conn = _context()
    if conn.embedded:
        state = embedded.read_state(settings.pgdata)
        status = f"running (pid {state.pid})" if state.running else "stopped"
        console.print(f"embedded server, data in {settings.pgdata}: {status}")
        if not state.running:
            raise typer.Exit(3)
    else:
        try:
            with db.connect(conn.with_database("postgres")) as pg:
                version = pg.execute("show server_version").fetchone()[0]
        except db.DatabaseError as exc:
            console.print(f"external server {conn.url()}: unreachable: {exc}")
            raise typer.Exit(3) from None
        console.print(f"external server {conn.url()}: up (PostgreSQL {version})")
    console.print(f"database: {conn.url()}")


@db_app.command("url")
def db_url() -> None:
    """Print the connection URL of the warehouse database."""
    _, conn = _context()
    print(conn.url())


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the warehouse database (extra arguments go to psql)."""
    settings, conn = _context()
    db.ensure_database(settings, conn)
    psql = str(embedded.psql_path())
    env = {**os.environ, **conn.libpq_env()}
    raise typer.Exit(subprocess.call([psql, *ctx.args], env=env))


@app.command("env")
def env() -> None:
    """Print shell exports for psql and plain dbt: eval "$(warehouse env)"

    The PG* variables of the resolved database, DBT_PROFILES_DIR of the
    generated profile, and this installation's dbt and psql first on PATH.
    """
    settings, conn = _context()
    write_profile(settings)
    for key, value in dbt_environment(settings, conn).items():
        if key == "PGPASSWORD" and not value:
            continue
        print(f"export {key}={shlex.quote(value)}")
    # dbt and psql of this installation first on PATH.
    tools = f"{Path(sys.executable).parent}:{embedded.psql_path().parent}"
    print(f'export PATH={shlex.quote(tools)}:"$PATH"')


# ------------------------------------------------------------------- pipeline


def _file_progress(files: int) -> tuple[Progress, object]:
    progress = Progress(
        TextColumn("[bold]ingest[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task("", total=files)
    return progress, task


def _ingest_table(result: IngestResult) -> Table:
    """One row per file that was loaded, reloaded or failed (skipped files are
    only counted). Drift and errors are printed below the table, in full."""
    table = Table(title="Ingestion", box=box.SIMPLE_HEAD)
    table.add_column("file", no_wrap=True)
    table.add_column("status")
    for column in ("rows", "bad lines", "secs"):  # bad lines: quarantined
        table.add_column(column, justify="right")
    table.add_column("path")
    for f in result.files:
        if f.status == "skipped":
            continue
        status = "reloaded" if f.reloaded else f.status
        style = {"loaded": "green", "failed": "red"}.get(f.status, "")
        table.add_row(
            f.file.relative_path,
            f"[{style}]{status}[/]",
            f"{f.rows_loaded:,}",
            f"{f.rows_quarantined:,}",
            f"{f.seconds:.2f}" if f.status == "loaded" else "",
            f.load_path or "",
        )
    return table


def _ingest_summary(result: IngestResult) -> str:
    reloaded = sum(1 for f in result.files if f.reloaded)
    return (
        f"{result.count('loaded')} files loaded"
        + (f" ({reloaded} reloaded)" if reloaded else "")
        + f", {result.count('skipped')} already loaded (skipped), "
        f"{result.count('failed')} failed; {result.rows_loaded:,} rows, "
        f"{result.rows_quarantined:,} lines quarantined"
    )


def _drift_lines(result: IngestResult) -> list[str]:
    """One line per file whose columns differ from the contract."""
    lines = []
    for f in result.files:
        if f.status != "loaded" or not (f.extra_columns or f.missing_columns):
            continue
        parts = []
        if f.extra_columns:
            parts.append(f"extra {', '.join(f.extra_columns)} (kept in _extra_columns)")
        if f.missing_columns:
            parts.append(f"missing {', '.join(f.missing_columns)} (loaded as NULL)")
        lines.append(f"{f.file.relative_path}: {'; '.join(parts)}")
    return lines


def _run_ingest(
    settings: Settings,
    conn: db.Connection,
    landing: Path,
    run_id: str,
    reload: date | None = None,
) -> IngestResult:
    files = sum(len(b.files) for b in discover(landing))
    progress, task = _file_progress(files)

    def on_file(result: FileResult) -> None:
        progress.update(task, advance=1, description=f"{result.file.relative_path} {result.status}")

    with progress:
        result = pipeline.ingest(settings, conn, landing, run_id, on_file=on_file, reload=reload)
    _show_ingest(result)
    return result


def _show_ingest(result: IngestResult) -> None:
    if any(f.status != "skipped" for f in result.files):
        console.print(_ingest_table(result))
    console.print(_ingest_summary(result), highlight=False, soft_wrap=True)
    for line in _drift_lines(result):
        console.print(f"[yellow]schema drift[/]: {line}", highlight=False)
    for path in result.ignored:
        console.print(f"[yellow]ignored[/]: {path} is no entity of the landing contract")
    for failed in result.failed:
        err_console.print(f"[red]error[/]: {failed.error}", highlight=False)


def _parse_batch(value: str | None) -> date | None:
    if value is None:
        return None
    batch = parse_batch_date(value)
    if batch is None:
        raise IngestError(f"--reload {value!r}: not a batch date (YYYY-MM-DD)")
    return batch


@app.command("ingest")
def ingest(
    landing: LandingOption = None,
    reload: Annotated[
        str | None,
        typer.Option(
            "--reload",
            metavar="BATCH",
            help="Replace what was loaded from batch BATCH (YYYY-MM-DD) with its files as "
            "they are now; pending batches load as usual.",
        ),
    ] = None,
) -> None:
    """Load every pending landing batch into the raw schema (COPY), in batch-date order."""
    batch = _parse_batch(reload)
    settings, conn = _context()
    result = _run_ingest(
        settings, conn, landing or settings.landing_dir, pipeline.new_run_id(), reload=batch
    )
    if result.failed:
        raise typer.Exit(1)


@app.command("build", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def build(ctx: typer.Context) -> None:
    """Run `dbt build` on the warehouse database (extra arguments go to dbt)."""
    settings, conn = _context()
    pipeline.build(settings, conn, pipeline.new_run_id(), list(ctx.args))


@app.command("run")
def run(
    landing: LandingOption = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(
            "--report-dir",
            help="Where to write the data-quality report (default: WAREHOUSE_HOME/reports).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """The whole pipeline: ingest every pending batch, check freshness, dbt build,
    assess data quality, write the report, alert; exit 1 unless all passed."""
    settings, conn = _context()
    run_id = pipeline.new_run_id()
    landing = landing or settings.landing_dir
    console.rule(f"run {run_id} on {conn.url()}")
    ingested = _run_ingest(settings, conn, landing, run_id)
    outcome = pipeline.run_after_ingest(
        settings, conn, landing, run_id, ingested, pipeline.alert_webhook(), report_dir
    )
    _print_counts(conn)
    _show_quality(outcome)
    if not outcome.ok:
        for failure in outcome.failures:
            err_console.print(f"[red]error[/]: {failure}", highlight=False)
        raise typer.Exit(1)


def _show_quality(outcome: pipeline.RunOutcome) -> None:
    assessment = outcome.assessment
    if assessment is not None:
        overall = next(s for s in assessment.scores if s.scope == "overall")
        table = Table(title="Data quality", box=box.SIMPLE_HEAD)
        for column in ("dimension", "checks", "passed", "warned", "failed", "score"):
            table.add_column(column, justify="left" if column == "dimension" else "right")
        for score in assessment.scores:
            if score.scope == "model" or not score.checks:
                continue
            style = "red" if score.failed or score.below_threshold else ""
            table.add_row(
                score.name,
                str(score.checks),
                str(score.passed),
                str(score.warned),
                f"[{style}]{score.failed}[/]" if style else str(score.failed),
                f"{score.score:.1%}",
            )
        console.print(table)
        if assessment.ground_truth:
            injected = sum(r.injected for r in assessment.ground_truth)
            detected = sum(r.detected for r in assessment.ground_truth)
            false = sum(r.false_positive_count for r in assessment.ground_truth)
            console.print(
                f"ground truth: {detected:,} of {injected:,} injected defects detected, "
                f"{false:,} false positives",
                highlight=False,
            )
        console.print(
            f"quality: {overall.checks} checks, {overall.passed} passed, {overall.warned} "
            f"warned, {overall.failed} failed",
            highlight=False,
        )
    for warning in outcome.warnings:
        console.print(f"[yellow]anomaly[/]: {warning}", highlight=False)
    if outcome.alert is not None:
        where = {"sent": "sent to the webhook", "recorded": "recorded (no webhook set)"}
        console.print(
            f"alert {where.get(outcome.alert.status, 'could not be sent')}"
            + (f": {outcome.alert.error}" if outcome.alert.error else ""),
            highlight=False,
        )
    if outcome.report is not None:
        console.print(f"report: {outcome.report}", highlight=False, soft_wrap=True)


@app.command("report")
def report(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder for dq_report.html and dq_report.json (default: WAREHOUSE_HOME/reports).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Write the data-quality report of the latest run: HTML (opens offline) and JSON."""
    settings, conn = _context()
    html, json_path = quality_report.write_for_database(conn, out or settings.home / "reports")
    console.print(f"report: {html}\n  json: {json_path}", highlight=False, soft_wrap=True)


def _print_counts(conn: db.Connection) -> None:
    with db.connect(conn) as pg:
        counts = summary.layer_counts(pg)
    table = Table(title=f"Warehouse {conn.url()}")
    table.add_column("layer")
    table.add_column("relation")
    table.add_column("kind")
    table.add_column("rows", justify="right")
    for c in counts:
        table.add_row(c.schema, c.name, c.kind, f"{c.rows:,}")
    console.print(table)


@app.command("status")
def status() -> None:
    """Database, watermarks per entity, last loads and row counts per layer."""
    settings, conn = _context()
    db.ensure_database(settings, conn)
    with db.connect(conn) as pg:
        exists = pg.execute("select to_regclass('audit.watermarks') is not null").fetchone()[0]
        if not exists:
            console.print(f"{conn.url()}: nothing loaded yet (run `warehouse run`)")
            return
        marks = pg.execute(
            "select w.entity, w.last_batch_date, w.updated_at,"
            " (select count(*) from audit.load_manifest m where m.entity = w.entity"
            "   and m.status = 'loaded'),"
            " (select coalesce(sum(rows_quarantined), 0) from audit.load_manifest m"
            "   where m.entity = w.entity and m.status = 'loaded')"
            " from audit.watermarks w order by w.entity"
        ).fetchall()
    table = Table(title="Watermarks (last batch loaded per entity)")
    for column in ("entity", "last batch", "loaded at", "files", "quarantined"):
        table.add_column(column)
    for entity, batch, updated, files, quarantined in marks:
        table.add_row(
            entity, batch.isoformat(), f"{updated:%Y-%m-%d %H:%M:%S}", str(files), str(quarantined)
        )
    console.print(table)
    _print_counts(conn)


def _register_generator() -> None:
    from warehouse.generate.command import generate_command

    app.command("generate")(generate_command)


_register_generator()


def main() -> None:
    """Entry point: user errors become one clear line and exit code 1, not a traceback."""
    import click

    try:
        code = app(standalone_mode=False)
    except (*USER_ERRORS, embedded.EmbeddedServerError) as exc:
        err_console.print(f"[red]error[/]: {exc}", highlight=False)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        err_console.print("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
