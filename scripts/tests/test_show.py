"""`warehouse show <model>`: a model's rows as a table, filters as query
parameters, model names from dbt's manifest; hostile input changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from warehouse import db
from warehouse.show import Condition, ShowError, find_relation, parse_condition

from .conftest import FIXTURES, DatabaseFactory, run_cli
from .dbt_helpers import MODELS_ONLY, cli, dbt_env, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt]


@dataclass(frozen=True)
class Shown:
    conn: db.Connection
    env: dict[str, str]


@pytest.fixture(scope="module")
def shown(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Shown:
    conn = make_db("show")
    env = dbt_env(conn, tmp_path_factory.mktemp("show"))
    cli("ingest", "--landing", str(FIXTURES / "landing"), env=env)
    cli("build", "--select", "+fct_orders", *MODELS_ONLY, env=env)
    return Shown(conn, env)


def show(shown: Shown, *args: str) -> tuple[int, str, str]:
    result = run_cli("show", *args, env=shown.env, timeout=120)
    return result.returncode, " ".join(result.stdout.split()), " ".join(result.stderr.split())


def test_show_prints_the_rows_a_filter_keeps(shown: Shown) -> None:
    expected = [row[0] for row in query(
        shown.conn, "select order_id from marts.fct_orders where customer_id = 'C001' order by 1"
    )]  # fmt: skip
    assert len(expected) >= 2
    code, out, err = show(shown, "fct_orders", "--where", "customer_id=C001", "-w", "order_id>=O")
    assert code == 0, err
    assert "fct_orders (marts.fct_orders)" in out
    assert all(order_id in out for order_id in expected)
    others = [row[0] for row in query(
        shown.conn, "select order_id from marts.fct_orders where customer_id <> 'C001'"
    )]  # fmt: skip
    assert others and not any(order_id in out.split() for order_id in others)
    assert f"{len(expected)} of {len(expected)} matching rows" in out

    total = scalar(shown.conn, "select count(*) from marts.fct_orders")
    code, out, _ = show(shown, "fct_orders", "--limit", "1")
    assert code == 0 and f"1 of {total} matching rows" in out


def test_hostile_where_and_model_names_are_refused_or_inert(shown: Shown) -> None:
    before = scalar(shown.conn, "select count(*) from marts.fct_orders")
    # SQL in the value is a value: no row has that id
    code, out, _ = show(shown, "fct_orders", "--where", "order_id=O001' or '1'='1")
    assert code == 0 and "0 of 0 matching rows" in out
    drop = "order_id=x'; drop table marts.fct_orders; --"
    code, out, _ = show(shown, "fct_orders", "--where", drop)
    assert code == 0 and "0 of 0 matching rows" in out
    # SQL where a column goes is not a condition
    code, _, err = show(shown, "fct_orders", "--where", "1=1; drop table marts.fct_orders")
    assert code == 1 and "write COLUMN OP VALUE" in err
    code, _, err = show(shown, "fct_orders", "--where", 'order_id" is not null or "x=1')
    assert code == 1 and "write COLUMN OP VALUE" in err
    # a column the relation does not have, a value its type refuses
    code, _, err = show(shown, "fct_orders", "--where", "pg_sleep=1")
    assert code == 1 and "fct_orders has no column pg_sleep" in err
    code, _, err = show(shown, "fct_orders", "--where", "order_date>=yesterday; select 1")
    assert code == 1 and "--where:" in err and "Traceback" not in err
    # a model name is looked up in the manifest, never used as SQL
    code, _, err = show(shown, "marts.fct_orders; drop table marts.fct_orders")
    assert code == 1 and "is not a model, seed or snapshot of the project" in err
    assert scalar(shown.conn, "select count(*) from marts.fct_orders") == before


def test_null_and_like_conditions(shown: Shown) -> None:
    missing = scalar(
        shown.conn, "select count(*) from marts.fct_orders where payment_state is null"
    )
    code, out, err = show(shown, "fct_orders", "--where", "payment_state=null")
    assert code == 0, err
    assert f"of {missing} matching rows" in out
    like = scalar(shown.conn, "select count(*) from marts.fct_orders where order_id like 'O00%%'")
    code, out, err = show(shown, "fct_orders", "--where", "order_id~O00%")
    assert code == 0, err
    assert f"of {like} matching rows" in out


def test_conditions_parse_to_a_column_a_fixed_operator_and_a_value() -> None:
    assert parse_condition("state = TX") == Condition("state", "=", "TX")
    assert parse_condition("amount>=10.5") == Condition("amount", ">=", "10.5")
    assert parse_condition("a!=b=c") == Condition("a", "<>", "b=c")
    assert parse_condition("email~%@example.com") == Condition("email", "like", "%@example.com")
    assert parse_condition("x != NULL") == Condition("x", "is not null", None)
    assert parse_condition("a == 1 or 1") == Condition("a", "=", "= 1 or 1")  # a value, inert
    for bad in ("", "=1", "1x=2", "a b=1", "a;=1", "(a)=1"):
        with pytest.raises(ShowError):
            parse_condition(bad)


def test_model_names_come_from_the_manifest(tmp_path: Path) -> None:
    manifest = {"nodes": {
        "model.p.dim_x": {"resource_type": "model", "name": "dim_x", "schema": "marts",
                          "alias": "dim_x"},
        "seed.p.s": {"resource_type": "seed", "name": "s", "schema": "seeds", "alias": None},
        "test.p.t": {"resource_type": "test", "name": "t", "schema": "dq", "alias": "t"},
    }}  # fmt: skip
    assert find_relation(manifest, "dim_x").schema == "marts"
    assert find_relation(manifest, "s").table == "s"
    with pytest.raises(ShowError, match="did you mean dim_x"):
        find_relation(manifest, "dim")
    with pytest.raises(ShowError):
        find_relation(manifest, "t")  # a test is not a relation to show
