"""The landing zone: which batches and files are there, in the order they load."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warehouse.contract import ENTITY_BY_NAME, LOAD_ORDER, Entity, parse_batch_date
from warehouse.errors import WarehouseError


class LandingError(WarehouseError):
    """The landing zone cannot be read; the message names the folder and the fix."""


@dataclass(frozen=True)
class LandingFile:
    batch_date: date
    entity: Entity
    path: Path

    @property
    def relative_path(self) -> str:
        """The path that identifies the file in the load manifest: <batch>/<file>."""
        return f"{self.batch_date.isoformat()}/{self.path.name}"


@dataclass(frozen=True)
class Batch:
    batch_date: date
    path: Path
    files: tuple[LandingFile, ...]
    unknown_files: tuple[Path, ...]  # .csv files that are no entity of the contract


def discover(landing_dir: Path) -> list[Batch]:
    """Every batch folder under ``landing_dir``, in batch-date order.

    Files inside a batch come in load order (dimensions before facts). Folders
    whose name is not a date, and files other than .csv, are ignored.
    """
    if not landing_dir.exists():
        raise LandingError(
            f"landing folder {landing_dir} does not exist: run `warehouse generate --out "
            f"{landing_dir}` or pass --landing with the folder that holds the batches"
        )
    if not landing_dir.is_dir():
        raise LandingError(f"landing path {landing_dir} is not a folder")
    batches = []
    for child in sorted(landing_dir.iterdir()):
        batch_date = parse_batch_date(child.name)
        if batch_date is None or not child.is_dir():
            continue
        csvs = {p.stem: p for p in child.iterdir() if p.suffix == ".csv" and p.is_file()}
        files = tuple(
            LandingFile(batch_date, ENTITY_BY_NAME[name], csvs[name])
            for name in LOAD_ORDER
            if name in csvs
        )
        unknown = tuple(sorted(p for stem, p in csvs.items() if stem not in ENTITY_BY_NAME))
        batches.append(Batch(batch_date, child, files, unknown))
    batches.sort(key=lambda b: b.batch_date)
    return batches
