"""Record splitting of the ingestion's split path (no database): which lines are
valid CSV for the header the way PostgreSQL's COPY reads it, and why not."""

from __future__ import annotations

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
    assert bad == BadLine(2, "invalid UTF-8 in column 3 (c), byte 5", b"5,6,\xff")


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
