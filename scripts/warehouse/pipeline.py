"""The writing commands: run, ingest, build and backfill.

Each holds the database's writer lock for its whole duration (session.Session),
records itself in audit.runs and each step in audit.run_log, writes its events
to WAREHOUSE_HOME/logs/<run_id>.jsonl, and retries a step that failed for a
transient reason (the database went away, a lost race) with backoff and
jitter after recovering the session; logic errors are not retried.

`run` is the daily job: ingest every pending batch, check source freshness,
build (models, tests, snapshots), assess data quality, write the report, alert.
After a success with nothing new it does nothing and says so; after a failure
it picks up from the failed step (what loaded stays loaded). Builds read raw
only up to a load ceiling taken when they start, so a load that commits during
a build is left whole to the next one.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from warehouse import audit, db, dbt_errors, lock, runs
from warehouse.config import Settings
from warehouse.dbt_runner import DbtError, DbtResult, run_dbt
from warehouse.events import EventLog, Listener
from warehouse.ingest import FileResult, IngestError, IngestResult, ingest_landing
from warehouse.landing import discover
from warehouse.quality import alerts, monitor
from warehouse.quality.artifacts import ArtifactError
from warehouse.quality.assess import Assessment, assess_build, check_freshness
from warehouse.quality.collect import MeasuredCheck
from warehouse.quality.report import report_data, write_report
from warehouse.session import Session, retrying
from warehouse.transient import TransientError

#: Attempts of a step whose failures are transient (the first try included).
ATTEMPTS = 4
#: Steps after the build, which a failed run resumes when nothing needs building.
AFTER_BUILD = ("data quality", "report", "alert")


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class StepOutcome:
    name: str
    status: str  # success, failed, skipped
    seconds: float = 0.0
    rows: int | None = None
    retries: int = 0
    note: str = ""


@dataclass
class RunOutcome:
    run_id: str
    command: str
    steps: list[StepOutcome] = field(default_factory=list)
    ingest: IngestResult | None = None
    build: DbtResult | None = None
    assessment: Assessment | None = None
    report: Path | None = None
    alert: alerts.AlertOutcome | None = None
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    nothing_to_do: str | None = None  # why the run did nothing
    load_ceiling: int | None = None  # the newest load the build read
    resumed_from: str | None = None
    abandoned: list[str] = field(default_factory=list)
    log_file: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


class Job:
    """One writing command under way: its session, events and steps."""

    def __init__(self, session: Session, events: EventLog, outcome: RunOutcome) -> None:
        self.session = session
        self.events = events
        self.outcome = outcome

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def conn_info(self) -> db.Connection:
        return self.session.conn_info

    def step(
        self,
        name: str,
        work: Callable[[audit.Step], Any],
        target: str | None = None,
        retry: bool = True,
    ) -> Any:
        """Run one step, logged, retried on transient failures; a failure that
        is not transient (or outlasts the retries) raises."""
        clock = time.monotonic()
        self.events.emit("step_started", step=name)
        report = StepOutcome(name, "success")
        self.outcome.steps.append(report)

        def on_retry(attempt: int, error: BaseException, wait: float) -> None:
            report.retries = attempt
            record.retries = attempt
            self.events.emit(
                "retry", step=name, attempt=attempt, wait_seconds=round(wait, 1),
                error=_first_line(error),
            )  # fmt: skip

        try:
            with audit.log_step(self.session.pg, self.session.run_id, name, target) as record:
                for attempt in retrying(self.session, name, ATTEMPTS if retry else 1, on_retry):
                    with attempt:
                        result = work(record)
                report.status = record.status
                report.rows = record.rows_affected
        except BaseException as exc:
            report.status = "failed"
            report.note = _first_line(exc)
            raise
        finally:
            report.seconds = time.monotonic() - clock
            self.events.emit(
                "step_finished", step=name, status=report.status,
                seconds=round(report.seconds, 3), rows=report.rows, retries=report.retries,
            )  # fmt: skip
        return result

    def skip(self, name: str, note: str) -> None:
        self.outcome.steps.append(StepOutcome(name, "skipped", note=note))
        self.events.emit("step_skipped", step=name, note=note)

    def fail(self, message: str) -> None:
        self.outcome.failures.append(message)
        self.events.emit("failure", message=message)

    # ------------------------------------------------------------- the steps

    def ingest(
        self,
        landing: Path,
        on_file: Callable[[FileResult], None] | None = None,
        reload: date | None = None,
        only: set[date] | None = None,
        allow_late_batch: bool = False,
    ) -> IngestResult:
        """Load every pending batch (and replace ``reload``); a file whose load
        lost the database makes the step retry (loaded files are skipped)."""
        label = f"{landing} --reload {reload}" if reload else str(landing)

        def work(step: audit.Step) -> IngestResult:
            result = ingest_landing(
                self.session.pg(), landing, on_file=on_file, reload=reload, only=only,
                allow_late_batch=allow_late_batch,
            )  # fmt: skip
            lost = [f for f in result.files if f.transient]
            if lost:
                raise TransientError(lost[0].error or "lost the connection while loading")
            step.rows_affected = result.rows_loaded
            step.details = {
                "files_loaded": result.count("loaded"),
                "files_skipped": result.count("skipped"),
                "files_failed": result.count("failed"),
                "rows_quarantined": result.rows_quarantined,
            }
            if reload:
                step.details["reload"] = reload.isoformat()
            # Landing entries that did not load are listed (docs/ingestion.md);
            # refused ones (symlinks out of the zone) fail the step.
            if result.ignored_entries:
                step.details["ignored"] = [entry.line() for entry in result.ignored_entries]
            problems = [f.error or "" for f in result.failed] + [e.line() for e in result.refused]
            if problems:
                step.status = "failed"
                step.error = "; ".join(problems)[:2000]
            return result

        result = self.step("ingest", work, target=label)
        self.outcome.ingest = result
        if result.failed:
            self.fail(f"{len(result.failed)} landing files failed to load")
        if result.refused:
            self.fail(f"{len(result.refused)} landing entries refused (see the lines above)")
        return result

    def freshness(self) -> list[MeasuredCheck]:
        def work(step: audit.Step) -> list[MeasuredCheck]:
            checks = check_freshness(
                self.settings, self.conn_info, self.session.pg(), self.session.run_id
            )
            step.details = {"sources": len(checks)}
            return checks

        try:
            return self.step("source freshness", work)
        except ArtifactError as exc:
            self.fail(str(exc))
            return []

    def build(
        self,
        dbt_args: list[str],
        echo: bool = True,
        changed_only: bool = False,
        full_tests: bool = False,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> DbtResult:
        """``dbt build`` up to the load ceiling of this moment; a build that
        failed because the database went away is run again. ``changed_only``:
        when nothing was loaded since the last whole build, build only the
        nodes whose code changed since, and what depends on them (dbt's
        ``state:modified+`` against that build's manifest): nothing, when
        nothing changed. An incremental whole build after new loads tests the
        incremental models' changed rows only (macro get_where_subquery), and
        a whole build runs no unit tests, unless ``full_tests``."""
        args = ["build", *dbt_args]

        def work(step: audit.Step) -> DbtResult:
            dbt_args, dbt_vars = split_vars(args)
            # a ceiling the user gave as a var wins; the wrapper's own goes as a
            # session setting, so that dbt's partial parsing survives it
            ceiling = dbt_vars.get("load_ceiling")
            if ceiling is None:
                ceiling = lock.load_ceiling(self.session.pg())
            whole = not selects_nodes(dbt_args)
            step.details = {"load_ceiling": ceiling, "whole": whole}
            self.outcome.load_ceiling = int(ceiling)
            state, tests_since = None, None
            last = runs.last_whole_build(self.session.pg())
            incremental = whole and "--full-refresh" not in dbt_args
            if last is not None and incremental and not full_tests:
                tests_since = last.load_ceiling if int(ceiling) > last.load_ceiling else None
            if changed_only and incremental and not dbt_vars and not full_tests:
                state = self._state_if_nothing_new(last, int(ceiling))
            step.details["tests_since"] = tests_since
            if whole and not full_tests:
                # unit tests check SQL against fixed inputs: CI runs them (and
                # plain `dbt build`), a scheduled build has no new code to test
                dbt_args = [*dbt_args, *WITHOUT_UNIT_TESTS]
            if state is not None:
                dbt_args = [*dbt_args, "--select", "state:modified+", "--state", str(state)]
                step.details["changed_since"] = str(state.parent)
            try:
                result = run_dbt(
                    dbt_args,
                    self.settings,
                    self.conn_info,
                    echo=echo,
                    label=f"{self.session.run_id}-build",
                    dbt_vars=dbt_vars,
                    load_ceiling=int(ceiling),
                    tests_since=tests_since,
                    on_event=on_event,
                )
            finally:
                if state is not None:
                    shutil.rmtree(state, ignore_errors=True)
            step.details.update(
                returncode=result.returncode,
                deprecations=result.deprecations,
                target_dir=str(result.target_dir),
            )
            if result.transient:
                raise TransientError(_dbt_transient_line(result))
            if result.returncode != 0:
                step.status = "failed"
                step.error = _build_error(result)
            return result

        result = self.step("dbt build", work, target=" ".join(args))
        self.outcome.build = result
        if result.returncode != 0:
            self.fail(_build_error(result))
        return result

    def _state_if_nothing_new(self, last: runs.WholeBuild | None, ceiling: int) -> Path | None:
        """A copy of the last whole build's manifest (dbt's --state), when that
        build read every load there is now; None otherwise. A copy, so that
        pruning old invocation folders cannot take it away mid-build."""
        if last is None or ceiling > last.load_ceiling or last.target_dir is None:
            return None
        manifest = last.target_dir / "manifest.json"
        if not manifest.exists():
            return None
        state = self.settings.profiles_dir / "state" / self.session.run_id
        state.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(manifest, state / "manifest.json")
        return state

    def assess(
        self,
        build: DbtResult,
        freshness: list[MeasuredCheck],
        new_batches: list[date],
        landing: Path | None,
    ) -> Assessment | None:
        def work(step: audit.Step) -> Assessment | None:
            try:
                assessment = assess_build(
                    self.session.pg(), self.settings, self.session.run_id, build, freshness,
                    new_batches, landing, self.outcome.load_ceiling,
                )  # fmt: skip
            except ArtifactError as exc:
                step.status = "failed"
                step.error = str(exc)
                return None
            step.rows_affected = len(assessment.checks)
            step.details = {
                "checks": len(assessment.checks),
                "warned": len(assessment.with_status("warn")),
                "failed": len(assessment.with_status("fail", "error")),
                "anomalies": len(assessment.anomalies),
                "profiled_loads": assessment.profiled_loads,
            }
            return assessment

        assessment = self.step("data quality", work)
        self.outcome.assessment = assessment
        if assessment is None:
            self.fail("data quality: dbt left no results to assess")
        else:
            for failure in _quality_failures(assessment):
                self.fail(failure)
            self.outcome.warnings = monitor.warnings(assessment.anomalies)
            for warning in self.outcome.warnings:
                self.events.emit("anomaly", message=warning)
        return assessment

    def write_report(self, report_dir: Path | None) -> None:
        def work(step: audit.Step) -> Path:
            html, _ = write_report(
                report_data(self.session.pg(), self.conn_info.url()),
                report_dir or self.settings.home / "reports",
            )
            step.details = {"path": str(html)}
            return html

        try:
            self.outcome.report = self.step("report", work)
        except OSError as exc:
            self.fail(f"the report could not be written: {exc}")

    def alert(self, webhook: str | None) -> None:
        reasons = [alerts.Reason("run_failed", text) for text in self.outcome.failures]
        if self.outcome.assessment is not None:
            reasons += [
                alerts.Reason(
                    "below_threshold",
                    f"{s.name} score {s.score:.1%} is below its threshold {s.threshold:.0%}",
                )
                for s in self.outcome.assessment.below_threshold
            ]
        reasons += [alerts.Reason("anomaly", text) for text in self.outcome.warnings]

        def work(step: audit.Step) -> alerts.AlertOutcome | None:
            report = str(self.outcome.report) if self.outcome.report else None
            outcome = alerts.alert(
                self.session.pg(), self.session.run_id, self.conn_info.url(), reasons, report,
                webhook,
            )  # fmt: skip
            for note in outcome.retries if outcome else []:
                self.events.emit("alert_retry", message=note)
            step.details = {
                "reasons": len(reasons),
                "status": outcome.status if outcome else "none",
            }
            return outcome

        self.outcome.alert = self.step("alert", work, retry=False)


def split_vars(args: list[str]) -> tuple[list[str], dict[str, Any]]:
    """dbt arguments without their --vars, and those vars (YAML or JSON), so
    the wrapper's own vars can join them (a var the user gives wins)."""
    rest: list[str] = []
    found: dict[str, Any] = {}
    items = iter(args)
    for arg in items:
        if arg == "--vars" or arg.startswith("--vars="):
            text = arg.split("=", 1)[1] if "=" in arg else next(items, "{}")
            parsed = yaml.safe_load(text) or {}
            if not isinstance(parsed, dict):
                raise DbtError(f"--vars {text!r}: not a mapping of names to values")
            found.update(parsed)
        else:
            rest.append(arg)
    return rest, found


