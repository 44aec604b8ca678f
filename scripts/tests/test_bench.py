"""The benchmark's measuring and its report, without a database."""

from __future__ import annotations

import sys

import pytest

from warehouse.bench import pipeline as steps
from warehouse.bench import report
from warehouse.bench.measure import run_measured


def test_peak_memory_counts_the_children_of_the_command() -> None:
    """A parent that starts a child holding 150 MB: the tree's peak, not the parent's."""
    child = "b = bytearray(150 * 2**20); import time; time.sleep(0.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    measured = run_measured([sys.executable, "-c", parent], {})
    assert measured.returncode == 0
    assert 150 <= measured.peak_mb < 400
    assert measured.seconds >= 0.5


def test_a_failing_step_stops_the_benchmark_with_its_output() -> None:
    with pytest.raises(RuntimeError, match="exited 3:\nwhat went wrong"):
        run_measured([sys.executable, "-c", "print('what went wrong'); raise SystemExit(3)"], {})


def result(scale: float, seconds: dict[str, float], peak_mb: float = 500) -> dict:
    return {
        "scale": scale,
        "steps": {
            name: {"name": name, "seconds": [s], "median_s": s, "peak_mb": peak_mb}
            for name, s in seconds.items()
        },
        "ingestion": {"one_connection_vs_bare": 0.9},
        "sizes": {"database_bytes": 9 * 2**30, "csv_bytes": 2**30, "schemas": []},
    }


SCALE_1 = {
    steps.GENERATE: 2.0,
    steps.INGEST: 3.0,
    steps.FIRST_BUILD: 40.0,
    steps.DAILY_INGEST: 0.5,
    steps.INCREMENTAL: 10.0,
    steps.NOTHING_NEW: 8.0,
    steps.FULL_REFRESH: 40.0,
}


def test_targets_are_judged_from_the_medians() -> None:
    verdicts = {target: met for target, _, met in report.targets(result(1, SCALE_1))}
    assert verdicts == {
        "incremental build after one day ≤ 0.3 × full refresh": True,  # 0.25
        "build with nothing new ≤ 0.15 × full refresh": False,  # 0.2
        "ingestion on one connection ≥ 0.85 × bare `psql \\copy`": True,
        "no step above 2 GB peak memory": True,
    }
    large = {**SCALE_1, steps.INCREMENTAL: 30.0, steps.FULL_REFRESH: 400.0}
    measured = {t: (m, ok) for t, m, ok in report.targets(result(10, large, peak_mb=2100))}
    assert measured["end to end (generate, ingest, build, one day) < 10 min"] == ("1.3 min", True)
    assert measured["database ≤ 8 × its CSV files"] == ("9.0 ×", False)
    assert measured["no step above 2 GB peak memory"] == ("2,100 MB", False)


def test_a_step_growing_faster_than_the_data_is_named() -> None:
    small = result(1, SCALE_1)
    large = result(10, {**SCALE_1, steps.FIRST_BUILD: 900.0, steps.GENERATE: 20.0})
    lines = report.scale_table([small, large])
    assert "| first build | 40.0 s | 900.0 s | 22.5 |" in lines
    notes = [line for line in lines if "grows faster" in line]
    assert notes == [
        "- **first build** grows faster than the data from scale 1 to 10: "
        "22.5 × the time for 10 × the data."
    ]


def test_the_space_report_names_the_largest_tables_and_their_share() -> None:
    sizes = {
        "database_bytes": 1000 * 2**20,
        "csv_bytes": 100 * 2**20,
        "schemas": [],
        "relations": [
            {"relation": "gold.wide", "table_bytes": 200 * 2**20, "index_bytes": 50 * 2**20,
             "rows": 2**20},
            {"relation": "raw.empty", "table_bytes": 8192, "index_bytes": 0, "rows": 0},
        ],
    }  # fmt: skip
    lines = report.largest_relations(sizes)
    assert "| gold.wide | 200.0 MB | 50.0 MB | 1,048,576 | 200 | 25% |" in lines
    assert "| raw.empty | 0.0 MB | 0.0 MB | 0 |  | 0% |" in lines
    # results measured before the bench recorded the tables
    assert report.largest_relations({k: v for k, v in sizes.items() if k != "relations"}) == []
