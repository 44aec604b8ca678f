"""Line-level checks of a landing CSV file, for the split path of ingestion.

The fast path hands a whole file to COPY. When COPY refuses it, ``scan`` splits
the file into runs of valid records (``Span``: their bytes exactly as in the
file, so COPY still parses the values with its own NULL and quoting rules) and
invalid lines (``BadLine``: line number, raw bytes, a reason that names the
column where there is one). No database needed.

The checks follow PostgreSQL's CSV reader exactly, so COPY never refuses what
passes here: a quote character toggles "inside quotes" wherever it appears (a
doubled quote toggles twice), a comma outside quotes separates fields, a line
end inside quotes belongs to the field, a carriage return outside quotes is
only allowed as part of a CRLF line end, and the bytes must be UTF-8 without
NUL. Speed matters because dirty files are common: each block of lines is
checked with vectorised byte counts, and only lines that hold a quote, a
carriage return, a NUL, invalid UTF-8 or the wrong number of commas are looked
at one by one in Python.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Bytes read at a time; memory stays at a few blocks whatever the file size.
BLOCK_BYTES = 4 << 20
#: How many physical lines one quoted record may span before it counts as broken.
MAX_LINES_PER_RECORD = 5
#: Lines decoded together when a block holds invalid UTF-8 (bounds the re-checking).
UTF8_GROUP_BYTES = 64 << 10

_NL, _CR, _QUOTE, _COMMA, _NUL = 10, 13, 34, 44, 0


@dataclass(frozen=True)
class Span:
    """Valid records in file order, the n-th on line ``first_line + n``.

    Only the last record of a span may run over several lines (a quoted line
    break), so the next span starts on a line the numbering does not predict.
    """

    first_line: int
    records: int
    data: memoryview  # the records' bytes as in the file, line ends included
    crlf: bool  # the records end with CRLF (one COPY must see one kind of line end)


@dataclass(frozen=True)
class BadLine:
    line: int  # physical line number (the header is line 1)
    reason: str
    raw: bytes  # the line without its line end


@dataclass
class ScanCounts:
    """What a finished scan saw: records = good + bad; blank lines are no record."""

    lines: int = 0  # physical lines after the header
    good: int = 0
    bad: int = 0
    blank: int = 0

    @property
    def records(self) -> int:
        return self.good + self.bad


def parse_header(first_line: bytes) -> list[str]:
    """The column names of a header line; raises ValueError when it is not one."""
    text = first_line.decode("utf-8-sig").rstrip("\r\n")
    rows = list(csv.reader([text], strict=True))
    if not rows or not rows[0] or all(not name.strip() for name in rows[0]):
        raise ValueError("the header line is empty")
    return [name.strip() for name in rows[0]]


# ----------------------------------------------------------------- one record


def field_count(record: bytes) -> int:
    """Fields of a record the way PostgreSQL counts them: 1 + commas outside quotes."""
    return 1 + sum(part.count(b",") for part in record.split(b'"')[::2])


def _column_at(record: bytes, position: int, columns: Sequence[str]) -> str:
    """'column N (name)' for the field that holds byte ``position`` of a record."""
    index = field_count(record[:position])
    name = columns[index - 1] if index <= len(columns) else "beyond the header"
    return f"column {index} ({name})"


def judge(record: bytes, columns: Sequence[str]) -> str | None:
    """Why one record (without its line end) is not valid CSV for the header, or None."""
    try:
        record.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"invalid UTF-8 in {_column_at(record, exc.start, columns)}, byte {exc.start + 1}"
    nul = record.find(b"\x00")
    if nul >= 0:
        return f"NUL byte in {_column_at(record, nul, columns)}, byte {nul + 1}"
    parts = record.split(b'"')
    if len(parts) % 2 == 0:
        opening = record.rfind(b'"')
        return f"unterminated quoted field in {_column_at(record, opening, columns)}"
    offset = 0
    for index, part in enumerate(parts):
        if index % 2 == 0 and b"\r" in part:
            position = offset + part.index(b"\r")
            return (
                f"carriage return outside quotes in {_column_at(record, position, columns)}, "
                f"byte {position + 1}"
            )
        offset += len(part) + 1
    fields = 1 + sum(part.count(b",") for part in parts[::2])
    if fields != len(columns):
        return f"expected {len(columns)} fields, found {fields}"
    return None


# ------------------------------------------------------------------ one block


@dataclass
class _Block:
    """A block of whole lines and what the vectorised pass found in it."""

    data: bytes
    starts: np.ndarray  # offset of each line
    ends: np.ndarray  # offset of each line's LF (or the block end for a last line without)
    crlf: np.ndarray  # bool: the line ends with CRLF
    simple: np.ndarray  # bool: valid without a closer look
    has_cr: bool  # any carriage return in the block

    def line(self, index: int) -> bytes:
        """Line ``index`` without its line end."""
        end = int(self.ends[index])
        if self.crlf[index]:
            end -= 1
        return self.data[int(self.starts[index]) : end]


def _analyse(data: bytes, has_tail: bool, n_fields: int) -> _Block:
    """Find the lines of ``data`` and which of them are plainly valid.

    ``has_tail``: the last line has no LF (the end of the file).
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(arr == _NL)
    if has_tail:
        ends = np.append(ends, len(data))
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    commas = np.diff(np.searchsorted(np.flatnonzero(arr == _COMMA), ends), prepend=0)
    simple = (commas == n_fields - 1) & (ends > starts)
    crlf = np.zeros(len(ends), dtype=bool)
    has_cr = data.find(b"\r") >= 0
    if has_cr:
        cr_positions = np.flatnonzero(arr == _CR)
        after = np.minimum(cr_positions + 1, len(arr) - 1)
        at_end = (cr_positions + 1 < len(arr)) & (arr[after] == _NL)  # CR of a CRLF
        crlf[np.searchsorted(ends, cr_positions[at_end])] = True
        simple[np.searchsorted(ends, cr_positions[~at_end])] = False
        simple &= ends - starts > crlf  # a line that is only CR is blank
    for byte in (b'"', b"\x00"):
        if data.find(byte) >= 0:
            positions = np.flatnonzero(arr == ord(byte))
            simple[np.searchsorted(ends, positions)] = False
    if not data.isascii():
        for index in _invalid_utf8_lines(data, starts, ends):
            simple[index] = False
    return _Block(data, starts, ends, crlf, simple, has_cr)