#: dbt options that choose which nodes run: a build given one is not whole.
SELECTING = frozenset(
    {"--select", "-s", "--models", "-m", "--exclude", "--selector", "--inline",
     "--resource-type", "--resource-types", "--exclude-resource-type",
     "--exclude-resource-types"}
)  # fmt: skip


#: What a whole build leaves out unless --full-tests.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def selects_nodes(dbt_args: list[str]) -> bool:
    """Whether these dbt arguments build only some of the project's nodes."""
    return any(arg.split("=", 1)[0] in SELECTING for arg in dbt_args)


def built_nodes(result: DbtResult) -> int | None:
    """How many nodes a dbt invocation ran (None: it left no results)."""
    path = result.target_dir / "run_results.json"
    if not path.exists():
        return None
    return len(json.loads(path.read_text())["results"])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _build_error(result: DbtResult) -> str:
    """What failed, with what to do where the project knows (dbt_errors), and
    where dbt's own lines are."""
    explained = dbt_errors.explain(result.target_dir, result.output)
    details = "".join(f"\n  {line}" for line in explained)
    return (
        f"dbt build failed (exit {result.returncode}); dbt's log: "
        f"{result.log_dir / 'dbt.log'}{details}"
    )


def _dbt_transient_line(result: DbtResult) -> str:
    from warehouse.dbt_runner import TRANSIENT

    for line in result.output.splitlines():
        if TRANSIENT.search(line):
            return f"dbt lost the database: {line.strip()}"
    return "dbt lost the database"


