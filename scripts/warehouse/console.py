"""What the `warehouse` command shows people: progress, tables and one-line
messages, with rich. Nothing here decides anything; the CLI passes results in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warehouse import db, summary
from warehouse.engines.runner import EngineStatus
from warehouse.ingest import FileResult, IngestResult
from warehouse.landing import discover
from warehouse.pipeline import RunOutcome
from warehouse.show import Rows
from warehouse.status import Status

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


#: dbt's statuses of a node that went wrong, as the progress display counts them.
PROBLEMS = {"warn": "warned", "fail": "failed", "error": "failed"}


class RunProgress:
    """One live display for a command: the landing files as they load, then
    dbt's nodes as they finish (dbt's own lines go to its log, or, with -v,
    to the console instead of this display)."""

    def __init__(self, progress: Progress, landing: Any | None) -> None:
        self.progress = progress
        self.files_task = None
        if landing is not None:
            try:
                files = sum(len(b.files) for b in discover(landing))
            except Exception:  # noqa: BLE001 - the command itself reports a bad landing zone
                files = 0
            self.files_task = progress.add_task("", total=files, step="ingest")
        self.dbt_task: Any = None
        self.outcomes: Counter[str] = Counter()

    def on_file(self, result: FileResult) -> None:
        if self.files_task is not None:
            description = f"{result.file.relative_path} {result.status}"
            self.progress.update(self.files_task, advance=1, description=description)

    def on_dbt_event(self, event: dict[str, Any]) -> None:
        """dbt's JSON events: a node's result line carries its index and the total."""
        data = event.get("data", {})
        name = event.get("info", {}).get("name", "")
        # a node's closing line (LogModelResult, LogTestResult ...), not a hook's
        if not name.endswith("Result") or "node_info" not in data or "total" not in data:
            return
        if self.dbt_task is None:
            self.dbt_task = self.progress.add_task("", total=int(data["total"]), step="dbt")
        status = str(data.get("status", "")).lower()
        if status in PROBLEMS:
            self.outcomes[PROBLEMS[status]] += 1
        node = data.get("node_info", {}).get("node_name") or data.get("description", "")
        problems = ", ".join(f"{n} {k}" for k, n in sorted(self.outcomes.items()))
        self.progress.update(
            self.dbt_task,
            completed=int(data["index"]),
            description=f"{node}" + (f" ({problems})" if problems else ""),
        )


@contextmanager
def run_progress(landing: Any | None = None) -> Iterator[RunProgress]:
    """A progress display over the landing zone's files (when ``landing``) and
    dbt's nodes; yields its callbacks."""
    progress = Progress(
        TextColumn("[bold]{task.fields[step]:<6}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    with progress:
        yield RunProgress(progress, landing)


def listener(event: str, fields: dict[str, Any]) -> None:
    """The events a person should see as they happen (the rest is in the run's log)."""
    if event == "retry":
        console.print(
            f"[yellow]retry[/]: {fields['step']} failed ({fields['error']}); attempt "
            f"{fields['attempt'] + 1} in {fields['wait_seconds']} s",
            highlight=False,
        )
    elif event == "recovering":
        console.print(
            f"[yellow]waiting for the database[/] ({fields.get('error', '')})", highlight=False
        )


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


def ingest_summary(result: IngestResult) -> str:
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


def show_ingest(result: IngestResult) -> None:
    if any(f.status != "skipped" for f in result.files):
        console.print(_ingest_table(result))
    console.print(ingest_summary(result), highlight=False, soft_wrap=True)
    for line in _drift_lines(result):
        console.print(f"[yellow]schema drift[/]: {line}", highlight=False)
    for entry in result.ignored_entries:  # refused: not loaded, and the run fails
        label = "[red]refused[/]" if entry.refused else "[yellow]ignored[/]"
        err_console.print(f"{label}: {escape(entry.line())}", highlight=False, soft_wrap=True)
    for failed in result.failed:
        err_console.print(f"[red]error[/]: {failed.error}", highlight=False)


def show_counts(conn: db.Connection) -> None:
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


def show_quality(outcome: RunOutcome) -> None:
    assessment = outcome.assessment
    if assessment is not None:
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
        overall = next(s for s in assessment.scores if s.scope == "overall")
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


def show_steps(outcome: RunOutcome) -> None:
    """The closing summary: every step with its rows, duration, retries and note."""
    table = Table(title=f"{outcome.command} {outcome.run_id}", box=box.SIMPLE_HEAD)
    for column in ("step", "status", "rows", "seconds", "retries", "note"):
        table.add_column(column, justify="right" if column in ("rows", "seconds") else "left")
    styles = {"success": "green", "failed": "red", "skipped": "dim"}
    for step in outcome.steps:
        table.add_row(
            step.name,
            f"[{styles.get(step.status, '')}]{step.status}[/]",
            f"{step.rows:,}" if step.rows is not None else "",
            f"{step.seconds:.1f}" if step.status != "skipped" else "",
            str(step.retries) if step.retries else "",
            step.note,
        )
    console.print(table)
    notes = []
    if outcome.abandoned:
        notes.append(
            f"closed {len(outcome.abandoned)} abandoned run(s): {', '.join(outcome.abandoned)}"
        )
    if outcome.resumed_from:
        notes.append(f"resumed after run {outcome.resumed_from}")
    notes.append(f"{len(outcome.warnings)} warnings, {len(outcome.failures)} failures")
    if outcome.log_file is not None:
        notes.append(f"log: {outcome.log_file}")
    console.print("; ".join(notes), highlight=False, soft_wrap=True)
    for failure in outcome.failures:
        err_console.print(f"[red]error[/]: {failure}", highlight=False)


def show_closing(outcome: RunOutcome, seconds: float, conn: db.Connection | None = None) -> None:
    """The last line: the build's tests, the rows loaded, quarantined and
    rejected (staging's rejections among this command's loads) and the time."""
    tests = summary.count_tests(outcome.build.target_dir) if outcome.build else None
    loaded = quarantined = rejected = None
    if outcome.ingest is not None:
        loaded, quarantined = outcome.ingest.rows_loaded, outcome.ingest.rows_quarantined
        loads = [f.load_id for f in outcome.ingest.files if f.load_id is not None]
        if conn is not None and outcome.build is not None and outcome.build.returncode == 0:
            try:
                with db.connect(conn) as pg:
                    rejected = summary.rejected_rows(pg, loads)
            except (db.DatabaseError, psycopg.Error):
                rejected = None  # the line says what it knows
    line = summary.closing_line(tests, loaded, quarantined, rejected, seconds)
    style = "green" if outcome.ok else "red"
    console.print(f"[{style}]{outcome.command} {'done' if outcome.ok else 'failed'}[/]: {line}",
                  highlight=False, soft_wrap=True)  # fmt: skip


#: Wider relations are shown turned: one line per column, one column per row.
TURN_AFTER_COLUMNS = 8


def show_rows(rows: Rows) -> None:
    """A model's rows as a table (turned when it has many columns), and how
    many matched."""
    relation = rows.relation
    title = f"{relation.name} ({relation.schema}.{relation.table})"
    table = Table(title=title, box=box.SIMPLE_HEAD)
    cells = [[escape("" if value is None else str(value)) for value in row] for row in rows.rows]
    if len(rows.columns) > TURN_AFTER_COLUMNS:
        table.add_column("column", style="bold", no_wrap=True)
        for number in range(1, len(cells) + 1):
            table.add_column(f"row {number}", overflow="fold")
        for index, column in enumerate(rows.columns):
            table.add_row(escape(column), *(row[index] for row in cells))
    else:
        for column in rows.columns:
            table.add_column(escape(column), overflow="fold")
        for row in cells:
            table.add_row(*row)
    console.print(table)
    console.print(f"{len(rows.rows):,} of {rows.total:,} matching rows", highlight=False)


def show_status(status: Status) -> None:
    console.print(f"database: {status.database} ({status.server})", highlight=False)
    if status.stats is not None and status.stats.runs:
        rate = status.stats.success_rate
        median = status.stats.median_seconds
        console.print(
            f"last {status.stats.runs} runs: {rate:.0%} succeeded, median {median:.1f} s"
            if median is not None
            else "",
            highlight=False,
        )
    if status.recent:
        table = Table(title="Last runs", box=box.SIMPLE_HEAD)
        for column in ("run", "command", "status", "started", "seconds", "failed step"):
            table.add_column(column)
        styles = {"success": "green", "failed": "red", "abandoned": "red", "running": "yellow"}
        for run in status.recent:
            table.add_row(
                run.run_id,
                run.command,
                f"[{styles.get(run.status, '')}]{run.status}[/]",
                f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                f"{run.seconds:.1f}" if run.seconds is not None else "",
                run.failed_step or "",
            )
        console.print(table)
    if status.watermarks:
        table = Table(title="Watermarks (last batch loaded per entity)", box=box.SIMPLE_HEAD)
        for column in ("entity", "last batch", "loaded at", "files", "quarantined"):
            table.add_column(column)
        for w in status.watermarks:
            table.add_row(
                w.entity, w.last_batch.isoformat(), f"{w.loaded_at:%Y-%m-%d %H:%M:%S}",
                str(w.files), str(w.quarantined),
            )  # fmt: skip
        console.print(table)
        built = status.built_up_to
        console.print(
            f"loads: up to {status.newest_load} committed, "
            + (f"up to {built} built" if built is not None else "none built yet"),
            highlight=False,
        )
    else:
        console.print("nothing loaded yet (run `warehouse run`)")
    if status.landing_error:
        console.print(f"[yellow]landing[/]: {status.landing_error}", highlight=False)
    elif status.landing is not None:
        if status.pending:
            files = sum(len(v) for v in status.pending.values())
            days = ", ".join(d.isoformat() for d in status.pending)
            console.print(
                f"pending in {status.landing}: {files} files in {len(status.pending)} "
                f"batches ({days})",
                highlight=False,
                soft_wrap=True,
            )
        else:
            console.print(f"pending in {status.landing}: none", highlight=False)


def show_engine_status(status: EngineStatus) -> None:
    """`warehouse status` on an engine without a server (warehouse.engines)."""
    console.print(f"engine: {status.engine}, data in {status.location}", highlight=False)
    if status.loads:
        table = Table(title="Watermarks (last batch loaded per entity)", box=box.SIMPLE_HEAD)
        for column in ("entity", "last batch", "files", "quarantined"):
            table.add_column(column)
        for entity, last_batch, files, quarantined in status.loads:
            table.add_row(entity, last_batch.isoformat(), str(files), str(quarantined))
        console.print(table)
    else:
        console.print(f"nothing loaded yet (run `warehouse run --engine {status.engine}`)")
    if status.landing_error:
        console.print(f"[yellow]landing[/]: {status.landing_error}", highlight=False)
    elif status.pending:
        files = sum(len(v) for v in status.pending.values())
        days = ", ".join(d.isoformat() for d in status.pending)
        console.print(
            f"pending: {files} files in {len(status.pending)} batches ({days})",
            highlight=False,
            soft_wrap=True,
        )
    else:
        console.print("pending: none")