def _invalid_utf8_lines(data: bytes, starts: np.ndarray, ends: np.ndarray) -> Iterator[int]:
    """Indexes of lines that are not UTF-8.

    Decodes the block at once; only when that fails, groups of whole lines,
    going on after each error from the line that follows it, so a bad line
    costs one decode of at most a group, not of the rest of the block.
    """
    try:
        data.decode("utf-8")
        return
    except UnicodeDecodeError:
        pass
    view = memoryview(data)
    line = 0
    while line < len(starts):
        lo = int(starts[line])
        last = max(int(np.searchsorted(starts, lo + UTF8_GROUP_BYTES, side="right")) - 1, line)
        try:
            codecs.utf_8_decode(view[lo : int(ends[last])], "strict", True)
            line = last + 1
        except UnicodeDecodeError as exc:
            bad = int(np.searchsorted(ends, lo + exc.start, side="left"))
            yield bad
            line = bad + 1


# ------------------------------------------------------------------- the file


@dataclass
class _SpanBuilder:
    """Joins consecutive valid records into spans."""

    data: memoryview
    spans: list[Span] = field(default_factory=list)
    start: int = 0
    end: int = -1
    first_line: int = 0
    records: int = 0
    crlf: bool = False
    closed: bool = True  # the last record ran over several lines

    def add(
        self,
        start: int,
        end: int,
        first_line: int,
        records: int,
        crlf: bool,
        multiline: bool = False,
    ) -> None:
        follows = (
            not self.closed
            and start == self.end
            and first_line == self.first_line + self.records
            and crlf == self.crlf
        )
        if not follows:
            self.flush()
            self.start, self.first_line, self.records, self.crlf = start, first_line, 0, crlf
        self.end = end
        self.records += records
        self.closed = multiline
        if multiline:
            self.flush()

    def flush(self) -> None:
        if self.records:
            self.spans.append(
                Span(self.first_line, self.records, self.data[self.start : self.end], self.crlf)
            )
        self.records = 0
        self.closed = True