def _quality_failures(assessment: Assessment) -> list[str]:
    """What in a quality assessment fails the run (beyond dbt's own failures)."""
    failures = []
    for check in assessment.with_status("fail", "error"):
        if check.outcome.test_type in ("ingestion", "freshness"):
            failures.append(f"{check.outcome.name}: {check.outcome.message}")
    for row in assessment.unbalanced:
        failures.append(
            f"{row.entity} batch {row.batch_date} does not reconcile: {row.data_lines} lines, "
            f"{row.raw_rows} raw rows + {row.quarantined_lines} quarantined; {row.staged_rows} "
            f"staged + {row.duplicate_rows} duplicates + {row.rejected_rows} rejected"
        )
    mismatched = assessment.ground_truth_mismatches
    if mismatched:
        missed = sum(len(r.missed) for r in mismatched)
        false = sum(r.false_positive_count for r in mismatched)
        failures.append(
            f"ground truth: {missed} injected defects missed, {false} false positives "
            f"({', '.join(sorted({f'{r.entity}/{r.defect}' for r in mismatched}))})"
        )
    return failures


# ------------------------------------------------------------------ commands


@dataclass(frozen=True)
class Context:
    """What every writing command is given."""

    settings: Settings
    conn_info: db.Connection
    wait_seconds: float = 0
    listener: Listener | None = None
    echo_dbt: bool = True  # dbt's lines on the console (-v); otherwise only in dbt.log
    on_dbt_event: Callable[[dict[str, Any]], None] | None = None  # the progress display


