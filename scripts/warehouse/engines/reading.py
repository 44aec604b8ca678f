"""One landing file read for a local engine, without any database.

The lines are judged by ``csvlines.Scanner``, the same code that splits a file
for PostgreSQL's COPY, so a bad line is quarantined with the same line number
and reason on every engine. The good records go to the engine as CSV files it
reads natively: the landing file itself when every line is good and has one
line ending, else "parts" holding the valid spans as they are in the file
(one part per line ending: a CSV reader takes one kind), each with the line
number of every record in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from warehouse import csvlines
from warehouse.ingest.load import _Digest, check_header
from warehouse.landing import LandingFile


@dataclass
class Part:
    """A CSV file of valid records (header first) and the landing line of each."""

    path: Path
    lines: list[int] = field(default_factory=list)
    contiguous: bool = False  # the records are on lines 2, 3, ...: no list needed
    crlf: bool = False  # its records end with CRLF (a reader may need to be told)

    @property
    def records(self) -> int:
        return len(self.lines)


@dataclass
class QuarantinedLine:
    line: int
    offset: int
    reason: str
    raw: str  # invalid UTF-8 escaped, NUL written as \x00 (as on PostgreSQL)


@dataclass
class FileReading:
    header: list[str]
    extra: tuple[str, ...]
    missing: tuple[str, ...]
    parts: list[Part]
    bad: list[QuarantinedLine]
    data_lines: int
    size: int
    content_hash: str

    @property
    def good(self) -> int:
        return sum(part.records for part in self.parts)

    @property
    def load_path(self) -> str:
        """``fast`` when the landing file itself was read, else ``split``."""
        return "fast" if len(self.parts) == 1 and self.parts[0].contiguous else "split"

    def drift(self) -> str:
        return json.dumps(
            {"extra_columns": list(self.extra), "missing_columns": list(self.missing)}
        )


def read_file(file: LandingFile, work_dir: Path) -> FileReading:
    """Judge every line of ``file``; write the parts under ``work_dir`` when
    the file cannot be read as it is."""
    header, extra, missing = check_header(file)
    digest = _Digest()
    scanner = csvlines.Scanner(file.source, header, on_bytes=digest.update)
    bad: list[QuarantinedLine] = []
    parts: dict[bool, Part] = {}
    handles = {}
    try:
        for event in scanner:
            if isinstance(event, csvlines.BadLine):
                bad.append(_quarantined(event))
                continue
            part = parts.get(event.crlf)
            if part is None:
                path = work_dir / f"{file.entity.name}-{'crlf' if event.crlf else 'lf'}.csv"
                part = parts[event.crlf] = Part(path, crlf=event.crlf)
                handles[event.crlf] = path.open("wb")
                handles[event.crlf].write(_header_line(header, event.crlf))
            handles[event.crlf].write(event.data)
            part.lines.extend(range(event.first_line, event.first_line + event.records))
    finally:
        for handle in handles.values():
            handle.close()
    counts = scanner.counts
    whole = (
        not bad
        and len(parts) == 1
        and next(iter(parts.values())).lines == list(range(2, counts.good + 2))
    )
    if whole:
        only = next(iter(parts.values()))
        only.path.unlink()
        read_parts = [Part(file.source, only.lines, contiguous=True, crlf=only.crlf)]
    else:
        read_parts = [part for part in parts.values() if part.lines]
    return FileReading(
        header=header,
        extra=extra,
        missing=missing,
        parts=read_parts,
        bad=bad,
        data_lines=counts.records,
        size=digest.size,
        content_hash=digest.hexdigest(),
    )


def _header_line(header: list[str], crlf: bool) -> bytes:
    quoted = ",".join('"' + name.replace('"', '""') + '"' for name in header)
    return quoted.encode() + (b"\r\n" if crlf else b"\n")


def _quarantined(line: csvlines.BadLine) -> QuarantinedLine:
    raw = line.raw.decode("utf-8", errors="backslashreplace").replace("\x00", "\\x00")
    return QuarantinedLine(line.line, line.offset, line.reason, raw)
