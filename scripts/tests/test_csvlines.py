"""Record splitting of the ingestion's slow path (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.csvlines import parse_header, records


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "orders.csv"
    path.write_bytes(data)
    return path


def classify(tmp_path: Path, body: bytes, n_fields: int = 3) -> list[tuple]:
    path = write(tmp_path, b"a,b,c\n" + body)
    return [(r.line, r.text, r.reason) for r in records(path, n_fields)]


def test_valid_lines_keep_their_text_and_line_numbers(tmp_path: Path) -> None:
    assert classify(tmp_path, b'1,2,3\n4,"x,y",\n') == [
        (2, "1,2,3", None),
        (3, '4,"x,y",', None),
    ]


def test_each_kind_of_bad_line_is_named(tmp_path: Path) -> None:
    got = classify(tmp_path, b"1,2\n1,2,3,4\n\"open,2,3\n5,6,\xff\n7,8,9\n")
    assert got == [
        (2, None, "expected 3 fields, found 2"),
        (3, None, "expected 3 fields, found 4"),
        (4, None, "unterminated quoted field"),
        (5, None, "invalid UTF-8 at byte 5"),
        (6, "7,8,9", None),
    ]


def test_a_quoted_line_break_joins_two_lines_into_one_record(tmp_path: Path) -> None:
    got = classify(tmp_path, b'1,"two\nlines",3\n4,5,6\n')
    assert got == [(2, '1,"two\nlines",3', None), (4, "4,5,6", None)]


def test_an_unterminated_quote_does_not_swallow_the_next_records(tmp_path: Path) -> None:
    got = classify(tmp_path, b'1,2,"open\n4,5,6\n7,8,9\n')
    assert got == [
        (2, None, "unterminated quoted field"),
        (3, "4,5,6", None),
        (4, "7,8,9", None),
    ]


def test_crlf_line_ends_and_blank_lines(tmp_path: Path) -> None:
    got = classify(tmp_path, b"1,2,3\r\n\r\n4,5,6\r\n")
    assert got == [(2, "1,2,3", None), (4, "4,5,6", None)]


def test_header_parsing() -> None:
    assert parse_header(b"\xef\xbb\xbfa, b ,c\r\n") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        parse_header(b"\n")
