"""What the engine tests share: a hostile landing zone, and the raw layer of
each engine read as plain, comparable rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from warehouse.contract import ENTITY_BY_NAME, RAW_METADATA_COLUMNS

ORDERS = ENTITY_BY_NAME["orders"]
CUSTOMERS = ENTITY_BY_NAME["customers"]
PRODUCTS = ENTITY_BY_NAME["products"]


def order(n: int, amount: str = "5.00", status: str = "placed") -> str:
    return f"O{n:03d},SO-{n},C001,2024-06-01 12:00:00,{status},web,USD,{amount},1.00,2024-06-02"


def hostile_landing(root: Path) -> Path:
    """Two batches: clean files, files with bad lines of every kind (wrong
    field count, unterminated quote, invalid UTF-8, NUL, a stray carriage
    return), quoted line breaks, CRLF lines, '' beside NULL, quotes and
    backslashes in values, an extra and a missing column."""
    landing = root / "landing"
    first = landing / "2025-01-01"
    second = landing / "2025-01-02"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    header = ",".join(ORDERS.column_names)
    lines = [
        header,
        order(1),
        order(2, amount=""),  # NULL
        order(3, amount='""'),  # the empty string
        "O004,SO-4,C001",  # too few fields: quarantined
        'O005,"SO-5, with comma",C001,2024-06-01 12:00:00,placed,web,USD,1,1,"it\'s \\ here"',
        'O006,"SO-6\nsecond line",C001,2024-06-01,placed,web,USD,1,1,x',  # quoted line break
        order(7),
        'O008,"unterminated,C001,2024-06-01,placed,web,USD,1,1,x',  # quarantined
        order(9),
    ]
    text = "\n".join(lines) + "\n"
    raw = (
        text.encode() + b"O010,SO-\xff,C001,a,b,c,d,e,f,g\n" + b"O011,SO-\x00,C001,a,b,c,d,e,f,g\n"
    )
    raw += order(12).encode() + b"\r\n" + order(13).encode() + b"\r\n"
    raw += b'O016,"SO-16\r\nsecond line",C001,2024-06-01,placed,web,USD,1,1,x\r\n'  # kept
    raw += b"O014,SO-14\r,C001,a,b,c,d,e,f,g\n" + order(15).encode()  # no final line end
    (first / "orders.csv").write_bytes(raw)
    customers = [
        ",".join([*CUSTOMERS.column_names, "loyalty_tier"]),
        "C001,Ann,Lee,ann@example.com,555,1990-01-01,F,1 Main St,Springfield,IL,62701,US,"
        "2024-01-01,Basic,Active,2024-06-01 00:00:00,gold",
        'C002,Bo,"O\'Neil",,,,,,,,,,,,,,',
    ]
    (first / "customers.csv").write_text("\r\n".join(customers) + "\r\n")
    products = [
        ",".join(name for name in PRODUCTS.column_names if name != "brand"),
        "P001,Mug,Home,Kitchen,2.50,9.99,Active,2024-06-01 00:00:00",
    ]
    (first / "products.csv").write_text("\n".join(products) + "\n")
    (second / "orders.csv").write_text("\n".join([header, order(20), order(21)]) + "\n")
    return landing


#: Raw columns every engine must agree on (the load id and load time differ).
def raw_compared(entity_name: str) -> list[str]:
    entity = ENTITY_BY_NAME[entity_name]
    skip = {"_load_id", "_loaded_at"}
    return [*entity.column_names, *(c for c in RAW_METADATA_COLUMNS if c not in skip)]


def normal(row: tuple[Any, ...], columns: list[str]) -> tuple[Any, ...]:
    """A raw row with its JSON column parsed (engines spell JSON differently)."""
    out = []
    for name, value in zip(columns, row, strict=True):
        if name == "_extra_columns" and value is not None:
            value = json.dumps(json.loads(value) if isinstance(value, str) else value)
        out.append(value)
    return tuple(out)


QUARANTINE_COMPARED = ["file_path", "line_number", "reason", "raw_line", "byte_offset"]
MANIFEST_COMPARED = [
    "file_path",
    "status",
    "file_size",
    "content_hash",
    "data_lines",
    "rows_loaded",
    "rows_quarantined",
    "load_path",
]


def sorted_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))
