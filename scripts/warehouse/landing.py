"""The landing zone: which batches and files are there, in the order they load,
and what else is there that will not load, with the reason."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from warehouse.contract import ENTITY_BY_NAME, LOAD_ORDER, Entity, parse_batch_date
from warehouse.errors import WarehouseError

#: What the data generator writes into each batch beside the files: its defect
#: manifest (warehouse.generate.core.MANIFEST), read by the quality checks.
BATCH_EXTRAS = frozenset({"_manifest.json"})

NOT_A_BATCH = "not a batch date (YYYY-MM-DD)"
DANGLING = "dangling symlink"


class LandingError(WarehouseError):
    """The landing zone cannot be read; the message names the folder and the fix."""


@dataclass(frozen=True)
class LandingFile:
    batch_date: date
    entity: Entity
    path: Path  # where it is in the landing zone (what messages name)
    real_path: Path | None = None  # symlinks resolved: what is read and recorded

    @property
    def relative_path(self) -> str:
        """The path that identifies the file in the load manifest: <batch>/<file>."""
        return f"{self.batch_date.isoformat()}/{self.path.name}"

    @property
    def source(self) -> Path:
        """The file to read: its real path, so a symlink changed after
        discovery cannot send the load elsewhere."""
        return self.real_path or self.path

    @property
    def source_text(self) -> str:
        """The real path as text for the load manifest (bytes of the name that
        are not UTF-8 escaped, as the quarantine does)."""
        return os.fsencode(self.source).decode("utf-8", errors="backslashreplace")


@dataclass(frozen=True)
class Ignored:
    """An entry of the landing zone that does not load, and why.

    ``refused``: a symlink that leaves the landing zone, or a batch folder that
    cannot be read; a failure of the ingestion. The others are warnings."""

    path: Path
    reason: str
    refused: bool = False
    batch_date: date | None = None  # the batch it is in (or is), when it is one
    entity: str | None = None  # the entity its file name names, if any

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def line(self) -> str:
        """``path: reason`` as one printable line, whatever bytes the names hold
        (a line break, a terminal escape, bytes that are not UTF-8 are escaped)."""
        text = str(self)
        if text.isprintable():
            return text
        return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


@dataclass(frozen=True)
class Batch:
    batch_date: date
    path: Path
    files: tuple[LandingFile, ...]
    unknown_files: tuple[Path, ...]  # .csv files that are no entity of the contract


class Landing(list[Batch]):
    """The batches of a landing zone in batch-date order (a list, as callers
    iterate it), with ``ignored``: every entry that will not load, and why."""

    def __init__(self, batches: list[Batch], ignored: list[Ignored]) -> None:
        super().__init__(batches)
        self.ignored = ignored

    @property
    def refused(self) -> list[Ignored]:
        return [entry for entry in self.ignored if entry.refused]


def discover(landing_dir: Path) -> Landing:
    """Every batch folder under ``landing_dir``, in batch-date order, and the
    entries that will not load (``Landing.ignored``), each with its reason.

    Files inside a batch come in load order (dimensions before facts). A
    symlink may point anywhere inside the landing zone (its real path is what
    loads); one that leaves the zone is refused, one that points nowhere is
    ignored. Nothing is skipped without a word, except the data generator's
    own ``_manifest.json`` in a batch.
    """
    if not landing_dir.exists():
        raise LandingError(
            f"landing folder {landing_dir} does not exist: run `warehouse generate --out "
            f"{landing_dir}` or pass --landing with the folder that holds the batches"
        )
    if not landing_dir.is_dir():
        raise LandingError(f"landing path {landing_dir} is not a folder")
    root = landing_dir.resolve()
    batches: list[Batch] = []
    ignored: list[Ignored] = []
    for child in sorted(landing_dir.iterdir()):
        batch_date = parse_batch_date(child.name)
        problem = _link_problem(child, root, batch_date)
        if problem is not None:
            ignored.append(problem)
            continue
        if batch_date is None:
            reason = NOT_A_BATCH if child.is_dir() else "a file, not a batch folder (YYYY-MM-DD)"
            ignored.append(Ignored(child, reason))
            continue
        if not child.is_dir():
            ignored.append(Ignored(child, "not a folder (a batch is a folder of .csv files)"))
            continue
        try:
            batches.append(_batch(child, batch_date, root, ignored))
        except OSError as exc:
            reason = f"cannot read the batch folder ({exc.strerror or exc})"
            ignored.append(Ignored(child, reason, refused=True, batch_date=batch_date))
    batches.sort(key=lambda b: b.batch_date)
    return Landing(batches, ignored)


def _batch(folder: Path, batch_date: date, root: Path, ignored: list[Ignored]) -> Batch:
    found: dict[str, LandingFile] = {}
    unknown = []
    for path in sorted(folder.iterdir()):
        entity = ENTITY_BY_NAME.get(path.stem) if path.suffix == ".csv" else None
        problem = _link_problem(path, root, batch_date, entity)
        if problem is not None:
            ignored.append(problem)
            continue
        if entity is None:
            if path.is_dir():
                reason = "a folder inside a batch (a batch holds <entity>.csv files)"
                ignored.append(Ignored(path, reason, batch_date=batch_date))
            elif path.name not in BATCH_EXTRAS:
                ignored.append(Ignored(path, _unknown_name(path.name), batch_date=batch_date))
                if path.suffix == ".csv":
                    unknown.append(path)
            continue
        if not path.is_file():
            kind = "a folder" if path.is_dir() else "a pipe, socket or device"
            reason = f"{kind}, not a regular file"
            ignored.append(Ignored(path, reason, batch_date=batch_date, entity=entity.name))
            continue
        found[entity.name] = LandingFile(batch_date, entity, path, path.resolve())
    files = tuple(found[name] for name in LOAD_ORDER if name in found)
    return Batch(batch_date, folder, files, tuple(unknown))


def _unknown_name(name: str) -> str:
    expected = ", ".join(ENTITY_BY_NAME[n].file_name for n in LOAD_ORDER)
    reason = f"unknown file name; expected one of {expected}"
    near = [n for n in LOAD_ORDER if name.lower() == ENTITY_BY_NAME[n].file_name]
    if near:
        reason += f" (names are case-sensitive: {ENTITY_BY_NAME[near[0]].file_name})"
    return reason


def _link_problem(
    path: Path, root: Path, batch_date: date | None, entity: Entity | None = None
) -> Ignored | None:
    """Why a symlink does not load: it points nowhere (ignored), or out of the
    landing zone (refused). None for a symlink inside the zone, or no symlink."""
    if not path.is_symlink():
        return None
    name = entity.name if entity is not None else None
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a missing target, or a loop
        reason = f"{DANGLING} (-> {os.readlink(path)})"
        return Ignored(path, reason, batch_date=batch_date, entity=name)
    if not real.is_relative_to(root):
        reason = f"symlink leaves the landing zone (-> {real})"
        return Ignored(path, reason, refused=True, batch_date=batch_date, entity=name)
    return None
