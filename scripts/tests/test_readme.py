"""Every command block of the README runs, in order, after the demo, as a
newcomer would paste them.

The first block is `make demo` and `make test`: the demo runs (on a small
dataset, DEMO_ARGS from the environment as the README allows, into a test
database and a landing zone of this test's own); `make test` is the suite
this test belongs to, so it is not run again from inside it. make is told
(--old-file) that the venv is up to date: the suite runs inside the one make
test set up, and a test must not reinstall it. Every later block runs in one bash
session, so `eval "$(warehouse env)"` carries to the commands after it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from warehouse import db

from .conftest import PROJECT_DIR, db_env

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
DEMO_ARGS = "--scale 0.01 --days 2 --seed 11"  # as the gold tests build


def command_blocks(readme: str) -> list[list[str]]:
    """The bash blocks of the README, each as its command lines (comments dropped)."""
    blocks = []
    for body in BLOCK.findall(readme):
        lines = [line.split("  #")[0].rstrip() for line in body.splitlines()]
        blocks.append([line for line in lines if line and not line.startswith("#")])
    return blocks


def test_the_readme_has_the_two_commands_first() -> None:
    blocks = command_blocks((PROJECT_DIR / "README.md").read_text())
    assert len(blocks) >= 2
    assert blocks[0] == ["make demo", "make test"]


def test_every_command_block_of_the_readme_runs_after_the_demo(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    blocks = command_blocks((PROJECT_DIR / "README.md").read_text())
    env = {
        **os.environ,
        **db_env(fresh_db),
        "DEMO_ARGS": DEMO_ARGS,
        "LANDING": str(tmp_path / "landing"),
        "WAREHOUSE_LANDING": str(tmp_path / "landing"),
        "DEMO_STAMP": str(tmp_path / "demo.args"),
        "COLUMNS": "160",
    }
    assert blocks[0][0] == "make demo"
    demo = subprocess.run(
        ["make", "--old-file=.venv/.installed", "demo"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert demo.returncode == 0, (demo.stdout + demo.stderr)[-4000:]
    assert "run done: tests" in demo.stdout
    batches = sorted(p.name for p in (tmp_path / "landing").iterdir() if p.is_dir())
    assert len(batches) == 3, batches  # the initial batch and two daily ones

    script = "\n".join(["set -euo pipefail", *(line for block in blocks[1:] for line in block)])
    after = subprocess.run(
        ["bash", "-c", script], cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=1200,
    )  # fmt: skip
    output = after.stdout + after.stderr
    assert after.returncode == 0, output[-4000:]
    assert "sales_summary_daily (gold.sales_summary_daily)" in output
    assert re.search(r"\d+ of \d+ matching rows", output)
    assert "docs generated in" in output
    assert re.search(r"Done\. PASS=\d+ WARN=\d+ ERROR=0", output)  # plain dbt's own summary
