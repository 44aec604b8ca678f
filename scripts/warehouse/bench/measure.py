"""Timing a command and the peak memory of its process tree."""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import psutil

#: How often the process tree's memory is read while a command runs.
SAMPLE_EVERY_S = 0.05


@dataclass
class Measurement:
    seconds: float
    peak_mb: float  # largest sum of RSS over the command and its children, sampled
    returncode: int
    output: str


@dataclass
class Step:
    """One step of the benchmark, measured round after round."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def add(self, measured: Measurement) -> None:
        self.seconds.append(measured.seconds)
        self.peak_mb.append(measured.peak_mb)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "median_s": self.median,
            "peak_mb": max(self.peak_mb, default=0.0),
        }


def tree_rss(process: psutil.Process) -> int:
    """Bytes resident in ``process`` and all its descendants at this moment."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue  # ended between the listing and the reading
    return total


def run_measured(command: list[str], env: Mapping[str, str], check: bool = True) -> Measurement:
    """Run ``command``, sampling its tree's memory; its output kept for errors."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        process = psutil.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=dict(env))
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process))
            time.sleep(SAMPLE_EVERY_S)
        seconds = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    measured = Measurement(seconds, peak / 2**20, process.returncode, output)
    if check and process.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{tail}")
    return measured
