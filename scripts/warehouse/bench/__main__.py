"""The benchmark: `make bench` (scales 0.1 and 1), `make bench SCALE=10`.

    python -m warehouse.bench [--scale S ...] [--rounds N] [--days D]

For every scale: generation, ingestion next to bare COPY and the row-by-row
baselines, the first build, the daily rounds (ingest one day, incremental
build, build with nothing new, full refresh of the same data) and the whole
`warehouse run`; results to docs/benchmarks/scale-<S>.json, then
docs/benchmarks.md from every scale measured so far.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from warehouse import db
from warehouse.bench import ingest, pipeline, report
from warehouse.bench.generator import faker_loop_rate
from warehouse.bench.machine import describe_machine
from warehouse.config import load_settings
from warehouse.ingest import DEFAULT_WORKERS

SEED = 42
#: Lines of one file loaded row by row (one INSERT per row takes a while).
ROW_BY_ROW_SAMPLE = 20_000


def rounds_for(scale: float) -> int:
    return 3 if scale <= 1 else 1


def measure_scale(base: pipeline.Database, scale: float, days: int, rounds: int) -> dict:
    name = f"bench_s{scale:g}".replace(".", "_")
    database = base.named(name)
    results = pipeline.PipelineResults()
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale:g}-") as tmp:
        landing, clean, dirty, held = (Path(tmp) / n for n in ("landing", "clean", "dirty", "held"))
        held.mkdir()
        common = ["--scale", f"{scale:g}", "--days", str(days + 1), "--seed", str(SEED)]
        generated = database.run("generate", *common, "--out", str(landing))
        results.step(pipeline.GENERATE).add(generated)
        source_rows = ingest.data_lines(landing)
        print(f"scale {scale:g}: {source_rows:,} lines in {generated.seconds:.1f} s", flush=True)
        database.run("generate", *common, "--clean", "--out", str(clean))
        ingest.make_dirty(clean, dirty, ingest.BROKEN_SHARE, SEED)
        ingestion = ingest.compare_ingestion(
            base.conn, clean, dirty, rounds, DEFAULT_WORKERS, ROW_BY_ROW_SAMPLE
        )
        held_day = pipeline.hold_back_last_day(landing, held)
        pipeline.measure_pipeline(database, landing, held_day, rounds, results)
    with db.connect(base.conn.with_database("postgres")) as pg:
        version = pg.execute("show server_version").fetchone()[0]
    where = "embedded" if base.conn.embedded else base.conn.url()
    return {
        "scale": scale,
        "days": days,
        "seed": SEED,
        "rounds": rounds,
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": describe_machine(),
        "server": f"PostgreSQL {version} ({where})",
        "source_rows": source_rows,
        "generation": {
            "rows_per_s": source_rows / results.steps[pipeline.GENERATE].median,
            "faker_loop_rows_per_s": faker_loop_rate(),
        },
        "steps": {name: step.as_dict() for name, step in results.steps.items()},
        "sizes": results.sizes,
        "ingestion": ingestion,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scale", type=float, action="append", help="repeatable; default 0.1, 1")
    parser.add_argument("--rounds", type=int, default=None, help="default: 3, 1 from scale 10")
    parser.add_argument("--days", type=int, default=7, help="daily batches before the held one")
    args = parser.parse_args(argv)
    settings = load_settings()
    folder = settings.project_dir / "docs" / "benchmarks"
    folder.mkdir(parents=True, exist_ok=True)
    conn = db.resolve(settings)
    db.ensure_server(settings, conn)
    base = pipeline.Database(settings, conn, dict(os.environ))
    for scale in args.scale or [0.1, 1.0]:
        result = measure_scale(base, scale, args.days, args.rounds or rounds_for(scale))
        (folder / f"scale-{scale:g}.json").write_text(json.dumps(result, indent=1) + "\n")
    output = settings.project_dir / "docs" / "benchmarks.md"
    output.write_text(report.render(report.load_results(folder)), encoding="utf-8")
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
