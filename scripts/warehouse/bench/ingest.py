"""Benchmark of the ingestion next to a bare `psql \\copy` of the same files.

Generates a clean ``--scale 1 --days 7 --seed 42`` landing zone, makes a copy
of it with 0.1 % of the data lines broken (a field too few, an unterminated
quote, a byte that is not UTF-8, in turn), then, round after round in one run:

- bare COPY: one psql session, one ``\\copy ... (format csv, header true)`` per
  file in batch-date order, into tables of the contract's columns as text;
- ``ingest_landing`` on the clean files (in parallel, and on one connection);
- ``ingest_landing`` on the dirty copy (bare COPY cannot load those at all).

Each run gets a fresh database on the warehouse's server. Reports the median
of the rounds and writes docs/benchmarks/ingest.md.

    python -m warehouse.bench.ingest [--rounds 5] [--scale 1] [--output PATH]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from psycopg import sql

from warehouse import db, embedded
from warehouse.bench.machine import describe_machine
from warehouse.config import load_settings
from warehouse.contract import ENTITIES, ENTITY_BY_NAME
from warehouse.ingest import DEFAULT_WORKERS, ingest_landing
from warehouse.landing import discover

BROKEN_SHARE = 0.001
TARGET_CLEAN = 0.7
TARGET_DIRTY = 0.5
BENCH_DB = "bench_ingest"


@dataclass
class Case:
    """One way of loading, timed over the rounds."""

    name: str
    rows: int = 0
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        return self.rows / self.median


# ---------------------------------------------------------------- the files


def generate(out: Path, scale: float, days: int, seed: int) -> None:
    warehouse = Path(sys.executable).parent / "warehouse"
    command = [
        str(warehouse),
        "generate",
        "--scale",
        str(scale),
        "--days",
        str(days),
        "--seed",
        str(seed),
        "--clean",
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True)


def data_lines(landing: Path) -> int:
    return sum(
        path.read_bytes().count(b"\n") - 1
        for batch in discover(landing)
        for path in (f.path for f in batch.files)
    )


def break_line(line: bytes, kind: int) -> bytes:
    """A field too few, an unterminated quote, or a byte that is not UTF-8."""
    head, _, last = line.rpartition(b",")
    if kind == 0:
        return head
    if kind == 1:
        return head + b',"' + last
    first, _, rest = line.partition(b",")
    return first + b"\xe9," + rest


def make_dirty(clean: Path, dirty: Path, share: float, seed: int) -> int:
    """A copy of the landing zone with ``share`` of each file's data lines broken."""
    rng = random.Random(seed)
    broken = 0
    shutil.copytree(clean, dirty)
    for batch in discover(dirty):
        for file in batch.files:
            lines = file.path.read_bytes().split(b"\n")
            data = range(1, len(lines) - (1 if lines[-1] == b"" else 0))
            for n in rng.sample(data, round(len(data) * share)):
                lines[n] = break_line(lines[n], broken % 3)
                broken += 1
            file.path.write_bytes(b"\n".join(lines))
    return broken


# ----------------------------------------------------------------- the runs


def fresh_database(conn: db.Connection) -> db.Connection:
    admin_conn = db.admin_connection(load_settings(), conn)
    db.drop_database(admin_conn, BENCH_DB)
    with db.connect(admin_conn, autocommit=True) as admin:
        create = sql.SQL("create database {}").format(sql.Identifier(BENCH_DB))
        if conn.embedded:
            create = sql.SQL("{} owner {}").format(create, sql.Identifier(conn.user))
        admin.execute(create)
    return conn.with_database(BENCH_DB)


