"""One entity file of one batch: dirt injection, rendering, writing, bookkeeping."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.contract import Entity

from . import dirt
from .config import GeneratorConfig
from .rand import Rand
from .writer import CsvFile, render_lines, text_columns

_MARK = dirt.BAD_BYTE_MARK.encode()


class EntitySink:
    """Receives an entity's rows of one batch chunk by chunk.

    The file is only created when the first row arrives, so a batch holds only
    the entities that changed.
    """

    def __init__(
        self,
        entity: Entity,
        folder: Path,
        config: GeneratorConfig,
        rand: Rand,
        batch_day: int,
        batch_end: datetime,
        log: dirt.DefectLog,
    ) -> None:
        self.entity = entity
        self.folder = folder
        self.config = config
        self.rand = rand
        self.batch_day = batch_day
        self.batch_end = batch_end
        self.log = log
        self.file: CsvFile | None = None
        self.chunks = 0
        self.repeated_keys = 0
        self._quote = text_columns(entity)

    def add(self, cols: dict[str, pa.Array]) -> None:
        key_col = cols[self.entity.key]
        n = len(key_col)
        if n == 0:
            return
        if self.file is None:
            self.file = CsvFile(self.folder / self.entity.file_name, self.entity)
        rng = self.rand.rng("dirt", self.batch_day, self.entity.name, self.chunks)
        self.chunks += 1
        counts = pc.value_counts(key_col).field("counts")
        self.repeated_keys += int(pc.sum(pc.greater(counts, 1)).as_py() or 0)

        plan = dirt.plan(self.entity, n, self.config, rng)
        touched = dirt.apply_cells(self.entity, cols, plan, rng, self.batch_end)
        lines = render_lines(self.entity, cols, self._quote | touched).cast(pa.binary())

        replace: dict[int, bytes] = {}
        for kind, rows in plan.lines.items():
            old = [lines[int(r)].as_py() for r in rows]
            replace.update(zip(rows.tolist(), dirt.apply_lines(old, kind, rng), strict=True))
        if "invalid_utf8" in plan.cells:
            for r in plan.cells["invalid_utf8"][0].tolist():
                replace[r] = lines[r].as_py().replace(_MARK, b"\xe9")
        if replace:
            rows = sorted(replace)
            mask = np.zeros(n, dtype=bool)
            mask[rows] = True
            lines = pc.replace_with_mask(
                lines, pa.array(mask), pa.array([replace[r] for r in rows], pa.binary())
            )

        # exact duplicates: a copy of a clean row, somewhere after the original
        dup = plan.duplicates
        positions = np.array([rng.integers(r + 1, n + 1) for r in dup.tolist()], dtype=np.int64)
        order = np.insert(np.arange(n), positions, dup)
        is_copy = np.insert(np.zeros(n, dtype=bool), positions, True)
        first_line = self.file.lines_written + 1
        line_of_row = first_line + np.flatnonzero(~is_copy)

        keys = key_col
        for kind, (rows, columns) in plan.cells.items():
            self.log.add(
                kind,
                self.entity.name,
                keys.take(pa.array(rows)).to_pylist(),
                line_of_row[rows].tolist(),
                columns,
            )
        for kind, rows in plan.lines.items():
            self.log.add(
                kind,
                self.entity.name,
                keys.take(pa.array(rows)).to_pylist(),
                line_of_row[rows].tolist(),
                [dirt.ALL] * len(rows),
            )
        if len(dup):
            copies = np.flatnonzero(is_copy)
            self.log.add(
                "duplicate_row",
                self.entity.name,
                keys.take(pa.array(order[copies])).to_pylist(),
                (first_line + copies).tolist(),
                [dirt.ALL] * len(copies),
            )

        self.file.write(lines.take(pa.array(order)) if len(dup) else lines)

    def close(self) -> dict[str, int] | None:
        """Finish the file; its row and line counts, or None if nothing was written."""
        if self.file is None:
            return None
        self.file.close()
        return {
            "rows": self.file.rows,
            "lines": self.file.lines_written,
            "repeated_keys": self.repeated_keys,
        }

    def abort(self) -> None:
        if self.file is not None:
            self.file.abort()
