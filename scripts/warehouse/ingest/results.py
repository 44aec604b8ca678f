"""What a load of a file, and of a landing zone, came to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from warehouse.errors import WarehouseError
from warehouse.landing import Ignored, LandingFile


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
    late_batch: bool = False  # of a batch older than one loaded: loaded as late, or refused
    hint: str | None = None  # what the user should do after a failure (also in ``error``)

    @property
    def reloaded(self) -> bool:
        return bool(self.replaced_load_ids)


@dataclass
class IngestResult:
    files: list[FileResult] = field(default_factory=list)
    workers: int = 1
    #: Entries of the landing zone that did not load, each with its reason
    #: (landing.discover); the refused ones are failures.
    ignored_entries: list[Ignored] = field(default_factory=list)

    @property
    def refused(self) -> list[Ignored]:
        """Landing entries refused (a symlink out of the zone ...): failures."""
        return [entry for entry in self.ignored_entries if entry.refused]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.refused

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
