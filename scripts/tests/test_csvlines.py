"""Record splitting of the ingestion's split path (no database): which lines are
valid CSV for the header the way PostgreSQL's COPY reads it, and why not."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from warehouse import csvlines
from warehouse.csvlines import BadLine, Scanner, Span, field_count, judge, parse_header

COLUMNS = ["a", "b", "c"]


def events(tmp_path: Path, body: bytes, columns: list[str] = COLUMNS) -> list[tuple]:
    """("ok", first line, records, bytes) for spans, ("bad", line, reason) for bad lines."""
    path = tmp_path / "orders.csv"
    path.write_bytes(b",".join(c.encode() for c in columns) + b"\n" + body)
    out: list[tuple] = []
    for event in Scanner(path, columns):
        if isinstance(event, Span):
            out.append(("ok", event.first_line, event.records, bytes(event.data)))
        else:
            out.append(("bad", event.line, event.reason))
    return out


def test_valid_lines_make_one_span_with_their_bytes_as_sent(tmp_path: Path) -> None:
    assert events(tmp_path, b'1,2,3\n4,"x,y",\n') == [("ok", 2, 2, b'1,2,3\n4,"x,y",\n')]


def test_each_kind_of_bad_line_is_named_with_its_column(tmp_path: Path) -> None:
    body = b'1,2\n1,2,3,4\n"open,2,3\n5,6,\xff\n7,8,9\n1,x\x00,3\n1,\rx,3\n'
    assert events(tmp_path, body) == [
        ("bad", 2, "expected 3 fields, found 2"),
        ("bad", 3, "expected 3 fields, found 4"),
        ("bad", 4, "unterminated quoted field in column 1 (a)"),
        ("bad", 5, "invalid UTF-8 in column 3 (c), byte 5"),
        ("ok", 6, 1, b"7,8,9\n"),
        ("bad", 7, "NUL byte in column 2 (b), byte 4"),
        ("bad", 8, "carriage return outside quotes in column 2 (b), byte 3"),
    ]


def test_bad_lines_keep_their_raw_bytes(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c\n5,6,\xff\r\n")
    [bad] = list(Scanner(path, COLUMNS))
    assert bad == BadLine(2, "invalid UTF-8 in column 3 (c), byte 5", b"5,6,\xff", 6)


def test_a_quoted_line_break_joins_two_lines_into_one_record(tmp_path: Path) -> None:
    assert events(tmp_path, b'1,"two\nlines",3\n4,5,6\n') == [
        ("ok", 2, 1, b'1,"two\nlines",3\n'),
        ("ok", 4, 1, b"4,5,6\n"),
    ]


def test_an_unterminated_quote_does_not_swallow_the_next_records(tmp_path: Path) -> None:
    assert events(tmp_path, b'1,2,"open\n4,5,6\n7,8,9\n') == [
        ("bad", 2, "unterminated quoted field in column 3 (c)"),
        ("ok", 3, 2, b"4,5,6\n7,8,9\n"),
    ]


def test_two_broken_lines_are_not_joined_into_one_record(tmp_path: Path) -> None:
    # COPY would read lines 2-5 as one record (a quote may close mid-field);
    # a line break is only believed inside a proper quoted field.
    body = b'1,2,"open\n4,5,6\n7,8,9\n1,2,"open again\n'
    assert events(tmp_path, body) == [
        ("bad", 2, "unterminated quoted field in column 3 (c)"),
        ("ok", 3, 2, b"4,5,6\n7,8,9\n"),
        ("bad", 5, "unterminated quoted field in column 3 (c)"),
    ]


def test_crlf_line_ends_blank_lines_and_a_last_line_without_line_end(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n\n7,8,9")
    scanner = Scanner(path, COLUMNS)
    got = [(e.first_line, e.records, bytes(e.data), e.crlf) for e in scanner]
    assert got == [
        (2, 1, b"1,2,3\r\n", True),
        (4, 1, b"4,5,6\r\n", True),
        (6, 1, b"7,8,9", False),
    ]
    assert (scanner.counts.lines, scanner.counts.good, scanner.counts.blank) == (5, 3, 2)


def test_a_change_of_line_end_starts_a_new_span(tmp_path: Path) -> None:
    assert [e[1:3] for e in events(tmp_path, b"1,2,3\r\n4,5,6\r\n7,8,9\n")] == [(2, 2), (4, 1)]


def test_quotes_count_the_way_postgres_counts_them() -> None:
    assert field_count(b'1,x"y,z"w') == 2  # the quoted part may start mid-field
    assert field_count(b'"a,""b"",c",d') == 2
    assert judge(b'1,"a""b",3', COLUMNS) is None
    assert judge(b'1,"a"b",3', COLUMNS) == "unterminated quoted field in column 2 (b)"
    assert judge(b"1,2,3,", COLUMNS) == "expected 3 fields, found 4"
    assert (
        judge(b"1,2,3,4,\xff", COLUMNS) == "invalid UTF-8 in column 5 (beyond the header), byte 9"
    )


@pytest.mark.parametrize("block", [7, 64, 1000])
def test_small_blocks_give_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    body = (
        b'1,"two\nlines",3\n4,5,6\n\n1,2\n"x\xe9y",b,c\n1,"a\n\nb",3\n7,8,9\n'
        b"\xc3\xa9,\xff,1\n" + b"1,2,3\n" * 50 + b'1,2,"never closed\n1,2,3'
    )
    expected = events(tmp_path, body)
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", block)
    monkeypatch.setattr(csvlines, "UTF8_GROUP_BYTES", 16)
    got = events(tmp_path, body)
    # Spans may be cut differently; record by record the answer is the same.
    assert _per_line(got) == _per_line(expected)
    assert ("bad", 7, "invalid UTF-8 in column 1 (a), byte 3") in got


@pytest.mark.parametrize("lines", [1, 5, 6, 7, 13])
@pytest.mark.parametrize("block", [64, 4 << 20])
def test_blocks_of_many_lines_judged_in_pieces_give_the_same_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lines: int, block: int
) -> None:
    body = (
        b'1,"two\nlines",3\n4,5,6\n\n1,2\n"x\xe9y",b,c\n1,"a\n\nb",3\n7,8,9\n'
        b"\xc3\xa9,\xff,1\n" + b"1,2,3\n" * 50 + b'1,2,"never closed\n1,2,3'
    )
    expected = events(tmp_path, body)
    monkeypatch.setattr(csvlines, "MAX_BLOCK_LINES", lines)
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", block)
    assert _per_line(events(tmp_path, body)) == _per_line(expected)


def test_memory_for_very_many_short_lines_stays_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block of one-byte bad lines is judged in pieces of MAX_BLOCK_LINES:
    events and numpy arrays per line never pile up for a whole block."""
    monkeypatch.setattr(csvlines, "MAX_BLOCK_LINES", 500)
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", 1 << 20)  # read() takes a block at first
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c\n" + b"1\n" * 60_000)  # whole: 18 MiB of events
    tracemalloc.start()
    try:
        scanner = Scanner(path, COLUMNS)
        bad = sum(1 for block in scanner.blocks() for event in block)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (bad, scanner.counts.bad) == (60_000, 60_000)
    assert peak < 4 << 20, f"peak {peak / 2**20:.1f} MiB"


