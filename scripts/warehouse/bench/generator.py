"""Benchmark of the generator: rows per second and peak memory.

Runs ``generate_landing`` for --scale 1 (and 10 unless --quick) in a child
process each, reading the child's own peak RSS, and compares the rate with a
per-row Faker loop that produces the same customer and order columns (timed on
a sample). Writes the results as markdown to docs/benchmarks/generator.md.

    python -m warehouse.bench.generator [--quick] [--days 7] [--output PATH]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from warehouse.bench.machine import describe_machine

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from warehouse.generate import GeneratorConfig, generate_landing
t = time.perf_counter()
r = generate_landing(GeneratorConfig(scale=float(sys.argv[1]), days=int(sys.argv[2])),
                     Path(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": r.total_rows,
                  "per_entity": r.entity_totals(),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

BASELINE_ROWS = 20_000


def run_generator(scale: float, days: int) -> dict:
    """Generate into a temporary folder in a child process; its timing and peak RSS."""
    scripts = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": scripts + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(scale), str(days), str(Path(tmp) / "landing")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        wall = time.perf_counter() - started
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = wall
    return result


def faker_loop_rate(rows: int = BASELINE_ROWS) -> float:
    """Rows per second of the naive approach: one Faker call per value, csv.writer."""
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "x.csv", "w", newline="") as fh:
        out = csv.writer(fh)
        started = time.perf_counter()
        for i in range(rows // 2):
            out.writerow(
                [
                    f"CUS-{i:07d}",
                    fake.first_name(),
                    fake.last_name(),
                    fake.email(),
                    fake.phone_number(),
                    fake.date_of_birth().isoformat(),
                    fake.random_element(["F", "M"]),
                    fake.street_address(),
                    fake.city(),
                    fake.state_abbr(),
                    fake.zipcode(),
                    "US",
                    fake.date_between("-3y").isoformat(),
                    fake.random_element(["Basic", "Standard", "Premium", "VIP"]),
                    "Active",
                    fake.date_time_between("-3y").isoformat(sep=" "),
                ]
            )
            out.writerow(
                [
                    f"ORD-{i:08d}",
                    str(100_000_000 + i),
                    f"CUS-{i:07d}",
                    fake.date_time_between("-2y").isoformat(sep=" "),
                    fake.random_element(["placed", "shipped", "delivered"]),
                    fake.random_element(["web", "mobile", "store"]),
                    "USD",
                    f"{fake.pyfloat(min_value=0, max_value=10, right_digits=2):.2f}",
                    f"{fake.pyfloat(min_value=0, max_value=50, right_digits=2):.2f}",
                    fake.date_time_between("-2y").isoformat(sep=" "),
                ]
            )
        return rows / (time.perf_counter() - started)


def render(results: list[tuple[float, dict]], baseline: float, days: int, command: str) -> str:
    lines = [
        "# Generator benchmark",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {describe_machine()}",
        f"- command: `{command}`",
        f"- each run: `generate_landing(GeneratorConfig(scale=S, days={days}, seed=42))` "
        "in a child process (default dirt), peak RSS read by the child itself",
        f"- baseline: a per-row Faker loop writing the customer and order columns with "
        f"csv.writer, timed on {BASELINE_ROWS:,} rows: **{baseline:,.0f} rows/s**",
        "",
        "| scale | rows written | seconds (generate) | seconds (process) | rows/s "
        "| × Faker loop | peak RSS (MB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scale, r in results:
        rate = r["rows"] / r["seconds"]
        lines.append(
            f"| {scale:g} | {r['rows']:,} | {r['seconds']:.1f} | "
            f"{r['wall_seconds']:.1f} | {rate:,.0f} | {rate / baseline:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} |"
        )
    lines += [
        "",
        "Rows per entity:",
        "",
        "| scale | " + " | ".join(results[0][1]["per_entity"]) + " |",
        "| ---: |" + " ---: |" * len(results[0][1]["per_entity"]),
    ]
    for scale, r in results:
        lines.append(
            f"| {scale:g} | " + " | ".join(f"{v:,}" for v in r["per_entity"].values()) + " |"
        )
    lines += [
        "",
        "Targets: scale 1 under 10 s and at least 50× the per-row loop; "
        "scale 10 under 2 GB peak RSS.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m warehouse.bench.generator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="scale 1 only")
    parser.add_argument("--days", type=int, default=7, help="daily batches per run")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("docs/benchmarks/generator.md"),
        help="markdown file to write",
    )
    args = parser.parse_args(argv)
    scales = [1.0] if args.quick else [1.0, 10.0]
    baseline = faker_loop_rate()
    print(f"Faker per-row loop: {baseline:,.0f} rows/s", flush=True)
    results = []
    for scale in scales:
        r = run_generator(scale, args.days)
        print(
            f"scale {scale:g}: {r['rows']:,} rows in {r['seconds']:.1f} s "
            f"({r['rows'] / r['seconds']:,.0f} rows/s), peak RSS {r['peak_rss_mb']:,.0f} MB",
            flush=True,
        )
        results.append((scale, r))
    command = "python -m warehouse.bench.generator" + (" --quick" if args.quick else "")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(results, baseline, args.days, command), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
