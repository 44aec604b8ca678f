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

No line is ever held whole when it is longer than ``MAX_LINE_BYTES``: such a
line is a bad line (``line too long``) whose raw bytes are cut to a prefix,
and the scanner streams past the rest of it block by block. ``LineWatch``
tells the fast path, chunk by chunk, when a file has such a line, so that it
is never sent to COPY either.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: Bytes read at a time; memory stays at a few blocks whatever the file size.
BLOCK_BYTES = 4 << 20
#: How many physical lines one quoted record may span before it counts as broken.
MAX_LINES_PER_RECORD = 5
#: Lines decoded together when a block holds invalid UTF-8 (bounds the re-checking).
UTF8_GROUP_BYTES = 64 << 10
#: The longest line (bytes, without its line end) the ingestion reads; a longer
#: one is quarantined as ``line too long`` and never held in memory whole.
#: The one place this limit is set (docs/ingestion.md, "Hostile input").
MAX_LINE_BYTES = 1 << 20
#: Bytes of a too-long line kept as its raw text in the quarantine.
LONG_LINE_PREFIX_BYTES = 1 << 10
#: Lines judged together: what a block costs grows with its lines (numpy
#: arrays and events per line), so a block of very short lines is cut in pieces.
MAX_BLOCK_LINES = 1 << 16

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
    raw: bytes  # the line without its line end (a prefix of it when it is too long)
    offset: int  # byte offset of the line's first byte in the file


def too_long(length: int, kept: int) -> str:
    """The quarantine reason of a line of ``length`` bytes over MAX_LINE_BYTES,
    of which the first ``kept`` are its raw text."""
    return (
        f"line too long: {length:,} bytes, over the limit of {MAX_LINE_BYTES:,} "
        f"(MAX_LINE_BYTES); raw_line holds its first {kept:,} bytes"
    )


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
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error as exc:  # an unterminated quote, a stray carriage return
        raise ValueError(str(exc)) from None
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
    simple = (commas == n_fields - 1) & (ends > starts) & (ends - starts <= MAX_LINE_BYTES)
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


def _many_line_ends(data: bytes, cut: int) -> np.ndarray | None:
    """The line ends of ``data[:cut]`` when there are more than MAX_BLOCK_LINES
    (the block is judged in pieces); None when it is one piece."""
    if data.count(b"\n", 0, cut) <= MAX_BLOCK_LINES:
        return None
    return np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=cut) == _NL)


