"""Line-level checks of a landing CSV file, for the slow path of ingestion.

The fast path hands a whole file to COPY. When COPY refuses it, this module
splits the file into records, keeps each valid record's original text (so
COPY still parses the values, with its own NULL and quoting rules) and names
each invalid line with its number and the reason. No database needed.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

#: How many physical lines one quoted record may span before it counts as broken.
MAX_LINES_PER_RECORD = 5


@dataclass(frozen=True)
class Record:
    line: int  # physical line the record starts on (the header is line 1)
    text: str | None  # the record's original text without its line end; None if invalid
    reason: str | None  # why it is invalid
    raw: bytes  # the record's original bytes, for the quarantine


def parse_header(first_line: bytes) -> list[str]:
    """The column names of a header line; raises ValueError when it is not one."""
    text = first_line.decode("utf-8-sig").rstrip("\r\n")
    rows = list(csv.reader([text], strict=True))
    if not rows or not rows[0] or all(not name.strip() for name in rows[0]):
        raise ValueError("the header line is empty")
    return [name.strip() for name in rows[0]]


def _fields(text: str) -> list[str] | None:
    """The fields of one CSV record, or None when its quoting is broken."""
    try:
        rows = list(csv.reader([text], strict=True))
    except csv.Error:
        return None
    if len(rows) != 1:
        return None
    return rows[0]


def _open_quote(text: str) -> bool:
    return text.count('"') % 2 == 1


def records(path: Path, n_fields: int) -> Iterator[Record]:
    """Every record after the header, valid or not, in file order.

    Reads one line at a time (plus a few lines of look-ahead), so memory stays
    flat whatever the file size.
    """
    with path.open("rb") as handle:
        handle.readline()  # the header
        numbered = enumerate(handle, start=2)
        pushed_back: deque[tuple[int, bytes]] = deque()

        def next_line() -> tuple[int, bytes] | None:
            return pushed_back.popleft() if pushed_back else next(numbered, None)

        while (item := next_line()) is not None:
            line_no, raw = item
            if raw.strip(b"\r\n") == b"":
                continue  # a blank line carries no record
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                yield Record(line_no, None, f"invalid UTF-8 at byte {exc.start + 1}", raw)
                continue
            if _open_quote(text):
                joined = _join_quoted(text, raw, n_fields, next_line, pushed_back)
                if joined is not None:
                    yield Record(line_no, joined[0], None, joined[1])
                    continue
            yield _judge(line_no, text, raw, n_fields)


def _join_quoted(
    text: str,
    raw: bytes,
    n_fields: int,
    next_line: Callable[[], tuple[int, bytes] | None],
    pushed_back: deque[tuple[int, bytes]],
) -> tuple[str, bytes] | None:
    """A quoted field may hold line breaks: join following lines until the quote
    closes. Returns the joined record when it parses into the header's fields;
    otherwise puts the lines it read back and returns None."""
    taken: list[tuple[int, bytes]] = []
    joined, joined_raw = text, raw
    while len(taken) < MAX_LINES_PER_RECORD - 1:
        item = next_line()
        if item is None:
            break
        taken.append(item)
        try:
            joined += "\n" + item[1].decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            break
        joined_raw += item[1]
        if not _open_quote(joined):
            fields = _fields(joined)
            if fields is not None and len(fields) == n_fields:
                return joined, joined_raw
            break
    pushed_back.extendleft(reversed(taken))
    return None


def _judge(line_no: int, text: str, raw: bytes, n_fields: int) -> Record:
    fields = _fields(text)
    if fields is None or _open_quote(text):
        return Record(line_no, None, "unterminated quoted field", raw)
    if len(fields) != n_fields:
        return Record(line_no, None, f"expected {n_fields} fields, found {len(fields)}", raw)
    return Record(line_no, text, None, raw)
