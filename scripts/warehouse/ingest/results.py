"""What a load of a file, and of a landing zone, came to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from warehouse.errors import WarehouseError
from warehouse.landing import LandingFile


class IngestError(WarehouseError):
    """A file cannot be loaded; the message names the file and the reason."""


@dataclass
class FileResult:
    file: LandingFile
    status: str  # loaded, skipped, failed
    rows_loaded: int = 0
    rows_quarantined: int = 0
    load_path: str | None = None  # fast, split
    extra_columns: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    error: str | None = None
    seconds: float = 0.0
    load_id: int | None = None
    replaced_load_ids: tuple[int, ...] = ()
    started_at: datetime | None = None
    attempted: bool = True  # False for a file that waited for an earlier failure
    transient: bool = False  # failed because the database went away: worth retrying

    @property
    def reloaded(self) -> bool:
        return bool(self.replaced_load_ids)


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)
    workers: int = 1
    ignored: list[Path] = field(default_factory=list)  # .csv files of no contract entity

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]


# ---------------------------------------------------------------- the tables