def _job(ctx: Context, command: str, arguments: str, run_id: str) -> tuple[Session, EventLog]:
    events = EventLog(ctx.settings.home / "logs", run_id, ctx.listener)
    session = Session(
        ctx.settings, ctx.conn_info, command, arguments, run_id, ctx.wait_seconds, events.emit
    )
    return session, events


def _build(
    job: Job,
    ctx: Context,
    dbt_args: list[str],
    changed_only: bool = False,
    full_tests: bool = False,
) -> DbtResult:
    return job.build(
        dbt_args, echo=ctx.echo_dbt, on_event=ctx.on_dbt_event, changed_only=changed_only,
        full_tests=full_tests,
    )  # fmt: skip


def _finish(job: Job) -> RunOutcome:
    outcome = job.outcome
    status = "success" if outcome.ok else "failed"
    job.session.finish(status, "; ".join(outcome.failures)[:2000] or None)
    job.events.emit("run_finished", status=status, failures=outcome.failures)
    return outcome


def _run_job(ctx: Context, command: str, arguments: str, body: Callable[[Job], None]) -> RunOutcome:
    run_id = new_run_id()
    session, events = _job(ctx, command, arguments, run_id)
    outcome = RunOutcome(run_id, command, log_file=events.path)
    with session:
        outcome.abandoned = session.abandoned
        if session.previous and session.previous.status in ("failed", "abandoned"):
            outcome.resumed_from = session.previous.run_id
        events.emit("run_started", command=command, arguments=arguments,
                    database=ctx.conn_info.url(), abandoned=session.abandoned)  # fmt: skip
        job = Job(session, events, outcome)
        body(job)
        return _finish(job)