def _piece_end(ends: np.ndarray | None, start: int, cut: int) -> int:
    """Where a piece of at most MAX_BLOCK_LINES lines from ``start`` ends."""
    if ends is None:
        return cut
    lines = max(MAX_BLOCK_LINES, MAX_LINES_PER_RECORD)  # a quoted record fits in a piece
    first = int(np.searchsorted(ends, start))
    if len(ends) - first <= lines:
        return cut
    return int(ends[first + lines - 1]) + 1


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
        self._read = 0  # bytes read from the file so far
        self._offset = 0  # file offset of the block being judged

    def __iter__(self) -> Iterator[Span | BadLine]:
        for events in self.blocks():
            yield from events

    def blocks(self) -> Iterator[list[Span | BadLine]]:
        """The events block by block: a block's spans share its memory.

        Memory stays at a few blocks whatever the lines: a line longer than
        MAX_LINE_BYTES is never held whole (``_skip_long_line``)."""
        with self.path.open("rb") as handle:
            _, carry, _ = self._to_line_end(handle, b"")  # the header
            offset = self._read - len(carry)  # file offset of carry's first byte
            line_no = 2
            while True:
                chunk = handle.read(BLOCK_BYTES)
                self._feed(chunk)
                at_end = not chunk
                data = carry + chunk
                cut = len(data) if at_end else data.rfind(b"\n") + 1
                # the line after the last line end, its CR left out (CRLF may be cut)
                tail = len(data) - cut - data.endswith(b"\r")
                long_tail = not at_end and tail > MAX_LINE_BYTES
                final = at_end or long_tail  # no record goes on past data[:cut]
                used = 0
                ends = _many_line_ends(data, cut)
                while used < cut:
                    end = _piece_end(ends, used, cut)
                    last = end == cut
                    events, used_bytes, used_lines = self._block(
                        data[used:end], line_no, offset, at_end and last, last and final
                    )
                    yield events
                    line_no += used_lines
                    offset += used_bytes
                    used += used_bytes
                    if last or not used_bytes:
                        break
                carry = data[used:]
                del data
                if long_tail:
                    bad, carry = self._skip_long_line(handle, carry, line_no, offset)
                    self.counts.bad += 1
                    yield [bad]
                    line_no += 1
                    offset = self._read - len(carry)
                elif at_end:
                    break
        self.counts.lines = line_no - 2

    def _skip_long_line(
        self, handle: BinaryIO, head: bytes, line_no: int, offset: int
    ) -> tuple[BadLine, bytes]:
        """Stream past a line that ``head`` (its first bytes, more than
        MAX_LINE_BYTES) starts; the bad line keeps a prefix of it. Returns it
        and the bytes read after its line end."""
        raw = head[:LONG_LINE_PREFIX_BYTES]
        length, rest, _ = self._to_line_end(handle, head)
        return BadLine(line_no, too_long(length, len(raw)), raw, offset), rest

    def _to_line_end(self, handle: BinaryIO, head: bytes) -> tuple[int, bytes, bool]:
        """Read on from ``head`` (bytes of a line already read) to the line's
        end, block by block, holding no more than a block. Returns the line's
        length without its line end, the bytes read after the line end, and
        whether the line ended with a line end (else the file ended)."""
        newline = head.find(b"\n")
        if newline >= 0:
            return newline - (newline > 0 and head[newline - 1] == _CR), head[newline + 1 :], True
        length, last = len(head), head[-1:]
        while chunk := handle.read(BLOCK_BYTES):
            self._feed(chunk)
            newline = chunk.find(b"\n")
            if newline >= 0:
                before = chunk[newline - 1 : newline] if newline else last
                return length + newline - (before == b"\r"), chunk[newline + 1 :], True
            length += len(chunk)
            last = chunk[-1:]
        return length, b"", False

    def _feed(self, data: bytes) -> None:
        self._read += len(data)
        if self.on_bytes is not None and data:
            self.on_bytes(data)

    def _block(
        self, data: bytes, first_line: int, offset: int, at_end: bool, final: bool
    ) -> tuple[list[Span | BadLine], int, int]:
        """Events of the whole lines in ``data``, which starts at byte ``offset``
        of the file; returns them with the bytes and lines used. Stops early when
        a quoted record may go on past the block, unless ``final`` (no record
        goes on past it: the file ends, or the next line is too long)."""
        self._offset = offset
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
            taken = self._look_closer(block, builder, events, index, first_line, final)
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
        final: bool,
    ) -> int:
        """Judge line ``index`` (and the lines a quoted line break joins to it).
        Returns how many lines it took, or 0 when it needs lines past the block
        (never when the block is ``final``)."""
        line = block.line(index)
        line_no = first_line + index
        end = int(block.ends[index]) + 1
        offset = self._offset + int(block.starts[index])
        if not line:
            self.counts.blank += 1
            return 1
        if len(line) > MAX_LINE_BYTES:
            self.counts.bad += 1
            raw = line[:LONG_LINE_PREFIX_BYTES]
            events.append(BadLine(line_no, too_long(len(line), len(raw)), raw, offset))
            builder.flush()
            return 1
        reason = judge(line, self.columns)
        if reason is None:
            self.counts.good += 1
            builder.add(int(block.starts[index]), end, line_no, 1, bool(block.crlf[index]))
            return 1
        if reason.startswith("unterminated quoted field"):
            joined = self._join(block, index)
            if joined is None and not final:
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
        events.append(BadLine(line_no, reason, line, offset))
        builder.flush()
        return 1

    def _join(self, block: _Block, index: int) -> int | None:
        """How many lines, from ``index`` on, make one valid record with quoted
        line breaks: 0 when none do, None when the block ends too soon to tell."""
        start = int(block.starts[index])
        for last in range(index + 1, index + MAX_LINES_PER_RECORD):
            if last >= len(block.ends):
                return None
            if block.ends[last] - block.starts[last] > MAX_LINE_BYTES:
                return 0  # a line too long is a bad line of its own
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


class LineWatch:
    """Whether the bytes of a file, fed in order, hold a record longer than
    MAX_LINE_BYTES, cutting records the way COPY does (a line end inside
    quotes belongs to the record): the fast path stops before it would send
    such a record to the server. Holds no bytes, only a count and the quote
    parity; a chunk without a quote costs two ``bytes.find``."""

    def __init__(self) -> None:
        self.limit = MAX_LINE_BYTES
        self.run = 0  # bytes of the record under way (a CR of its line end included)
        self.quoted = False  # inside quotes after the bytes fed so far

    def over(self, chunk: bytes) -> bool:
        """Feed the next chunk; True when a record so far is longer than the limit."""
        has_quote = chunk.find(b'"') >= 0
        if not has_quote and self.quoted:
            self.run += len(chunk)
            return self.run > self.limit
        if not has_quote and len(chunk) <= self.limit:
            first = chunk.find(b"\n")
            if first < 0:
                self.run += len(chunk)
                return self.run > self.limit
            # lines that start and end inside the chunk are shorter than the chunk
            over = self.run + first > self.limit
            self.run = len(chunk) - 1 - chunk.rfind(b"\n")
            return over
        arr = np.frombuffer(chunk, dtype=np.uint8)
        ends = np.flatnonzero(arr == _NL)
        if has_quote:
            quotes = np.flatnonzero(arr == _QUOTE)
            inside = (np.searchsorted(quotes, ends) + self.quoted) % 2 == 1
            ends = ends[~inside]
            self.quoted = bool((len(quotes) + self.quoted) % 2)
        if not len(ends):
            self.run += len(chunk)
            return self.run > self.limit
        over = self.run + int(ends[0]) > self.limit
        if len(ends) > 1:
            over = over or int(np.diff(ends).max()) - 1 > self.limit
        self.run = len(chunk) - 1 - int(ends[-1])
        return over or self.run > self.limit


def scan(path: Path, columns: Sequence[str]) -> Iterator[Span | BadLine]:
    """Spans of valid records and bad lines of a file, in file order."""
    return iter(Scanner(path, columns))
