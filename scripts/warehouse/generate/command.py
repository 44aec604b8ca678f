"""The ``warehouse generate`` command (registered by the CLI module)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from warehouse.contract import ENTITIES

from .config import DEFECT_KINDS, GeneratorConfig, GeneratorError
from .core import GenerateResult, generate_landing


def _parse_rates(specs: list[str]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for spec in specs:
        kind, sep, value = spec.partition("=")
        if not sep:
            raise GeneratorError(f"--dirt-rate expects KIND=RATE, got {spec!r}")
        try:
            rates[kind.strip()] = float(value)
        except ValueError:
            raise GeneratorError(f"--dirt-rate {spec!r}: {value!r} is not a number") from None
    return rates


def summary_table(result: GenerateResult) -> Table:
    """Rows per entity: the initial batch, the daily batches, the total; then defects.

    Entities are rows, so the table fits a terminal whatever the number of days.
    """
    batches = list(result.row_counts)
    initial, daily = batches[0], batches[1:]
    table = Table(title=f"Landing batches written to {result.out}")
    table.add_column("entity")
    table.add_column(f"initial {initial}", justify="right")
    table.add_column(f"{len(daily)} daily batches", justify="right")
    table.add_column("total", justify="right")

    def row(label: str, counts: list[dict[str, int]], key: str | None, **style: str) -> None:
        def total(items: list[dict[str, int]]) -> int:
            return sum(c.get(key, 0) if key else sum(c.values()) for c in items)

        table.add_row(
            label, f"{total(counts[:1]):,}", f"{total(counts[1:]):,}", f"{total(counts):,}", **style
        )

    rows = [result.row_counts[b] for b in batches]
    for e in ENTITIES:
        row(e.name, rows, e.name)
    row("all rows", rows, None, style="bold")
    row("defects injected", [result.defect_counts[b] for b in batches], None)
    return table


def generate_command(
    scale: Annotated[
        float,
        typer.Option(help="Volume multiplier: 1 = ~50k customers, 200k orders over the history."),
    ] = 1.0,
    days: Annotated[int, typer.Option(help="Daily CDC batches after the initial batch.")] = 7,
    seed: Annotated[int, typer.Option(help="Random seed; same arguments, same bytes.")] = 42,
    out: Annotated[Path, typer.Option(help="Landing folder to write batch folders into.")] = Path(
        "data/landing"
    ),
    clean: Annotated[
        bool, typer.Option(help="Inject no defects (CDC repeats and late arrivals still happen).")
    ] = False,
    history_end: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Last day of the initial history batch (its folder name); "
            "daily batches start the day after.",
        ),
    ] = datetime(2025, 6, 30),
    history_days: Annotated[
        int, typer.Option(help="Days of order history in the initial batch.")
    ] = 730,
    dirt_multiplier: Annotated[
        float, typer.Option(help="Multiply every defect rate (0 = none).")
    ] = 1.0,
    dirt_rate: Annotated[
        list[str] | None,
        typer.Option(
            help="Override one defect rate, KIND=RATE (repeatable). Kinds: "
            + ", ".join(DEFECT_KINDS)
            + "."
        ),
    ] = None,
    late_order_rate: Annotated[
        float, typer.Option(help="Share of orders first sent 1-5 days late.")
    ] = 0.02,
    late_customer_rate: Annotated[
        float, typer.Option(help="Share of customers first sent 1-4 days after sign-up.")
    ] = 0.03,
) -> None:
    """Generate landing-zone batches: an initial history batch plus daily CDC batches."""
    console = Console()
    # A GeneratorError (bad value, unusable --out) reaches cli.main: one line
    # on stderr, exit 1, like every command's.
    config = GeneratorConfig(
        scale=scale,
        days=days,
        seed=seed,
        clean=clean,
        history_end=history_end.date()
        if isinstance(history_end, datetime)
        else date.fromisoformat(str(history_end)),
        history_days=history_days,
        dirt_multiplier=dirt_multiplier,
        dirt_rates=_parse_rates(dirt_rate or []),
        late_order_rate=late_order_rate,
        late_customer_rate=late_customer_rate,
    )
    with Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        result = generate_landing(config, out, progress=progress)
    console.print(summary_table(result))
    console.print(
        f"{result.total_rows:,} rows in {len(result.batches)} batches, {result.seconds:.1f} s"
    )