def bare_copy(conn: db.Connection, landing: Path) -> tuple[float, str]:
    """Seconds of one psql session that \\copies every file; psql's error if any."""
    target = fresh_database(conn)
    with db.connect(target, autocommit=True) as pg:
        pg.execute("create schema raw")
        for entity in ENTITIES:
            columns = sql.SQL(", ").join(
                sql.SQL("{} text").format(sql.Identifier(c)) for c in entity.column_names
            )
            pg.execute(
                sql.SQL("create table {} ({})").format(sql.Identifier("raw", entity.name), columns)
            )
    script = "".join(
        f"\\copy raw.{f.entity.name} from '{f.path}' with (format csv, header true)\n"
        for batch in discover(landing)
        for f in batch.files
    )
    env = {**os.environ, **target.libpq_env()}
    started = time.perf_counter()
    proc = subprocess.run(
        [str(embedded.psql_path()), "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        input=script,
        text=True,
        capture_output=True,
        env=env,
    )
    seconds = time.perf_counter() - started
    error = proc.stderr.strip().splitlines()[0] if proc.returncode else ""
    return seconds, error


def warehouse_ingest(conn: db.Connection, landing: Path, workers: int) -> tuple[float, int, int]:
    """Seconds of ``ingest_landing`` into a fresh database; lines loaded and quarantined."""
    target = fresh_database(conn)
    with db.connect(target, autocommit=True) as pg:
        started = time.perf_counter()
        result = ingest_landing(pg, landing, workers=workers)
        seconds = time.perf_counter() - started
    if result.failed:
        raise SystemExit(f"ingestion failed: {result.failed[0].error}")
    return seconds, result.rows_loaded, result.rows_quarantined


def timed_rounds(rounds: int, runs: list[tuple[Case, Callable[[], float]]]) -> None:
    """Interleave the runs round after round, so a busy moment hits them all."""
    for n in range(1, rounds + 1):
        for case, run in runs:
            seconds = run()
            case.seconds.append(seconds)
            print(f"round {n}: {case.name}: {seconds:.2f} s", flush=True)


# ---------------------------------------------------------------- the report


def render(cases: list[Case], bare: Case, context: dict[str, str]) -> str:
    lines = [
        "# Ingestion benchmark",
        "",
        *(f"- {key}: {value}" for key, value in context.items()),
        "",
        "| run | rows | seconds (median) | all rounds | rows/s | × bare COPY |",
        "| --- | ---: | ---: | --- | ---: | ---: |",
    ]
    for case in cases:
        rounds = ", ".join(f"{s:.2f}" for s in case.seconds)
        lines.append(
            f"| {case.name} | {case.rows:,} | {case.median:.2f} | {rounds} | "
            f"{case.rate:,.0f} | {case.rate / bare.rate:.2f} |"
        )
    lines.append("")
    lines += [f"- {case.name}: {case.note}" for case in cases if case.note]
    lines.append("")
    return "\n".join(lines)


def verdict(bare: Case, parallel: Case, serial: Case, soiled: Case) -> list[str]:
    """The targets and the parallel-load question, answered from the numbers."""

    def met(case: Case, target: float) -> str:
        ratio = case.rate / bare.rate
        return (
            f"{ratio:.2f} × bare COPY (target {target}: {'met' if ratio >= target else 'MISSED'})"
        )

    speedup = serial.median / parallel.median
    return [
        "## Reading",
        "",
        f"- clean files: {met(parallel, TARGET_CLEAN)}",
        f"- 0.1 % bad lines: {met(soiled, TARGET_DIRTY)}",
        f"- parallel loads: {speedup:.2f}× faster on {parallel.name.rsplit(', ', 1)[1]} than on "
        f"one ({'kept' if speedup > 1.05 else 'no gain'}); on one connection the clean load "
        f"reaches {serial.rate / bare.rate:.2f} × bare COPY",
        "- bare COPY writes the source columns only; the ingestion also writes the load "
        "metadata (batch, file, line, load id, loaded-at), keeps a manifest and checks "
        "every file's line count, in one transaction per file",
        "",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench.ingest", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--output", type=Path, default=None, help="markdown file to write")
    args = parser.parse_args(argv)
    settings = load_settings()
    output = args.output or settings.project_dir / "docs" / "benchmarks" / "ingest.md"
    conn = db.resolve(settings)
    db.ensure_server(settings, conn)

    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        clean, dirty = Path(tmp) / "clean", Path(tmp) / "dirty"
        generate(clean, args.scale, args.days, args.seed)
        broken = make_dirty(clean, dirty, BROKEN_SHARE, args.seed)
        rows = data_lines(clean)
        print(f"{rows:,} data lines; dirty copy: {broken:,} broken", flush=True)

        bare = Case("bare psql \\copy, clean files", rows)
        parallel = Case(f"warehouse ingest, clean files, {args.workers} connections", rows)
        serial = Case("warehouse ingest, clean files, 1 connection", rows)
        soiled = Case(f"warehouse ingest, 0.1 % bad lines, {args.workers} connections", rows)
        _, bare_dirty_error = bare_copy(conn, dirty)

        def bare_run() -> float:
            seconds, error = bare_copy(conn, clean)
            if error:
                raise SystemExit(f"bare COPY failed: {error}")
            return seconds

        def ours(landing: Path, workers: int, case: Case) -> Callable[[], float]:
            def run() -> float:
                seconds, loaded, quarantined = warehouse_ingest(conn, landing, workers)
                assert loaded + quarantined == rows, (loaded, quarantined, rows)
                if quarantined:
                    case.note = (
                        f"{quarantined:,} lines quarantined, {loaded:,} rows loaded; bare COPY "
                        f"of the same files stops at the first bad line (`{bare_dirty_error}`)"
                    )
                return seconds

            return run

        with_load = os.getloadavg()[0]
        timed_rounds(
            args.rounds,
            [
                (bare, bare_run),
                (parallel, ours(clean, args.workers, parallel)),
                (serial, ours(clean, 1, serial)),
                (soiled, ours(dirty, args.workers, soiled)),
            ],
        )
        db.drop_database(db.admin_connection(load_settings(), conn), BENCH_DB)

    with db.connect(conn.with_database("postgres")) as pg:
        version = pg.execute("show server_version").fetchone()[0]
    cases = [bare, parallel, serial, soiled]
    context = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": describe_machine(),
        "server": f"PostgreSQL {version} ({'embedded' if conn.embedded else conn.url()})",
        "command": f"`python -m warehouse.bench.ingest --rounds {args.rounds}`",
        "data": f"`warehouse generate --scale {args.scale:g} --days {args.days} --seed "
        f"{args.seed} --clean`: {len(ENTITY_BY_NAME)} entities, {rows:,} data lines; the dirty "
        f"copy has {broken:,} ({BROKEN_SHARE:.1%}) lines broken",
        "load average at the start": f"{with_load:.2f} (the machine is shared)",
        "targets": f"clean ≥ {TARGET_CLEAN} × bare COPY, 0.1 % bad lines ≥ {TARGET_DIRTY} ×",
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    report = (
        render(cases, bare, context) + "\n" + "\n".join(verdict(bare, parallel, serial, soiled))
    )
    output.write_text(report, encoding="utf-8")
    for case in cases:
        print(
            f"{case.name}: {case.median:.2f} s, {case.rate:,.0f} rows/s, "
            f"{case.rate / bare.rate:.2f} × bare COPY"
        )
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