def _per_line(evts: list[tuple]) -> list[tuple]:
    out = []
    for event in evts:
        if event[0] == "ok":
            out.extend(("ok", event[1] + i) for i in range(event[2]))
        else:
            out.append(event)
    return out


def test_header_parsing() -> None:
    assert parse_header(b"\xef\xbb\xbfa, b ,c\r\n") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        parse_header(b"\n")
    for broken in (b'a,"b\n', b"a,b\rc,d\r"):  # a quote never closed, a bare CR
        with pytest.raises(ValueError):
            parse_header(broken)


# ------------------------------------------------------------- long lines


def _offsets(path: Path) -> list[tuple[int, int]]:
    return [(e.line, e.offset) for e in Scanner(path, COLUMNS) if isinstance(e, BadLine)]


@pytest.mark.parametrize("block", [5, 16, 64, 4 << 20])
def test_a_line_over_the_limit_is_a_bad_line_and_the_rest_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Wherever the long line falls against the blocks (inside one, across
    several, at the end of the file, CRLF or LF), it is a bad line with a
    prefix of its bytes and its offset, and the lines around it load."""
    monkeypatch.setattr(csvlines, "MAX_LINE_BYTES", 20)
    monkeypatch.setattr(csvlines, "LONG_LINE_PREFIX_BYTES", 8)
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", block)
    long = b"1,2," + b"x" * 40  # 44 bytes
    just_over = b"7,8," + b"y" * 17  # 21 bytes
    body = b"1,2,3\n" + long + b"\r\n4,5,6\n" + just_over + b"\n" + long
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c\n" + body)
    scanner = Scanner(path, COLUMNS)
    got = list(scanner)
    assert [(e.first_line, e.records) for e in got if isinstance(e, Span)] == [(2, 1), (4, 1)]
    bad = [e for e in got if isinstance(e, BadLine)]
    assert [(b.line, b.raw, b.offset) for b in bad] == [
        (3, b"1,2,xxxx", 12),
        (5, b"7,8,yyyy", 64),
        (6, b"1,2,xxxx", 86),
    ]
    assert [b.reason for b in bad] == [
        f"line too long: {n} bytes, over the limit of 20 (MAX_LINE_BYTES); "
        "raw_line holds its first 8 bytes"
        for n in (44, 21, 44)
    ]
    counts = scanner.counts
    assert (counts.lines, counts.good, counts.bad) == (5, 2, 3)


@pytest.mark.parametrize("block", [7, 64, 4 << 20])
def test_a_line_of_exactly_the_limit_is_judged_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(csvlines, "MAX_LINE_BYTES", 20)
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", block)
    exact = b"1,2," + b"z" * 16  # 20 bytes; its CR is no part of it
    body = exact + b"\r\n" + exact + b"\r\n"
    assert _per_line(events(tmp_path, body)) == [("ok", 2), ("ok", 3)]


def test_memory_for_a_long_line_is_a_few_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 24 MiB line is streamed past in blocks, never held."""
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", 1 << 20)
    path = tmp_path / "orders.csv"
    with path.open("wb") as out:
        out.write(b"a,b,c\n1,2,3\n1,2,")
        for _ in range(24):
            out.write(b"x" * (1 << 20))
        out.write(b"\n4,5,6\n")
    tracemalloc.start()
    try:
        got = [
            (type(e).__name__, e.line if isinstance(e, BadLine) else e.first_line)
            for e in Scanner(path, COLUMNS)
        ]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        path.unlink()
    assert got == [("Span", 2), ("BadLine", 3), ("Span", 4)]
    assert peak < 8 << 20, f"peak {peak / 2**20:.1f} MiB"


