"""Reconciliation per entity and batch, from three independent counts:

    data lines of the file (load manifest) = raw rows + quarantined lines
    raw rows = staged rows + duplicates + rejected rows (fct_row_exceptions)

Raw rows are counted in the raw table itself (the rows of current loads: raw
keeps the rows of loads a reload replaced), not taken from the manifest, so a
row lost or added after the load shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg import sql

from warehouse.contract import ENTITIES
from warehouse.quality import store


@dataclass(frozen=True)
class Reconciliation:
    entity: str
    batch_date: date
    data_lines: int
    raw_rows: int
    quarantined_lines: int
    staged_rows: int
    duplicate_rows: int
    rejected_rows: int

    @property
    def lines_balance(self) -> bool:
        return self.data_lines == self.raw_rows + self.quarantined_lines

    @property
    def rows_balance(self) -> bool:
        return self.raw_rows == self.staged_rows + self.duplicate_rows + self.rejected_rows

    def as_dict(self) -> dict:
        return {
            "entity": self.entity,
            "batch_date": self.batch_date.isoformat(),
            "data_lines": self.data_lines,
            "raw_rows": self.raw_rows,
            "quarantined_lines": self.quarantined_lines,
            "staged_rows": self.staged_rows,
            "duplicate_rows": self.duplicate_rows,
            "rejected_rows": self.rejected_rows,
            "lines_balance": self.lines_balance,
            "rows_balance": self.rows_balance,
        }


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def reconcile(conn: psycopg.Connection, load_ceiling: int | None = None) -> list[Reconciliation]:
    """Every entity and batch that has loaded files (up to ``load_ceiling``, the
    newest load the build read), in entity and batch order."""
    ceiling = load_ceiling if load_ceiling is not None else 2**62
    if not _exists(conn, "marts.fct_row_exceptions"):
        return []
    found = []
    for entity in ENTITIES:
        raw = f"raw.{entity.name}"
        staged = f"staging.stg_{entity.source}__{entity.name}"
        if not (
            _exists(conn, raw) and _exists(conn, staged) and _exists(conn, "raw.replaced_loads")
        ):
            continue
        statement = sql.SQL(
            """
            with manifest as (
                select batch_date, sum(data_lines) as data_lines,
                    sum(rows_quarantined) as quarantined_lines
                from audit.load_manifest
                where status = 'loaded' and entity = %(entity)s and load_id <= %(ceiling)s
                group by batch_date
            ),
            raw_rows as (
                select _batch_date as batch_date, count(*) as raw_rows
                from {raw}
                where _load_id <= %(ceiling)s
                    and _load_id not in (select load_id from raw.replaced_loads)
                group by _batch_date
            ),
            staged_rows as (
                select _batch_date as batch_date, count(*) as staged_rows
                from {staged} group by _batch_date
            ),
            exceptions as (
                select batch_date,
                    count(*) filter (where exception_kind = 'duplicate') as duplicate_rows,
                    count(*) filter (where exception_kind = 'rejected') as rejected_rows
                from marts.fct_row_exceptions
                where entity = %(entity)s
                group by batch_date
            )
            select manifest.batch_date, manifest.data_lines,
                coalesce(raw_rows.raw_rows, 0), manifest.quarantined_lines,
                coalesce(staged_rows.staged_rows, 0), coalesce(exceptions.duplicate_rows, 0),
                coalesce(exceptions.rejected_rows, 0)
            from manifest
            left join raw_rows using (batch_date)
            left join staged_rows using (batch_date)
            left join exceptions using (batch_date)
            order by manifest.batch_date
            """
        ).format(raw=sql.SQL(raw), staged=sql.SQL(staged))
        params = {"entity": entity.name, "ceiling": ceiling}
        for row in conn.execute(statement, params).fetchall():
            batch, lines, raw_rows, quarantined, staged_rows, duplicates, rejected = row
            counts = (lines, raw_rows, quarantined, staged_rows, duplicates, rejected)
            found.append(Reconciliation(entity.name, batch, *(int(c) for c in counts)))
    return found


def record(conn: psycopg.Connection, run_id: str, rows: list[Reconciliation]) -> None:
    with conn.transaction():
        store.insert_records(
            conn, "dq_reconciliation", ({"run_id": run_id, **r.as_dict()} for r in rows)
        )
