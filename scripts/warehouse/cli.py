"""The `warehouse` command: parses arguments, calls the modules, prints with rich.

It holds no pipeline logic of its own.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from warehouse import __version__, db, docs, embedded, engines, mapping, pipeline, secrets, show
from warehouse import console as output
from warehouse.config import Settings, load_settings
from warehouse.contract import parse_batch_date
from warehouse.dbt_runner import dbt_environment, write_profile
from warehouse.engines import runner as engine_runner
from warehouse.errors import WarehouseError
from warehouse.ingest import IngestError, IngestResult
from warehouse.quality import alerts
from warehouse.quality import report as quality_report
from warehouse.reset import reset
from warehouse.status import read_status

console = output.console
err_console = output.err_console

app = typer.Typer(
    help="E-commerce analytics warehouse: generate, ingest and build with dbt on PostgreSQL.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(
    help="The PostgreSQL the warehouse uses (embedded unless PGHOST is set).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")
pii_app = typer.Typer(
    help="Personal data: the pseudonym key (docs/data-protection.md).", no_args_is_help=True
)
app.add_typer(pii_app, name="pii")

LandingOption = Annotated[
    Path | None,
    typer.Option(
        "--landing",
        help="Landing zone holding the batch folders "
        "(default: data/landing, or WAREHOUSE_LANDING).",
        file_okay=False,
    ),
]


def _show_version(value: bool) -> None:
    if value:
        print(f"warehouse {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """E-commerce analytics warehouse: generate, ingest and build with dbt on PostgreSQL."""


EngineOption = Annotated[
    str | None,
    typer.Option(
        "--engine",
        metavar="ENGINE",
        help="Where the warehouse runs: postgres (default), duckdb or spark "
        "(or WAREHOUSE_ENGINE; docs/engines.md).",
        show_default=False,
    ),
]


def _context(command: str, engine: str | None = None) -> tuple[Settings, db.Connection]:
    """Settings and PostgreSQL connection of a command that runs on PostgreSQL;
    refused in one line when WAREHOUSE_ENGINE (or ``engine``) names another."""
    engines.require_postgres(engines.resolve_engine(engine), command)
    settings = load_settings()
    return settings, db.resolve(settings)


# --------------------------------------------------------------------------- db


@db_app.command("start")
def db_start() -> None:
    """Start the embedded server (or check the external one answers), create the database."""
    settings, conn = _context("db start")
    db.ensure_database(settings, conn)
    where = "embedded server" if conn.embedded else "external server"
    console.print(f"[green]ready[/]: {where} at {conn.url()}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded server. An external server is left alone."""
    settings, conn = _context("db stop")
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
    settings, conn = _context("db status")
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
def db_url(engine: EngineOption = None) -> None:
    """Print the connection URL of the warehouse database, password included,
    for psql and other clients: psql "$(warehouse db url)". With --engine duckdb,
    the DuckDB file's path: duckdb "$(warehouse db url --engine duckdb)"."""
    engine = engines.resolve_engine(engine)
    if engine == engines.DUCKDB:
        print(engines.duckdb_path(load_settings()))
        return
    _, conn = _context("db url", engine)
    print(conn.url(with_password=True))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the warehouse database (extra arguments go to psql)."""
    settings, conn = _context("db psql")
    db.ensure_database(settings, conn)
    psql = str(embedded.psql_path())
    env = {**os.environ, **conn.libpq_env()}
    raise typer.Exit(subprocess.call([psql, *ctx.args], env=env))


@app.command("env")
def env() -> None:
    """Print shell exports for psql and plain dbt: eval "$(warehouse env)"

    The PG* variables of the resolved database (for the embedded server, the
    ETL role and PGPASSFILE, a password file only you can read), DBT_PROFILES_DIR
    of the generated profile, and this installation's dbt and psql first on PATH.
    """
    settings, conn = _context("env")
    write_profile(settings)
    for key, value in dbt_environment(settings, conn).items():
        if key == "PGPASSWORD" and (conn.embedded or not value):
            continue  # the embedded server's password is in the PGPASSFILE, not the shell
        print(f"export {key}={shlex.quote(value)}")
    if conn.embedded:
        pgpass = secrets.write_pgpass(
            secrets.ensure_secrets(settings.home / "secrets"), settings.embedded_port
        )
        print(f"export PGPASSFILE={shlex.quote(str(pgpass))}")
        print("unset PGPASSWORD")
    # dbt and psql of this installation first on PATH.
    tools = f"{Path(sys.executable).parent}:{embedded.psql_path().parent}"
    print(f'export PATH={shlex.quote(tools)}:"$PATH"')


# ------------------------------------------------------------------- pipeline

WaitOption = Annotated[
    float,
    typer.Option(
        "--wait",
        metavar="SECONDS",
        help="When another warehouse command holds the database, wait this long for it "
        "(default 0: exit 3 at once, naming the holder).",
        min=0,
    ),
]
ReportDirOption = Annotated[
    Path | None,
    typer.Option(
        "--report-dir",
        help="Where to write the data-quality report (default: WAREHOUSE_HOME/reports).",
        file_okay=False,
    ),
]


FullTestsOption = Annotated[
    bool,
    typer.Option(
        "--full-tests",
        help="Test every row of every model and run the unit tests (the weekly check), "
        "not only the rows the build changed.",
    ),
]


VerboseOption = Annotated[
    bool,
    typer.Option(
        "--verbose", "-v",
        help="Show dbt's own lines (one per node) instead of the progress display; "
        "they are always in dbt's log.",
    ),
]  # fmt: skip


AllowLateBatchOption = Annotated[
    bool,
    typer.Option(
        "--allow-late-batch",
        help="Load a batch older than one already loaded for its entity (recorded as late "
        "in the load manifest) instead of refusing it.",
    ),
]


def _pipeline_context(
    command: str,
    wait: float,
    verbose: bool = True,
    progress: output.RunProgress | None = None,
    engine: str | None = None,
) -> pipeline.Context:
    """Quiet (dbt's nodes on the progress display) unless ``verbose``."""
    settings, conn = _context(command, engine)
    on_event = progress.on_dbt_event if progress is not None and not verbose else None
    return pipeline.Context(settings, conn, wait, output.listener, verbose, on_event)


def _batch(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    batch = parse_batch_date(value)
    if batch is None:
        raise IngestError(f"{option} {value!r}: not a batch date (YYYY-MM-DD)")
    return batch


def _end(
    outcome: pipeline.RunOutcome, started: float | None = None, conn: db.Connection | None = None
) -> None:
    output.show_steps(outcome)
    if started is not None:
        output.show_closing(outcome, time.monotonic() - started, conn)
    if not outcome.ok:
        raise typer.Exit(1)


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
    wait: WaitOption = 0,
    allow_late_batch: AllowLateBatchOption = False,
    engine: EngineOption = None,
) -> None:
    """Load every pending landing batch into the raw schema (COPY), in batch-date order."""
    batch = _batch(reload, "--reload")
    engine = engines.resolve_engine(engine)
    if engine != engines.POSTGRES:
        if not _local_ingest(engine, landing, batch, allow_late_batch).ok:
            raise typer.Exit(1)
        return
    ctx = _pipeline_context("ingest", wait, engine=engines.POSTGRES)
    landing = landing or ctx.settings.landing_dir
    with output.run_progress(landing) as progress:
        outcome = pipeline.ingest(
            ctx, landing, reload=batch, on_file=progress.on_file, allow_late_batch=allow_late_batch
        )
    if outcome.ingest is not None:
        output.show_ingest(outcome.ingest)
    if not outcome.ok:
        raise typer.Exit(1)


def _local_ingest(
    engine: str, landing: Path | None, reload: date | None, allow_late_batch: bool
) -> IngestResult:
    """The ingestion on an engine without a server (warehouse.engines)."""
    settings = load_settings()
    landing = landing or settings.landing_dir
    output.console.rule(f"ingest on {engine}")
    with output.run_progress(landing) as progress:
        result = engine_runner.ingest(
            engine, settings, landing, reload=reload, allow_late_batch=allow_late_batch,
            on_file=progress.on_file,
        )  # fmt: skip
    output.show_ingest(result)
    return result


def _local_build(engine: str, dbt_args: list[str], full_tests: bool) -> None:
    """dbt build on an engine without a server; unit tests with --full-tests."""
    settings = load_settings()
    args = dbt_args if full_tests else [*dbt_args, *pipeline.WITHOUT_UNIT_TESTS]
    output.console.rule(f"dbt build on {engine}")
    result = engine_runner.build(engine, settings, args)
    if result.returncode != 0:
        raise engines.EngineError(
            f"dbt build on {engine} failed (exit {result.returncode}); dbt's log: "
            f"{result.log_dir / 'dbt.log'}"
        )


@app.command("build", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def build(
    ctx: typer.Context,
    wait: WaitOption = 0,
    verbose: VerboseOption = False,
    full_tests: FullTestsOption = False,
    engine: EngineOption = None,
) -> None:
    """Run `dbt build` on the warehouse database (extra arguments go to dbt) and
    record the quality of what it built. After new loads, the incremental models'
    tests read the rows the build changed and unit tests are left to CI
    (--full-tests: every row, and the unit tests); with nothing
    loaded since the last whole build, only what changed in the project is built
    (dbt's state:modified+)."""
    engine = engines.resolve_engine(engine)
    if engine != engines.POSTGRES:
        _local_build(engine, list(ctx.args), full_tests)
        return
    started = time.monotonic()
    with output.run_progress() as progress:
        outcome = pipeline.build(
            _pipeline_context("build", wait, verbose, progress, engines.POSTGRES),
            list(ctx.args),
            full_tests,
        )
    if outcome.nothing_to_do:
        output.console.print(outcome.nothing_to_do, highlight=False, soft_wrap=True)
    _end(outcome, started)


@app.command("run")
def run(
    landing: LandingOption = None,
    full_refresh: Annotated[
        bool,
        typer.Option("--full-refresh", help="Rebuild every model from raw, not incrementally."),
    ] = False,
    report_dir: ReportDirOption = None,
    wait: WaitOption = 0,
    allow_late_batch: AllowLateBatchOption = False,
    full_tests: FullTestsOption = False,
    verbose: VerboseOption = False,
    engine: EngineOption = None,
) -> None:
    """The daily job: ingest every pending batch, check source freshness, dbt build,
    assess data quality, write the report, alert. Exit 0 only when all passed;
    after a failure the next run resumes from the failed step."""
    started = time.monotonic()
    engine = engines.resolve_engine(engine)
    if engine != engines.POSTGRES:
        if not _local_ingest(engine, landing, None, allow_late_batch).ok:
            raise typer.Exit(1)
        _local_build(engine, ["--full-refresh"] if full_refresh else [], full_tests)
        return
    settings, conn = _context("run", engine)
    landing = landing or settings.landing_dir
    output.console.rule(f"run on {conn.url()}")
    with output.run_progress(landing) as progress:
        ctx = _pipeline_context("run", wait, verbose, progress, engine)
        outcome = pipeline.run(
            ctx, landing, full_refresh, report_dir, pipeline_webhook(), on_file=progress.on_file,
            allow_late_batch=allow_late_batch, full_tests=full_tests,
        )  # fmt: skip
    if outcome.ingest is not None:
        output.show_ingest(outcome.ingest)
    if outcome.nothing_to_do:
        output.console.print(outcome.nothing_to_do, highlight=False, soft_wrap=True)
    elif outcome.build is not None:
        output.show_counts(ctx.conn_info)
    output.show_quality(outcome)
    _end(outcome, started, ctx.conn_info)


@app.command("backfill")
def backfill(
    start: Annotated[
        str, typer.Option("--from", metavar="BATCH", help="First batch to reprocess (YYYY-MM-DD).")
    ],
    end: Annotated[
        str, typer.Option("--to", metavar="BATCH", help="Last batch to reprocess (YYYY-MM-DD).")
    ],
    landing: LandingOption = None,
    report_dir: ReportDirOption = None,
    wait: WaitOption = 0,
    verbose: VerboseOption = False,
) -> None:
    """Reprocess a range of batches a source sent again: load them anew (replacing
    what was loaded from them), then an incremental build, so only the facts and
    gold rows those batches touch change."""
    started = time.monotonic()
    first, last = _batch(start, "--from"), _batch(end, "--to")
    assert first is not None and last is not None
    settings, _ = _context("backfill")
    landing = landing or settings.landing_dir
    with output.run_progress(landing) as progress:
        ctx = _pipeline_context("backfill", wait, verbose, progress)
        outcome = pipeline.backfill(
            ctx, landing, first, last, report_dir, pipeline_webhook(), on_file=progress.on_file
        )
    if outcome.ingest is not None:
        output.show_ingest(outcome.ingest)
    output.show_quality(outcome)
    _end(outcome, started, ctx.conn_info)


def pipeline_webhook() -> str | None:
    return os.environ.get(alerts.WEBHOOK_VARIABLE) or None


@pii_app.command("rotate-key")
def pii_rotate_key(wait: WaitOption = 0, verbose: VerboseOption = False) -> None:
    """A new secret key for the e-mail pseudonyms (made in the database), then a
    full rebuild of dim_customer and everything that reads it."""
    started = time.monotonic()
    with output.run_progress() as progress:
        outcome = pipeline.rotate_pseudonym_key(
            _pipeline_context("pii rotate-key", wait, verbose, progress)
        )
    _end(outcome, started)


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
    settings, conn = _context("report")
    html, json_path = quality_report.write_for_database(conn, out or settings.home / "reports")
    output.console.print(f"report: {html}\n  json: {json_path}", highlight=False, soft_wrap=True)


@app.command("reset")
def reset_command(
    landing: LandingOption = None,
    keep_landing: Annotated[
        bool, typer.Option("--keep-landing", help="Drop the database only.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    wait: WaitOption = 0,
) -> None:
    """Start over: drop the warehouse database (every layer, load manifest, run
    history) and delete the generated batches of the landing zone (nothing else
    in it). Asks first, unless --yes."""
    settings, conn = _context("reset")
    landing = None if keep_landing else (landing or settings.landing_dir)
    what = f"drop the database {conn.url()}" + (
        f" and delete the generated batches in {landing}" if landing else ""
    )
    if not yes:
        if not sys.stdin.isatty():
            raise typer.BadParameter(f"would {what}: pass --yes to confirm", param_hint="--yes")
        typer.confirm(f"This will {what}. Go on?", abort=True)
    outcome = reset(settings, conn, landing, wait)
    dropped = "dropped" if outcome.database_dropped else "did not exist"
    output.console.print(f"database {conn.dbname}: {dropped}", highlight=False)
    if not conn.embedded:  # the warehouse creates no database on a server it does not own
        output.console.print(
            f"create it again before the next run: createdb {shlex.quote(conn.dbname)}",
            highlight=False,
        )
    if landing is not None:
        removed = len(outcome.removed_batches)
        output.console.print(f"{landing}: {removed} generated batches deleted", highlight=False)


@app.command("docs")
def docs_command(
    port: Annotated[
        int, typer.Option("--port", help="Port to serve the site on.", min=1, max=65535)
    ] = docs.DEFAULT_PORT,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = docs.DEFAULT_HOST,
    browser: Annotated[
        bool,
        typer.Option("--browser/--no-browser", help="Open a web browser on the site."),
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the site after generating it.")
    ] = True,
    generate: Annotated[
        bool,
        typer.Option(
            "--generate/--no-generate", help="Generate the site first (dbt docs generate)."
        ),
    ] = True,
) -> None:
    """dbt's documentation site (models, columns, lineage): generate it from the
    warehouse database and serve it on http://HOST:PORT until Ctrl-C."""
    settings, conn = _context("docs")
    if generate:
        folder = docs.generate(settings, conn)
        output.console.print(f"docs generated in {folder}", highlight=False, soft_wrap=True)
    if serve:  # dbt serves the files; it does not connect
        docs.require_site(settings)
        output.console.print(f"serving on http://{host}:{port} (Ctrl-C stops)", highlight=False)
        raise typer.Exit(docs.serve(settings, conn, port, host, browser))


@app.command("mapping")
def mapping_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write it (default: docs/data-mapping.md).", dir_okay=False
        ),
    ] = None,
    generate: Annotated[
        bool,
        typer.Option(
            "--generate/--no-generate", help="Generate dbt's docs first (manifest and catalog)."
        ),
    ] = True,
) -> None:
    """Write the data mapping (every source column to the staging, mart and gold
    columns it feeds, with the rule applied) from dbt's manifest and catalog."""
    settings, conn = _context("mapping")
    folder = docs.generate(settings, conn) if generate else docs.docs_dir(settings)
    if not (folder / "manifest.json").exists():
        raise docs.DbtError(
            "no documentation generated yet: run `warehouse mapping` without --no-generate"
        )
    target = out or settings.project_dir / "docs" / "data-mapping.md"
    result = mapping.write(folder, target)
    output.console.print(
        f"{target}: {sum(len(v) for v in result.edges.values()):,} column steps"
        + (f"; not mapped: {', '.join(sorted(result.unparsed))}" if result.unparsed else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("show")
def show_command(
    model: Annotated[str, typer.Argument(help="A model, seed or snapshot of the project.")],
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Rows to show.", min=1, max=show.MAX_LIMIT)
    ] = 20,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            "-w",
            metavar="COLUMN OP VALUE",
            help="Keep rows where COLUMN OP VALUE holds; OP one of = != < <= > >= ~ (like, "
            "with % and _); VALUE null with = or !=. Repeat for and.",
        ),
    ] = None,
) -> None:
    """A quick look at a model's rows, without SQL: warehouse show dim_customer
    --where state=TX --limit 5. The filters are query parameters, never SQL."""
    settings, conn = _context("show")
    relation = show.find_relation(show.load_manifest(show.newest_manifest(settings)), model)
    conditions = [show.parse_condition(text) for text in where or []]
    db.ensure_server(settings, conn)
    with db.connect(conn) as pg:
        rows = show.fetch(pg, relation, conditions, limit)
    output.show_rows(rows)


@app.command("status")
def status(landing: LandingOption = None, engine: EngineOption = None) -> None:
    """The database in use, the last runs with durations, success rate and median
    duration over the last 30, watermarks per entity and pending batches."""
    engine = engines.resolve_engine(engine)
    if engine != engines.POSTGRES:
        settings = load_settings()
        output.show_engine_status(
            engine_runner.read_status(engine, settings, landing or settings.landing_dir)
        )
        return
    settings, conn = _context("status", engine)
    db.ensure_server(settings, conn)
    with db.connect(conn) as pg:
        current = read_status(pg, conn.url(), landing or settings.landing_dir)
    output.show_status(current)


def _register_generator() -> None:
    from warehouse.generate.command import generate_command

    app.command("generate")(generate_command)


_register_generator()


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM ends the command like Ctrl-C: steps close as failed, dbt stops."""
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: a user error is one clear line on stderr and its exit code
    (1; 3 when the database is busy), a usage error one line and the usage
    (exit 2), never a traceback."""
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        code = app(standalone_mode=False)
    except WarehouseError as exc:
        err_console.print(f"[red]error[/]: {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("interrupted")
        sys.exit(130)
    except typer.TyperException as exc:  # click's errors (typer bundles its own click)
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
