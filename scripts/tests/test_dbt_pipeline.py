"""The whole pipeline on generated test data (scale 0.01, three batches): dbt
builds with zero warnings, every raw row is accounted for, facts reconcile with
staging to the cent, the defects the generator injected (its manifests are the
ground truth) are caught, and building the batches one by one gives the same
marts as rebuilding them from scratch."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from warehouse import db
from warehouse.contract import ENTITIES

from .conftest import CliResult, DatabaseFactory, run_cli
from .dbt_helpers import ANSI, MODELS_ONLY, cli, dbt_env, marts, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

GENERATE = ("--scale", "0.01", "--days", "2", "--seed", "7")
BASE_MODELS = {e.name: f"staging.base_{e.source}__{e.name}" for e in ENTITIES}
STG_MODELS = {e.name: f"staging.stg_{e.source}__{e.name}" for e in ENTITIES}


@dataclass
class Built:
    landing: Path  # every generated batch
    conn: db.Connection  # the database, after the full refresh
    run: CliResult  # `warehouse run` of the last batch: ingest and dbt build with tests
    incremental: dict[tuple[str, str], Counter]  # the marts built batch by batch
    full_refresh: dict[tuple[str, str], Counter]  # the marts rebuilt from scratch


@pytest.fixture(scope="module")
def built(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Generated batches landed one by one, each ingested and built as a daily run
    would (the last with `warehouse run`, dbt tests included); then the marts rebuilt
    from scratch (--full-refresh) over the same raw rows."""
    work = tmp_path_factory.mktemp("pipeline")
    landing = work / "landing"
    cli("generate", *GENERATE, "--out", str(landing), env={})
    conn = make_db("pipeline")
    env = dbt_env(conn, work)
    arrived = work / "arrived"
    arrived.mkdir()
    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    assert len(batches) == 3
    for batch in batches[:-1]:
        shutil.copytree(batch, arrived / batch.name)
        cli("ingest", "--landing", str(arrived), env=env)
        cli("build", *MODELS_ONLY, env=env)
    shutil.copytree(batches[-1], arrived / batches[-1].name)
    run = run_cli("run", "-v", "--landing", str(arrived), env=env)
    incremental = marts(conn)
    cli("build", "--full-refresh", *MODELS_ONLY, env=env)
    return Built(landing, conn, run, incremental, marts(conn))


# ------------------------------------------------------------------- the build


def test_the_pipeline_builds_with_zero_warnings(built: Built) -> None:
    """No warning of dbt's own (deprecations, configuration) and no error. A
    source-quality rate may warn: that is the data speaking (at this scale one
    campaign that never arrived is 16 % of the responses naming it)."""
    assert built.run.returncode == 0, built.run.output[-3000:]
    output = ANSI.sub("", built.run.output)
    assert "deprecat" not in output.lower()
    assert "[WARNING]" not in output
    assert re.search(r"Done\. PASS=\d+ WARN=\d+ ERROR=0 SKIP=0", output)
    warned = re.findall(r"\d+ of \d+ WARN \d+ (\S+)", output)
    assert all(name.startswith(("dq_", "row_issue_rate_")) for name in warned), warned


# ------------------------------------------------------------ reconciliations


@pytest.mark.parametrize("entity", [e.name for e in ENTITIES])
def test_every_raw_row_is_staged_or_an_exception_exactly_once(built: Built, entity: str) -> None:
    raw_rows = scalar(built.conn, f"select count(*) from raw.{entity}")
    assert raw_rows > 0
    unaccounted = scalar(
        built.conn,
        f"""
        select count(*) from raw.{entity} as r
        where (
            select count(*) from {STG_MODELS[entity]} as s
            where s._load_id = r._load_id and s._source_line = r._source_line
        ) + (
            select count(*) from marts.fct_row_exceptions as e
            where e.entity = '{entity}' and e.exception_kind in ('rejected', 'duplicate')
                and e.load_id = r._load_id and e.source_line = r._source_line
        ) <> 1
        """,
    )
    assert unaccounted == 0


def test_order_lines_are_the_distinct_valid_lines_and_sum_to_the_cent(built: Built) -> None:
    conn = built.conn
    valid_lines = scalar(
        conn,
        """
        select count(distinct s.order_line_id) from staging.stg_shop__order_lines as s
        where not exists (
            select 1 from marts.fct_row_exceptions as e
            where e.exception_kind = 'orphan' and e.record_id = s.order_line_id
        )
        """,
    )
    assert scalar(conn, "select count(*) from marts.fct_order_lines") == valid_lines > 1000
    staged_net = scalar(
        conn,
        """
        select sum(quantity * unit_price - discount_amount) from staging.stg_shop__order_lines
        where is_latest_version and order_id in (select order_id from staging.stg_shop__orders)
        """,
    )
    lines_net = scalar(conn, "select sum(net_amount) from marts.fct_order_lines")
    orders_net = scalar(conn, "select sum(net_amount) from marts.fct_orders")
    assert isinstance(lines_net, Decimal)
    assert staged_net == lines_net == orders_net
    gross, discount, cost, margin = query(
        conn,
        "select sum(gross_amount), sum(discount_amount), sum(cost_amount), sum(margin_amount)"
        " from marts.fct_order_lines where cost_amount is not null",
    )[0]
    net_with_cost = scalar(
        conn, "select sum(net_amount) from marts.fct_order_lines where cost_amount is not null"
    )
    assert gross - discount == net_with_cost
    assert net_with_cost - cost == margin