class Scanner:
    """Splits a landing file into spans of valid records and bad lines.

    Iterate it once; ``counts`` then says what it saw.
    """

    def __init__(
        self,
        path: Path,
        columns: Sequence[str],
        on_bytes: Callable[[bytes], None] | None = None,
    ) -> None:
        self.path = path
        self.columns = list(columns)
        self.on_bytes = on_bytes
        self.counts = ScanCounts()

    def __iter__(self) -> Iterator[Span | BadLine]:
        for events in self.blocks():
            yield from events

    def blocks(self) -> Iterator[list[Span | BadLine]]:
        """The events block by block: a block's spans share its memory."""
        with self.path.open("rb") as handle:
            header = handle.readline()
            self._feed(header)
            line_no = 2
            carry = b""
            while True:
                chunk = handle.read(BLOCK_BYTES)
                self._feed(chunk)
                at_end = not chunk
                data = carry + chunk
                cut = len(data) if at_end else data.rfind(b"\n") + 1
                if cut > 0:
                    events, used_bytes, used_lines = self._block(data[:cut], line_no, at_end)
                    yield events
                    line_no += used_lines
                    carry = data[used_bytes:]
                else:
                    carry = data
                if at_end:
                    break
        self.counts.lines = line_no - 2

    def _feed(self, data: bytes) -> None:
        if self.on_bytes is not None and data:
            self.on_bytes(data)

    def _block(
        self, data: bytes, first_line: int, at_end: bool
    ) -> tuple[list[Span | BadLine], int, int]:
        """Events of the whole lines in ``data``; returns them with the bytes and
        lines used. Stops early when a quoted record may go on past the block."""
        block = _analyse(data, at_end and not data.endswith(b"\n"), len(self.columns))
        n_lines = len(block.ends)
        builder = _SpanBuilder(memoryview(data))
        events: list[Span | BadLine] = []
        position = 0
        for index in (*np.flatnonzero(~block.simple).tolist(), n_lines):
            if index < position:
                continue  # already taken as part of a quoted record
            self._simple_run(block, builder, position, index, first_line)
            if index == n_lines:
                position = n_lines
                break
            taken = self._look_closer(block, builder, events, index, first_line, at_end)
            if taken == 0:  # needs lines of the next block
                position = index
                break
            position = index + taken
        builder.flush()
        spans_and_bad = self._merge(builder.spans, events)
        used_bytes = int(block.starts[position]) if position < n_lines else len(data)
        return spans_and_bad, used_bytes, position

    def _simple_run(
        self, block: _Block, builder: _SpanBuilder, lo: int, hi: int, first_line: int
    ) -> None:
        """Add lines lo..hi-1, all plainly valid, split where the line end changes."""
        if hi <= lo:
            return
        self.counts.good += hi - lo
        cuts = [lo, hi]
        if block.has_cr:
            crlf = block.crlf[lo:hi]
            cuts[1:1] = (np.flatnonzero(crlf[1:] != crlf[:-1]) + lo + 1).tolist()
        for a, b in zip(cuts, cuts[1:], strict=False):
            builder.add(
                int(block.starts[a]),
                int(block.ends[b - 1]) + 1,
                first_line + a,
                b - a,
                bool(block.crlf[a]),
            )

    def _look_closer(
        self,
        block: _Block,
        builder: _SpanBuilder,
        events: list[Span | BadLine],
        index: int,
        first_line: int,
        at_end: bool,
    ) -> int:
        """Judge line ``index`` (and the lines a quoted line break joins to it).
        Returns how many lines it took, or 0 when it needs lines past the block."""
        line = block.line(index)
        line_no = first_line + index
        end = int(block.ends[index]) + 1
        if not line:
            self.counts.blank += 1
            return 1
        reason = judge(line, self.columns)
        if reason is None:
            self.counts.good += 1
            builder.add(int(block.starts[index]), end, line_no, 1, bool(block.crlf[index]))
            return 1
        if reason.startswith("unterminated quoted field"):
            joined = self._join(block, index)
            if joined is None and not at_end:
                return 0
            if joined:
                last = index + joined - 1
                self.counts.good += 1
                builder.add(
                    int(block.starts[index]),
                    int(block.ends[last]) + 1,
                    line_no,
                    1,
                    bool(block.crlf[last]),
                    multiline=True,
                )
                return joined
        self.counts.bad += 1
        events.append(BadLine(line_no, reason, line))
        builder.flush()
        return 1

    def _join(self, block: _Block, index: int) -> int | None:
        """How many lines, from ``index`` on, make one valid record with quoted
        line breaks: 0 when none do, None when the block ends too soon to tell."""
        start = int(block.starts[index])
        for last in range(index + 1, index + MAX_LINES_PER_RECORD):
            if last >= len(block.ends):
                return None
            record = block.data[start : int(block.ends[last]) - int(block.crlf[last])]
            if record.count(b'"') % 2 == 0:
                valid = judge(record, self.columns) is None and self._well_formed(record)
                return last - index + 1 if valid else 0
        return 0

    def _well_formed(self, record: bytes) -> bool:
        """Whether a record is RFC 4180 CSV: quotes only around whole fields.

        PostgreSQL also accepts a quote in the middle of a field, so two broken
        lines a few lines apart could pass for one record spanning the lines
        between them; a line break is only believed inside a proper quoted field.
        """
        try:
            rows = list(csv.reader([record.decode("utf-8")], strict=True))
        except csv.Error:
            return False
        return len(rows) == 1 and len(rows[0]) == len(self.columns)

    @staticmethod
    def _merge(spans: list[Span], bad: list[BadLine]) -> list[Span | BadLine]:
        """Spans and bad lines in file order."""
        events: list[Span | BadLine] = [*spans, *bad]
        events.sort(key=lambda e: e.first_line if isinstance(e, Span) else e.line)
        return events


def scan(path: Path, columns: Sequence[str]) -> Iterator[Span | BadLine]:
    """Spans of valid records and bad lines of a file, in file order."""
    return iter(Scanner(path, columns))