def test_bad_lines_carry_their_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n1,2\n\n4,5,6\n\xff,1,1\n")
    assert _offsets(path) == [(3, 12), (6, 23)]


def test_a_long_header_is_streamed_past(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvlines, "BLOCK_BYTES", 4)
    path = tmp_path / "orders.csv"
    path.write_bytes(b"a,b,c" + b" " * 50 + b"\n1,2,3\n1,2\n")
    assert _offsets(path) == [(3, 62)]


def _watch(chunks: list[bytes], limit: int) -> list[bool]:
    watch = csvlines.LineWatch()
    watch.limit = limit
    return [watch.over(chunk) for chunk in chunks]


def test_the_line_watch_finds_records_over_the_limit() -> None:
    assert _watch([b"12345\n123", b"45\n"], 5) == [False, False]
    assert _watch([b"12345\n123", b"456\n"], 5) == [False, True]
    assert _watch([b"1234", b"56", b"\n"], 5) == [False, True, True]
    # a line end inside quotes belongs to the record, as COPY reads it
    assert _watch([b'1,"a\nb",3\n'], 9) == [False]
    assert _watch([b'1,"a\nb",3\n'], 8) == [True]
    assert _watch([b'1,"ab', b"\n\n\n", b'c"\n'], 9) == [False, False, True]
    assert _watch([b'1,"ab', b"\n\n\n", b'c"\n'], 10) == [False, False, False]
    # chunks longer than the limit: records inside the chunk are checked too
    assert _watch([b"1\n123456\n1\n"], 5) == [True]
    assert _watch([b"1\n12345\n1\n"], 5) == [False]