def test_payments_reconcile_with_staging_and_orders(built: Built) -> None:
    conn = built.conn
    staged = query(
        conn,
        "select count(*), sum(amount) from staging.stg_payments__payments where is_latest_version",
    )
    assert query(conn, "select count(*), sum(amount) from marts.fct_payments") == staged
    paid = scalar(
        conn,
        "select sum(amount) from marts.fct_payments"
        " where payment_status = 'completed' and is_order_received",
    )
    assert scalar(conn, "select sum(paid_amount) from marts.fct_orders") == paid


def test_every_fact_row_resolves_to_a_dimension_row(built: Built) -> None:
    checks = {
        ("fct_orders", "customer_key"): "dim_customer",
        ("fct_order_lines", "customer_key"): "dim_customer",
        ("fct_order_lines", "product_key"): "dim_product",
        ("fct_payments", "customer_key"): "dim_customer",
        ("fct_campaign_responses", "customer_key"): "dim_customer",
        ("fct_campaign_responses", "campaign_key"): "dim_campaign",
    }
    for (fact, key), dim in checks.items():
        missing = scalar(
            built.conn,
            f"select count(*) from marts.{fact} as f left join marts.{dim} as d"
            f" on f.{key} = d.{key} where d.{key} is null",
        )
        assert missing == 0, f"{fact}.{key}"
    unknown_share = scalar(
        built.conn,
        "select avg(case when customer_key = '-1' then 1.0 else 0 end) from marts.fct_orders",
    )
    assert unknown_share < 0.05  # orphans and customers still to arrive, not the rule


# ------------------------------------------------------------- ground truth


def defects(landing: Path) -> list[tuple[str, str, str, int, str]]:
    """(kind, entity, file, line, column) of every defect the generator injected."""
    found = []
    for manifest in sorted(landing.glob("*/_manifest.json")):
        batch = manifest.parent.name
        for group in json.loads(manifest.read_text())["defects"]:
            for line, column in zip(group["lines"], group["columns"], strict=True):
                entity = group["entity"]
                found.append((group["kind"], entity, f"{batch}/{entity}.csv", line, column))
    return found


def test_the_injected_defects_are_caught(built: Built) -> None:
    conn = built.conn
    quarantined = set(query(conn, "select file_path, line_number from audit.quarantine"))
    exceptions = {
        (file, line): (kind, reason)
        for file, line, kind, reason in query(
            conn,
            "select source_file, source_line, exception_kind, reason from marts.fct_row_exceptions",
        )
    }
    issues = {}
    for model in BASE_MODELS.values():
        for file, line, data_issues in query(
            conn, f"select _source_file, _source_line, data_issues from {model}"
        ):
            issues[(file, line)] = data_issues or ""
    states = dict(
        ((file, line), state)
        for file, line, state in query(
            conn, "select _source_file, _source_line, state_code from staging.base_crm__customers"
        )
    )
    rejected_or_flagged = {
        "null_required", "negative_amount", "bad_quantity", "future_timestamp",
        "bad_date_format", "impossible_date",
    }  # fmt: skip
    seen = Counter()
    for kind, _entity, file, line, column in defects(built.landing):
        where = (file, line)
        seen[kind] += 1
        if kind in ("wrong_field_count", "unterminated_quote", "invalid_utf8"):
            assert where in quarantined, (kind, where)
        elif kind == "duplicate_row":
            assert exceptions.get(where) == ("duplicate", "exact_duplicate"), (kind, where)
        elif kind in rejected_or_flagged:
            rejected = exceptions.get(where, ("",))[0] == "rejected"
            assert rejected or issues[where], (kind, where, column)
        elif kind == "invalid_email":
            assert "invalid_email" in issues[where], where
        elif kind == "state_variant":
            assert states[where] is not None, where
        elif kind == "whitespace_case":
            assert "unrecognised" not in issues[where], (where, column)
        elif kind == "orphan_reference":
            assert where in issues, where  # loaded and kept: unknown member or orphan line
    assert sum(seen.values()) > 100, seen


# ------------------------------------------------------------ incremental = full


def test_batch_by_batch_builds_the_same_marts_as_a_full_refresh(built: Built) -> None:
    assert len(built.full_refresh) >= 9
    assert built.incremental.keys() == built.full_refresh.keys()
    for table, full in built.full_refresh.items():
        assert sum(full.values()) > 0, f"{table} is empty"
        incremental = built.incremental[table]
        only_incremental, only_full = incremental - full, full - incremental
        assert incremental == full, f"{table}: {only_incremental} vs {only_full}"
