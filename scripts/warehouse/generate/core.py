"""generate_landing: write the initial batch and the daily batches with manifests."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.contract import CONTRACT_VERSION, ENTITIES, ENTITY_BY_NAME, parse_batch_date

from . import batches
from .calendar import epoch_day
from .config import GENERATOR_VERSION, GeneratorConfig, GeneratorError
from .dirt import DefectLog
from .sink import EntitySink

if TYPE_CHECKING:
    from rich.progress import Progress

MANIFEST = "_manifest.json"
_OWN_FILES = {e.file_name for e in ENTITIES} | {MANIFEST}


@dataclass
class GenerateResult:
    """What a run wrote: batch folders and, per batch, rows per entity file."""

    out: Path
    batches: list[Path] = field(default_factory=list)
    row_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    defect_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(sum(per.values()) for per in self.row_counts.values())

    def entity_totals(self) -> dict[str, int]:
        totals = {e.name: 0 for e in ENTITIES}
        for per in self.row_counts.values():
            for name, n in per.items():
                totals[name] += n
        return totals


def _is_own_batch(path: Path) -> bool:
    return (
        path.is_dir()
        and parse_batch_date(path.name) is not None
        and all(p.name in _OWN_FILES or p.name.endswith(".csv.tmp") for p in path.iterdir())
    )


def remove_generated(out: Path) -> list[Path]:
    """Delete the batch folders the generator wrote in ``out`` (and the legacy
    ``.generated`` stamp of older Makefiles); anything else stays. The folders
    deleted."""
    if not out.is_dir():
        return []
    removed = [entry for entry in sorted(out.iterdir()) if _is_own_batch(entry)]
    for folder in removed:
        shutil.rmtree(folder)
    (out / ".generated").unlink(missing_ok=True)
    return removed


def prepare_out(out: Path, config: GeneratorConfig) -> None:
    """Refuse an --out that holds anything the generator did not write, or
    batches this run would not rewrite (they would be loaded as stale data)."""
    if out.exists() and not out.is_dir():
        raise GeneratorError(f"--out {out} exists and is not a directory")
    if not out.exists():
        return
    names = {d.isoformat() for d in config.batch_dates}
    for entry in sorted(out.iterdir()):
        if not _is_own_batch(entry):
            raise GeneratorError(
                f"--out {out} holds {entry.name!r}, which the generator did not "
                "write; use an empty or new folder"
            )
        if entry.name not in names:
            raise GeneratorError(
                f"--out {out} holds batch {entry.name} that this run would not "
                "write (other --days or --history-end?); remove it or use "
                "another folder"
            )


def _write_batch(
    world: batches.World, batch_date, folder: Path, progress: Progress | None, tasks: dict[str, int]
) -> tuple[dict, dict]:
    config = world.config
    day = epoch_day(batch_date)
    initial = day == world.cal.history_end
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    log = DefectLog()
    end = datetime.combine(batch_date, datetime.min.time()) + timedelta(days=1)
    sinks = {e.name: EntitySink(e, folder, config, world.rand, day, end, log) for e in ENTITIES}
    late_orders: list[str] = []
    late_customer_orders: list[str] = []
    paid_before_sent: list[str] = []

    def done(name: str) -> None:
        if progress is not None:
            progress.advance(tasks[name])

    try:
        for cols in batches.customer_chunks(world, day):
            sinks["customers"].add(cols)
        done("customers")
        sinks["products"].add(batches.product_rows(world, day))
        done("products")
        for chunk in batches.order_chunks(world, day):
            sinks["orders"].add(chunk.orders)
            sinks["order_lines"].add(chunk.lines)
            sinks["payments"].add(chunk.payments)
            late_orders += chunk.late_orders
            late_customer_orders += chunk.late_customer_orders
            paid_before_sent += chunk.paid_before_sent_orders
        for name in ("orders", "order_lines", "payments"):
            done(name)
        campaigns, responses = batches.campaign_rows(world, day)
        sinks["campaigns"].add(campaigns)
        sinks["campaign_responses"].add(responses)
        done("campaigns")
        done("campaign_responses")
    except BaseException:
        for sink in sinks.values():
            sink.abort()
        raise
    files = {}
    for name, sink in sinks.items():
        stats = sink.close()
        if stats is not None:
            files[ENTITY_BY_NAME[name].file_name] = stats
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "contract_version": CONTRACT_VERSION,
        "batch_date": batch_date.isoformat(),
        "batch_kind": "initial" if initial else "daily",
        "config": config.manifest_dict(),
        "files": {name: {"rows": s["rows"], "lines": s["lines"]} for name, s in files.items()},
        "defects": log.as_list(),
        "normal": {
            "cdc_repeat": {name: s["repeated_keys"] for name, s in files.items()},
            "late_order": {"count": len(late_orders), "keys": late_orders},
            "late_customer": {"count": len(late_customer_orders), "keys": late_customer_orders},
            "paid_before_sent": {"count": len(paid_before_sent), "keys": paid_before_sent},
        },
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    rows = {name.removesuffix(".csv"): s["rows"] for name, s in files.items()}
    return rows, log.counts()


def generate_landing(
    config: GeneratorConfig, out: Path, progress: Progress | None = None
) -> GenerateResult:
    """Write ``config.days + 1`` batch folders under ``out`` (see docs/generator.md)."""
    started = time.perf_counter()
    out = Path(out)
    prepare_out(out, config)
    world = batches.World.build(config)
    dates = config.batch_dates
    tasks: dict[str, int] = {}
    if progress is not None:
        tasks = {e.name: progress.add_task(e.name, total=len(dates)) for e in ENTITIES}
    result = GenerateResult(out=out)
    for batch_date in dates:
        folder = out / batch_date.isoformat()
        rows, defects = _write_batch(world, batch_date, folder, progress, tasks)
        result.batches.append(folder)
        result.row_counts[folder.name] = rows
        result.defect_counts[folder.name] = defects
    result.seconds = time.perf_counter() - started
    return result
