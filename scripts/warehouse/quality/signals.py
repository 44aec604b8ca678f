"""The pipeline's flags on landing lines, read from the warehouse, as the
ground truth compares them (ground_truth.Signal): issue codes and standardised
values of the base models, exact duplicates, unresolved references and
quarantined lines."""

from __future__ import annotations

import psycopg
from psycopg import sql

from warehouse.contract import ENTITIES
from warehouse.quality.ground_truth import Signal, quarantine_signal


def _exists(conn: psycopg.Connection, relation: str) -> bool:
    return conn.execute("select to_regclass(%s) is not null", (relation,)).fetchone()[0]


def _has_column(conn: psycopg.Connection, schema: str, table: str, column: str) -> bool:
    return conn.execute(
        "select exists (select from information_schema.columns"
        " where table_schema = %s and table_name = %s and column_name = %s)",
        (schema, table, column),
    ).fetchone()[0]


def _codes(*lists: str | None) -> list[str]:
    return [code.strip() for text in lists if text for code in text.split(",") if code.strip()]


def read_signals(conn: psycopg.Connection) -> list[Signal]:
    """Every flag on every landing line the warehouse holds."""
    signals: list[Signal] = []
    for entity in ENTITIES:
        table = f"base_{entity.source}__{entity.name}"
        if not _exists(conn, f"staging.{table}"):
            continue
        standardised = _has_column(conn, "staging", table, "standardised_values")
        statement = sql.SQL(
            "select _source_file, _source_line, {key}, data_issues, rejection_reason, {std}"
            " from {table} where data_issues is not null or rejection_reason is not null{more}"
        ).format(
            key=sql.Identifier(entity.key),
            std=sql.SQL("standardised_values" if standardised else "null::text"),
            table=sql.Identifier("staging", table),
            more=sql.SQL(" or standardised_values is not null" if standardised else ""),
        )
        for file, line, key, issues, rejection, values in conn.execute(statement):
            signals.extend(Signal(file, line, code, key) for code in _codes(issues, rejection))
            signals.extend(
                Signal(file, line, f"standardised:{column}", key) for column in _codes(values)
            )
    if _exists(conn, "marts.fct_row_exceptions"):
        signals.extend(
            Signal(file, line, "exact_duplicate", key)
            for file, line, key in conn.execute(
                "select source_file, source_line, record_id from marts.fct_row_exceptions"
                " where exception_kind = 'duplicate' and reason = 'exact_duplicate'"
            )
        )
    if _exists(conn, "marts.fct_unresolved_references"):
        signals.extend(
            Signal(file, line, f"unresolved:{column}", key, referenced)
            for file, line, key, column, referenced in conn.execute(
                "select source_file, source_line, record_id, reference_column, referenced_id"
                " from marts.fct_unresolved_references"
            )
        )
    if _exists(conn, "audit.quarantine"):
        signals.extend(
            Signal(file, line, quarantine_signal(reason))
            for file, line, reason in conn.execute(
                "select q.file_path, q.line_number, q.reason from audit.quarantine q"
                " join audit.load_manifest m using (load_id) where m.status = 'loaded'"
            )
        )
    return signals