def _after_build(job: Job, build: DbtResult | None, freshness: list[MeasuredCheck],
                 new_batches: list[date], landing: Path | None, report_dir: Path | None,
                 webhook: str | None) -> None:  # fmt: skip
    if build is not None and (build.target_dir / "run_results.json").exists():
        job.assess(build, freshness, new_batches, landing)
    else:
        job.skip("data quality", "no build results to assess")
    job.write_report(report_dir)
    job.alert(webhook)


def run(
    ctx: Context,
    landing: Path,
    full_refresh: bool = False,
    report_dir: Path | None = None,
    webhook: str | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    allow_late_batch: bool = False,
    full_tests: bool = False,
) -> RunOutcome:
    """The daily job (see the module's docstring)."""
    arguments = f"--landing {landing}" + (" --full-refresh" if full_refresh else "")
    arguments += " --allow-late-batch" if allow_late_batch else ""
    arguments += " --full-tests" if full_tests else ""

    def body(job: Job) -> None:
        ingested = job.ingest(landing, on_file=on_file, allow_late_batch=allow_late_batch)
        pg = job.session.pg()
        built, newest = runs.built_up_to(pg), runs.newest_load(pg)
        previous = job.session.previous
        failed_after_build = (
            previous is not None
            and previous.status in ("failed", "abandoned")
            and previous.failed_step in AFTER_BUILD
        )
        new_batches = sorted({f.file.batch_date for f in ingested.files if f.status == "loaded"})
        nothing_new = built is not None and newest <= built and not ingested.failed
        if nothing_new and not full_refresh and not full_tests:
            if failed_after_build:
                build = _last_build(job)
                _after_build(job, build, [], new_batches, landing, report_dir, webhook)
                return
            job.outcome.nothing_to_do = (
                f"nothing new: every batch in {landing} is loaded and built (loads up to {built})"
            )
            for name in ("source freshness", "dbt build", *AFTER_BUILD):
                job.skip(name, "nothing new")
            return
        freshness = job.freshness()
        build = _build(job, ctx, ["--full-refresh"] if full_refresh else [], full_tests=full_tests)
        _after_build(job, build, freshness, new_batches, landing, report_dir, webhook)

    return _run_job(ctx, "run", arguments, body)


