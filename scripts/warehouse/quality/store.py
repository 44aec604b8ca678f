"""The data-quality history in the audit schema: what every build's tests found,
scorecards, node timings, profiles, anomalies, ground truth, reconciliation,
freshness and alerts. Append-only, one set of rows per run (audit.run_log's
run_id); created idempotently before the collector writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg import sql

DDL = """
create schema if not exists audit;

create table if not exists audit.dq_test_results (
    run_id              text        not null,
    invocation_id       text        not null,
    test_id             text        not null,   -- dbt unique_id
    test_name           text        not null,
    test_type           text        not null,   -- generic test name, singular, ingestion, freshness
    model               text,                   -- the model or source checked
    column_name         text,
    dimension           text        not null,
    severity            text        not null,   -- configured: error or warn
    status              text        not null,   -- pass, warn, fail, error, skipped
    rows_checked        bigint,
    rows_failed         bigint,
    failure_rate        numeric,                -- rows_failed / rows_checked
    warn_if             text,
    error_if            text,
    failures_relation   text,                   -- where dbt stored the failing rows
    execution_seconds   numeric,
    message             text,
    recorded_at         timestamptz not null default now(),
    primary key (invocation_id, test_id)
);
create index if not exists dq_test_results_by_run on audit.dq_test_results (run_id);

create table if not exists audit.dq_failure_samples (
    run_id              text        not null,
    invocation_id       text        not null,
    test_id             text        not null,
    sample_number       integer     not null,
    sample_row          jsonb       not null,
    primary key (invocation_id, test_id, sample_number)
);

create table if not exists audit.dq_scorecard (
    run_id              text        not null,
    invocation_id       text        not null,
    scope               text        not null check (scope in ('overall', 'dimension', 'model')),
    name                text        not null,
    checks              integer     not null,
    passed              integer     not null,
    warned              integer     not null,
    failed              integer     not null,
    score               numeric,                -- passed / checks; NULL without checks
    threshold           numeric,
    below_threshold     boolean     not null,
    recorded_at         timestamptz not null default now(),
    primary key (invocation_id, scope, name)
);
create index if not exists dq_scorecard_by_run on audit.dq_scorecard (run_id);

create table if not exists audit.dbt_node_timings (
    run_id              text        not null,
    invocation_id       text        not null,
    unique_id           text        not null,
    resource_type       text        not null,
    name                text        not null,
    status              text        not null,
    started_at          timestamptz,
    completed_at        timestamptz,
    execution_seconds   numeric     not null,
    rows_affected       bigint,
    message             text,
    primary key (invocation_id, unique_id)
);

create table if not exists audit.dq_profiles (
    run_id              text        not null,
    relation            text        not null,   -- schema.table
    load_id             bigint      not null,   -- the raw load whose rows were profiled
    column_name         text        not null,
    data_type           text        not null,
    row_count           bigint      not null,
    null_count          bigint      not null,
    null_rate           numeric,
    distinct_count      bigint,
    min_value           text,
    max_value           text,
    mean_value          numeric,                -- numeric columns (and booleans: share true)
    min_length          integer,                -- text columns
    max_length          integer,
    profiled_at         timestamptz not null default now(),
    primary key (relation, load_id, column_name)
);

create table if not exists audit.dq_anomalies (
    run_id              text        not null,
    metric              text        not null,   -- rows_received, orders_received, ...
    entity              text        not null,
    subject             text        not null,   -- the batch (and column) the value belongs to
    observed            numeric     not null,
    median              numeric     not null,
    mad                 numeric     not null,
    robust_z            numeric     not null,
    expected_low        numeric     not null,
    expected_high       numeric     not null,
    history_points      integer     not null,
    detected_at         timestamptz not null default now(),
    primary key (run_id, metric, entity, subject)
);

create table if not exists audit.dq_ground_truth (
    run_id              text        not null,
    batch_date          date        not null,
    entity              text        not null,
    defect              text        not null,
    dimension           text,
    injected            integer     not null,
    detected            integer     not null,
    missed              integer     not null,
    false_positives     integer     not null,
    missed_examples     jsonb       not null,
    false_positive_examples jsonb   not null,
    recorded_at         timestamptz not null default now(),
    primary key (run_id, batch_date, entity, defect)
);

create table if not exists audit.dq_reconciliation (
    run_id              text        not null,
    entity              text        not null,
    batch_date          date        not null,
    data_lines          bigint      not null,
    raw_rows            bigint      not null,
    quarantined_lines   bigint      not null,
    staged_rows         bigint      not null,
    duplicate_rows      bigint      not null,
    rejected_rows       bigint      not null,
    lines_balance       boolean     not null,   -- data lines = raw rows + quarantined
    rows_balance        boolean     not null,   -- raw rows = staged + duplicates + rejected
    recorded_at         timestamptz not null default now(),
    primary key (run_id, entity, batch_date)
);

create table if not exists audit.dq_freshness (
    run_id              text        not null,
    source_name         text        not null,
    table_name          text        not null,
    status              text        not null,   -- pass, warn, error, runtime error
    max_loaded_at       timestamptz,
    snapshotted_at      timestamptz,
    age_seconds         numeric,
    warn_after          text,
    error_after         text,
    recorded_at         timestamptz not null default now(),
    primary key (run_id, source_name, table_name)
);

create table if not exists audit.dq_alerts (
    alert_id            bigint generated always as identity primary key,
    run_id              text        not null,
    reasons             jsonb       not null,
    payload             jsonb       not null,
    destination         text,                   -- the webhook's host, never its secret path
    status              text        not null check (status in ('sent', 'failed', 'recorded')),
    attempts            integer     not null,
    response_code       integer,
    error               text,
    created_at          timestamptz not null default now()
);
"""


def ensure_tables(conn: psycopg.Connection) -> None:
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('warehouse.audit.ddl'))")
        conn.execute(DDL)


def insert_records(
    conn: psycopg.Connection, table: str, records: Iterable[Mapping[str, Any]]
) -> int:
    """COPY ``records`` (column name -> value, the same names in each) into
    ``audit.<table>``; dicts and lists become JSON. The number of rows."""
    records = list(records)
    if not records:
        return 0
    columns = list(records[0])
    statement = sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier("audit", table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        for record in records:
            copy.write_row(
                [
                    json.dumps(v, default=str) if isinstance(v, dict | list) else v
                    for v in (record[c] for c in columns)
                ]
            )
    return len(records)
