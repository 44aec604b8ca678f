"""docs/benchmarks.md from the results of every scale measured (one JSON file
per scale in docs/benchmarks/): the targets, time against scale, and per scale
the steps, the ingestion next to bare COPY and the row-by-row baselines, and
where the database's space goes."""

from __future__ import annotations

import json
from pathlib import Path

from warehouse.bench import pipeline as steps

MB = 2**20
#: N times the data in more than this times N the time: "grows faster than linear".
LINEAR_TOLERANCE = 1.2


def load_results(folder: Path) -> list[dict]:
    results = [json.loads(path.read_text()) for path in folder.glob("scale-*.json")]
    return sorted(results, key=lambda r: r["scale"])


def step_median(result: dict, name: str) -> float | None:
    step = result["steps"].get(name)
    return step["median_s"] if step else None


def end_to_end(result: dict) -> float:
    """Generate, ingest, first build, one daily batch ingested and built."""
    names = (steps.GENERATE, steps.INGEST, steps.FIRST_BUILD, steps.DAILY_INGEST, steps.INCREMENTAL)
    return sum(step_median(result, name) or 0.0 for name in names)


def targets(result: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for one scale."""
    scale = result["scale"]
    full = step_median(result, steps.FULL_REFRESH)
    incremental = step_median(result, steps.INCREMENTAL) / full
    nothing = step_median(result, steps.NOTHING_NEW) / full
    peak = max(step["peak_mb"] for step in result["steps"].values())
    rows: list[tuple[str, str, bool]] = []
    if scale == 1:
        one = result["ingestion"]["one_connection_vs_bare"]
        rows += [
            ("incremental build after one day ≤ 0.3 × full refresh", f"{incremental:.2f}",
             incremental <= 0.3),
            ("build with nothing new ≤ 0.15 × full refresh", f"{nothing:.2f}", nothing <= 0.15),
            ("ingestion on one connection ≥ 0.85 × bare `psql \\copy`", f"{one:.2f}", one >= 0.85),
        ]  # fmt: skip
    if scale >= 10:
        e2e = end_to_end(result)
        size = result["sizes"]["database_bytes"] / result["sizes"]["csv_bytes"]
        rows += [
            ("incremental build after one day ≤ 0.1 × full refresh", f"{incremental:.2f}",
             incremental <= 0.1),
            ("end to end (generate, ingest, build, one day) < 10 min", f"{e2e / 60:.1f} min",
             e2e < 600),
            ("database ≤ 8 × its CSV files", f"{size:.1f} ×", size <= 8),
        ]  # fmt: skip
    rows.append(("no step above 2 GB peak memory", f"{peak:,.0f} MB", peak <= 2048))
    return rows


def scale_table(results: list[dict]) -> list[str]:
    names = list(results[-1]["steps"])
    header = "| step | " + " | ".join(f"scale {r['scale']:g}" for r in results)
    growth = [(a, b) for a, b in zip(results, results[1:], strict=False)]
    header += "".join(f" | × from {a['scale']:g} to {b['scale']:g}" for a, b in growth) + " |"
    lines = [header, "| --- |" + " ---: |" * (len(results) + len(growth))]
    notes = []
    for name in names:
        cells = [step_median(r, name) for r in results]
        row = f"| {name} | " + " | ".join("" if c is None else f"{c:.1f} s" for c in cells)
        for a, b in growth:
            ta, tb = step_median(a, name), step_median(b, name)
            factor = tb / ta if ta and tb else None
            row += " | " + ("" if factor is None else f"{factor:.1f}")
            data = b["scale"] / a["scale"]
            if factor is not None and factor > data * LINEAR_TOLERANCE:
                notes.append(
                    f"- **{name}** grows faster than the data from scale {a['scale']:g} to "
                    f"{b['scale']:g}: {factor:.1f} × the time for {data:g} × the data."
                )
        lines.append(row + " |")
    e2e = [end_to_end(r) for r in results]
    lines.append(
        "| end to end: generate, ingest, first build, one day | "
        + " | ".join(f"{t:.1f} s" for t in e2e)
        + "".join(" | " for _ in growth)
        + " |"
    )
    return [*lines, "", *(notes or ["Every step grows at most linearly with the data."])]


def scale_section(result: dict) -> list[str]:
    ingestion = result["ingestion"]
    lines = [
        f"## Scale {result['scale']:g}",
        "",
        f"- measured: {result['date']}, {result['rounds']} rounds; {result['machine']}",
        f"- server: {result['server']}",
        f"- data: `warehouse generate --scale {result['scale']:g} --days {result['days'] + 1} "
        f"--seed {result['seed']}`; {result['source_rows']:,} data lines, "
        f"{result['sizes']['csv_bytes'] / MB:,.0f} MB of CSV",
        "",
        "| step | median | every round | peak memory |",
        "| --- | ---: | --- | ---: |",
    ]
    for step in result["steps"].values():
        rounds = ", ".join(f"{s:.1f}" for s in step["seconds"])
        lines.append(
            f"| {step['name']} | {step['median_s']:.1f} s | {rounds} | {step['peak_mb']:,.0f} MB |"
        )
    full = step_median(result, steps.FULL_REFRESH)
    lines += [
        "",
        f"Incremental build after one day: **{step_median(result, steps.INCREMENTAL) / full:.2f}** "
        f"× the full refresh of the same data; with nothing new: "
        f"**{step_median(result, steps.NOTHING_NEW) / full:.2f}** × (medians, same rounds).",
        "",
        f"### Ingestion ({ingestion['rows']:,} lines, clean files unless said)",
        "",
        "| how | median | every round | rows/s | × bare COPY |",
        "| --- | ---: | --- | ---: | ---: |",
    ]
    for case in ingestion["cases"]:
        rounds = ", ".join(f"{s:.2f}" for s in case["seconds"])
        lines.append(
            f"| {case['name']} | {case['median_s']:.2f} s | {rounds} | "
            f"{case['rows_per_s']:,.0f} | {case['vs_bare']:.2f} |"
        )
    row_by_row = ingestion["row_by_row"]
    copy_rate = row_by_row["rows_per_s"]["COPY"]
    if "one_connection_vs_bare_raw" in ingestion:
        lines += [
            "",
            f"What the load metadata costs COPY: bare COPY into the raw tables (COPY filling "
            f"batch date, load id, load time and the line number from defaults) takes "
            f"{ingestion['bare_raw_s']:.2f} s against {ingestion['cases'][0]['median_s']:.2f} s "
            f"into tables of text; the ingestion on one connection runs at "
            f"{ingestion['one_connection_vs_bare_raw']:.2f} × the former (the rest: per file, "
            "the manifest row, the locks and the checks; per byte, the hash).",
        ]
    lines += [
        "",
        f"The dirty copy: {ingestion['dirty_quarantined']:,} lines quarantined, every other "
        f"line loaded; bare COPY stops at the first bad line (`{ingestion['bare_dirty_error']}`).",
        "",
        f"Row by row, on the first {row_by_row['sample_rows']:,} lines of "
        f"`{row_by_row['sample_file']}` (one transaction each, medians):",
        "",
        "| how | rows/s | COPY is faster by |",
        "| --- | ---: | ---: |",
    ]
    for name, rate in row_by_row["rows_per_s"].items():
        lines.append(f"| {name} | {rate:,.0f} | {copy_rate / rate:,.1f} × |")
    sizes = result["sizes"]
    lines += [
        "",
        f"### Space: {sizes['database_bytes'] / MB:,.0f} MB of database for "
        f"{sizes['csv_bytes'] / MB:,.0f} MB of CSV "
        f"({sizes['database_bytes'] / sizes['csv_bytes']:.1f} ×)",
        "",
        "| schema | tables | indexes |",
        "| --- | ---: | ---: |",
    ]
    for schema in sizes["schemas"]:
        lines.append(
            f"| {schema['schema']} | {schema['table_bytes'] / MB:,.1f} MB | "
            f"{schema['index_bytes'] / MB:,.1f} MB |"
        )
    lines += largest_relations(sizes)
    generation = result["generation"]
    lines += [
        "",
        f"Generation: {generation['rows_per_s']:,.0f} rows/s, "
        f"{generation['rows_per_s'] / generation['faker_loop_rows_per_s']:,.0f} × a per-row "
        f"Faker loop writing the same customer and order columns "
        f"({generation['faker_loop_rows_per_s']:,.0f} rows/s).",
        "",
    ]
    return lines


SPACE_LINK = "[what each layer keeps](models.md#space)"


def largest_relations(sizes: dict) -> list[str]:
    """The tables that take the most space, with their share of the database
    and bytes per row (results measured before the bench recorded them have none)."""
    relations = sizes.get("relations")
    if not relations:
        return []
    lines = [
        "",
        f"The {len(relations)} largest tables (why: {SPACE_LINK}):",
        "",
        "| table | table | indexes | rows | bytes per row | share of the database |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in relations:
        total = r["table_bytes"] + r["index_bytes"]
        per_row = f"{r['table_bytes'] / r['rows']:,.0f}" if r["rows"] else ""
        lines.append(
            f"| {r['relation']} | {r['table_bytes'] / MB:,.1f} MB | {r['index_bytes'] / MB:,.1f} MB"
            f" | {r['rows']:,} | {per_row} | {total / sizes['database_bytes']:.0%} |"
        )
    return lines


METHOD = """\
`make bench` measures scale 0.1 and 1; `make bench SCALE=10` adds the large
run (each scale's results are kept in `docs/benchmarks/scale-<S>.json`, and
this page is written from all of them). Every step is a `warehouse` command
in a process of its own, as a user runs it, timed from start to exit; its
peak memory is the largest sum of resident memory over the command and its
children (dbt), read every 50 ms (the PostgreSQL server's own memory is not
counted). The landing zone holds the history batch and seven daily batches;
an eighth is held back. After the first ingest and build the database is
kept as a template (built under the copies' name, so that dbt's partial
parsing holds from build to build, as in daily use); each round starts
from a copy of it, ingests the eighth
day, builds incrementally, builds again with nothing new, then rebuilds the
same data with `--full-refresh`, so the three builds are compared on the
same data, side by side in the same round. Ingestion is compared with a
bare `psql \\copy` of the same files in the same rounds (fresh database
each), and with one INSERT per row and `executemany` on a sample. Medians
of the rounds; every round is shown. The machine is shared: a busy moment
shows as one slow round.
"""


def render(results: list[dict]) -> str:
    lines = ["# Benchmarks", "", METHOD, "## Targets", ""]
    lines += ["| scale | target | measured | |", "| ---: | --- | ---: | --- |"]
    for result in results:
        for target, measured, met in targets(result):
            verdict = "met" if met else "**missed**"
            lines.append(f"| {result['scale']:g} | {target} | {measured} | {verdict} |")
    lines += ["", "## Time against scale (medians)", "", *scale_table(results), ""]
    for result in results:
        lines += scale_section(result)
    return "\n".join(lines)