def _last_build(job: Job) -> DbtResult | None:
    """The artifacts of the last successful build, to assess again."""
    row = (
        job.session.pg()
        .execute(
            "select details->>'target_dir' from audit.run_log where step = 'dbt build'"
            " and status = 'success' and details ? 'target_dir' order by finished_at desc limit 1"
        )
        .fetchone()
    )
    if not row or not row[0]:
        return None
    return DbtResult(0, "", Path(row[0]), Path(row[0]).parent / "logs")


def ingest(
    ctx: Context,
    landing: Path,
    reload: date | None = None,
    on_file: Callable[[FileResult], None] | None = None,
    allow_late_batch: bool = False,
) -> RunOutcome:
    """Load every pending batch (and replace batch ``reload``)."""
    arguments = f"--landing {landing}" + (f" --reload {reload}" if reload else "")
    arguments += " --allow-late-batch" if allow_late_batch else ""
    return _run_job(
        ctx, "ingest", arguments,
        lambda job: job.ingest(landing, on_file, reload, allow_late_batch=allow_late_batch),
    )  # fmt: skip


def build(ctx: Context, dbt_args: list[str], full_tests: bool = False) -> RunOutcome:
    """``dbt build`` (extra arguments go to dbt) and the quality of what it built."""

    def body(job: Job) -> None:
        result = _build(job, ctx, dbt_args, changed_only=True, full_tests=full_tests)
        nodes = built_nodes(result)
        if nodes == 0 and result.returncode == 0:
            job.outcome.nothing_to_do = (
                "nothing new: no load since the last whole build, and no model, test,"
                " seed or snapshot changed since (dbt's state:modified): nothing to build"
            )
            job.skip("data quality", "nothing new")
        elif nodes is not None:
            job.assess(result, [], [], None)

    arguments = " ".join([*dbt_args, *(["--full-tests"] if full_tests else [])])
    return _run_job(ctx, "build", arguments, body)


def backfill(
    ctx: Context,
    landing: Path,
    start: date,
    end: date,
    report_dir: Path | None = None,
    webhook: str | None = None,
    on_file: Callable[[FileResult], None] | None = None,
) -> RunOutcome:
    """Reprocess the batches from ``start`` to ``end`` (a source sent them
    again): each is loaded anew, replacing what was loaded from it, and the
    build that follows is incremental, so only the facts and gold rows those
    batches touch change."""
    if end < start:
        raise IngestError(f"--from {start} is after --to {end}")
    batches = [b for b in discover(landing) if start <= b.batch_date <= end]
    if not batches:
        raise IngestError(f"{landing} holds no batch from {start} to {end}")

    def body(job: Job) -> None:
        for batch in batches:
            job.ingest(
                landing, on_file=on_file, reload=batch.batch_date, only={batch.batch_date},
                allow_late_batch=True,  # named by the user: a never-loaded old batch is wanted
            )  # fmt: skip
        if job.outcome.failures:
            for name in ("source freshness", "dbt build", *AFTER_BUILD):
                job.skip(name, "a batch failed to load")
            return
        freshness = job.freshness()
        build = _build(job, ctx, [])
        dates = [b.batch_date for b in batches]
        _after_build(job, build, freshness, dates, landing, report_dir, webhook)

    return _run_job(ctx, "backfill", f"--landing {landing} --from {start} --to {end}", body)


def rotate_pseudonym_key(ctx: Context) -> RunOutcome:
    """A new pseudonym key for this installation (generated in the database,
    never seen by the wrapper), then a full rebuild of everything that carries
    pseudonyms (dim_customer and what reads it)."""

    def body(job: Job) -> None:
        def rotate(step: audit.Step) -> None:
            result = run_dbt(
                ["run-operation", "rotate_pseudonym_key"], ctx.settings, ctx.conn_info,
                echo=False, label=f"{job.session.run_id}-rotate",
            )  # fmt: skip
            if result.returncode != 0:
                raise DbtError(f"the key could not be rotated: {result.output.strip()[-500:]}")

        job.step("rotate pseudonym key", rotate)
        _build(job, ctx, ["--full-refresh", "--select", "dim_customer+"])

    return _run_job(ctx, "pii rotate-key", "", body)
