"""Determinism, append-a-day stability, --out handling and the CLI command."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from warehouse.contract import ENTITY_BY_NAME
from warehouse.generate import GeneratorConfig, GeneratorError, generate_landing
from warehouse.generate.command import generate_command

from .conftest import run_cli


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("det")
    out = {}
    for name, days in (("a", 2), ("b", 2), ("c", 3)):
        out[name] = root / name
        generate_landing(GeneratorConfig(scale=0.01, days=days, seed=7), out[name])
    return out


def test_same_arguments_give_identical_bytes(runs: dict[str, Path]) -> None:
    a, b = _hashes(runs["a"]), _hashes(runs["b"])
    assert len(a) > 10
    assert a == b


def test_appending_a_day_leaves_earlier_batches_identical(runs: dict[str, Path]) -> None:
    a, c = _hashes(runs["a"]), _hashes(runs["c"])
    assert sorted({k.split("/")[0] for k in c}) == [
        "2025-06-30",
        "2025-07-01",
        "2025-07-02",
        "2025-07-03",
    ]
    for name, digest in a.items():
        assert c[name] == digest, name
    assert len(c) > len(a)


def test_other_seed_gives_other_data(tmp_path: Path, runs: dict[str, Path]) -> None:
    generate_landing(GeneratorConfig(scale=0.01, days=2, seed=8), tmp_path)
    assert _hashes(tmp_path) != _hashes(runs["a"])


def test_regenerating_into_same_folder_is_an_identical_rewrite(runs: dict[str, Path]) -> None:
    before = _hashes(runs["a"])
    result = generate_landing(GeneratorConfig(scale=0.01, days=2, seed=7), runs["a"])
    assert _hashes(runs["a"]) == before
    assert [p.name for p in result.batches] == ["2025-06-30", "2025-07-01", "2025-07-02"]
    assert not list(runs["a"].rglob("*.tmp"))


def test_result_counts_match_files(runs: dict[str, Path]) -> None:
    result = generate_landing(GeneratorConfig(scale=0.01, days=2, seed=7), runs["b"])
    for batch, per_entity in result.row_counts.items():
        for entity, rows in per_entity.items():
            path = runs["b"] / batch / ENTITY_BY_NAME[entity].file_name
            assert path.read_bytes().count(b"\n") == rows + 1
    assert result.total_rows == sum(sum(v.values()) for v in result.row_counts.values())


def test_foreign_files_in_out_are_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(GeneratorError, match="did not write"):
        generate_landing(GeneratorConfig(scale=0.01, days=0), tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_stale_batches_are_refused(runs: dict[str, Path]) -> None:
    with pytest.raises(GeneratorError, match="holds batch 2025-07-02"):
        generate_landing(GeneratorConfig(scale=0.01, days=1, seed=7), runs["c"])


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("generate")(generate_command)

    @app.command("noop")
    def noop() -> None:  # a second command keeps "generate" a subcommand
        pass

    return app


def test_cli_generates_and_prints_summary(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    res = CliRunner().invoke(
        _app(),
        ["generate", "--scale", "0.01", "--days", "1", "--seed", "3", "--out", str(out), "--clean"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["2025-06-30", "2025-07-01"]
    assert "initial 2025-06-30" in res.output and "1 daily batches" in res.output
    # The orders row: initial, daily and total counts of the files' data lines.
    counts = [
        len((out / batch / "orders.csv").read_text().splitlines()) - 1
        for batch in ("2025-06-30", "2025-07-01")
    ]
    expected = f"orders │ {counts[0]:,} │ {counts[1]:,} │ {sum(counts):,} │"
    assert expected in " ".join(res.output.split()), res.output


def test_cli_user_errors_are_one_line_on_stderr(tmp_path: Path) -> None:
    """Like every command's: one line on stderr, exit 1, no traceback."""
    (tmp_path / "x.csv").write_text("a\n")
    for args, message in (
        (["--out", str(tmp_path)], "which the generator did not write"),
        (["--out", str(tmp_path / "n"), "--dirt-rate", "bogus=0.1"], "unknown defect kind"),
        (["--out", str(tmp_path / "n"), "--scale", "-1"], "scale must be in (0, 100]"),
    ):
        res = run_cli("generate", "--scale", "0.01", *args)
        assert (res.returncode, res.stdout.strip()) == (1, ""), res.output
        assert res.stderr.startswith("error: ") and message in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_progress_has_one_finished_task_per_entity(tmp_path: Path) -> None:
    from rich.progress import Progress

    with Progress(disable=True) as progress:
        generate_landing(
            GeneratorConfig(scale=0.01, days=1, clean=True), tmp_path, progress=progress
        )
    tasks = {t.description: t for t in progress.tasks}
    assert set(tasks) == set(ENTITY_BY_NAME)
    assert all(t.total == 2 and t.completed == 2 for t in tasks.values())
