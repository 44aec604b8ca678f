"""CSV rendering and writing, vectorised with pyarrow compute.

Each record is rendered as one physical line: fields joined by commas, quoted
per RFC 4180 only when they hold a comma or a quote (clean values never hold a
line break), NULL written as an empty field, LF line endings. The bytes of a
chunk's lines are written straight from the Arrow buffer.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import Entity


def quote_where_needed(values: pa.Array) -> pa.Array:
    needs = pc.or_(pc.match_substring(values, ","), pc.match_substring(values, '"'))
    if not pc.any(needs).as_py():
        return values
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, values)


def render_lines(entity: Entity, cols: dict[str, pa.Array], quote: set[str]) -> pa.Array:
    """One string per record, without the line end; ``quote`` names the
    columns that may hold commas or quotes."""
    fields = []
    for name in entity.column_names:
        values = pc.fill_null(cols[name], "")
        if name in quote:
            values = quote_where_needed(values)
        fields.append(values)
    return pc.binary_join_element_wise(*fields, ",")


def text_columns(entity: Entity) -> set[str]:
    return {c.name for c in entity.columns if c.type == "text"}


class CsvFile:
    """A landing file being written: header first, then chunks of lines.

    Written to a temporary name and renamed on close, so a crash never leaves a
    half-written file under the entity's name.
    """

    def __init__(self, path: Path, entity: Entity) -> None:
        self.path = path
        self._tmp = path.with_name(path.name + ".tmp")
        self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
        self._fh.write((",".join(entity.column_names) + "\n").encode())
        self.lines_written = 1  # physical lines so far, header included
        self.rows = 0

    def write(self, lines: pa.Array) -> None:
        """Write binary or string lines (without line ends)."""
        if len(lines) == 0:
            return
        lines = lines.cast(pa.large_binary())
        framed = pc.binary_join_element_wise(
            lines, pa.scalar(b"", pa.large_binary()), pa.scalar(b"\n", pa.large_binary())
        )
        framed = framed.combine_chunks() if isinstance(framed, pa.ChunkedArray) else framed
        offsets = np.frombuffer(framed.buffers()[1], dtype=np.int64)
        start, stop = offsets[framed.offset], offsets[framed.offset + len(framed)]
        self._fh.write(memoryview(framed.buffers()[2])[start:stop])
        self.lines_written += len(lines)
        self.rows += len(lines)

    def close(self) -> None:
        self._fh.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        self._fh.close()
        self._tmp.unlink(missing_ok=True)
