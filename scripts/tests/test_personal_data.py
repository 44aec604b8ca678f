"""Personal data and hostile values, on a database built by `warehouse run`:

- the analyst role reads no personal value in clear in any relation it can
  select from (every column of every table and view it is granted);
- e-mail pseudonyms are HMAC-SHA256 with the installation's secret key: they
  match no unkeyed hash, and all change when the key is rotated;
- the PII reader reads the clear values, the analyst cannot;
- a key of 8,000 characters leaves the build green, its row rejected and counted.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from warehouse import db

from .conftest import FIXTURES, CliResult, DatabaseFactory, run_cli
from .dbt_helpers import cli, dbt_env, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

ANALYST, PII_READER = "warehouse_analyst", "warehouse_pii_reader"
WIDE_PSEUDONYMS = (
    "select distinct customer_email_pseudonym from gold.reporting_sales_wide"
    " where customer_email_pseudonym is not null"
)


@dataclass
class Built:
    conn: db.Connection
    env: dict[str, str]
    landing: Path


@pytest.fixture(scope="module")
def built(make_db: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Built:
    work = tmp_path_factory.mktemp("personal")
    landing = work / "landing"
    cli("generate", "--scale", "0.02", "--days", "1", "--seed", "12", "--out", str(landing),
        env={})  # fmt: skip
    conn = make_db("personal")
    env = dbt_env(conn, work)
    cli("run", "--landing", str(landing), env=env)
    return Built(conn, env, landing)


def _readable_columns(conn: db.Connection, role: str) -> list[tuple[str, str, str]]:
    """(schema, relation, column) of every column ``role`` may select."""
    return query(
        conn,
        "select n.nspname, c.relname, a.attname from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace"
        " join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped"
        " where c.relkind in ('r', 'v', 'm', 'p')"
        " and n.nspname not in ('pg_catalog', 'information_schema')"
        " and has_schema_privilege(%s, n.oid, 'USAGE')"
        " and has_table_privilege(%s, c.oid, 'SELECT')"
        " order by 1, 2, 3",
        (role, role),
    )


def _clear_values(conn: db.Connection) -> int:
    """A table of every personal value in clear the warehouse holds (e-mails,
    phones as cleaned and as sent, dates of birth, streets, full names)."""
    with db.connect(conn, autocommit=True) as pg:
        pg.execute("drop table if exists public.clear_pii")
        pg.execute(
            "create table public.clear_pii as select distinct value from ("
            " select email as value from pii.dim_customer_pii union all"
            " select phone from pii.dim_customer_pii union all"
            " select trim(phone) from raw.customers union all"
            " select date_of_birth::text from pii.dim_customer_pii union all"
            " select address from pii.dim_customer_pii union all"
            " select first_name || ' ' || last_name from pii.dim_customer_pii"
            ") as v where value is not null and length(value) > 4"
        )
        return pg.execute("select count(*) from public.clear_pii").fetchone()[0]


def test_the_analyst_reads_no_personal_value_in_clear_anywhere(built: Built) -> None:
    assert _clear_values(built.conn) > 1000
    columns = _readable_columns(built.conn, ANALYST)
    schemas = {schema for schema, _, _ in columns}
    assert schemas == {"marts", "gold"}, schemas
    assert len({(s, r) for s, r, _ in columns}) >= 15
    found = []
    with db.connect(built.conn) as pg:
        for schema, relation, column in columns:
            hits = pg.execute(
                sql.SQL(
                    "select count(*) from {} where lower({}::text) in"
                    " (select lower(value) from public.clear_pii)"
                ).format(sql.Identifier(schema, relation), sql.Identifier(column))
            ).fetchone()[0]
            if hits:
                found.append((schema, relation, column, hits))
    assert found == []
    # the clear values are where they belong, for the PII reader
    pii = _readable_columns(built.conn, PII_READER)
    assert ("pii", "dim_customer_pii", "email") in pii
    assert all(schema == "pii" for schema, _, _ in pii)


def _key(conn: db.Connection) -> bytes:
    """The installation's secret key, recovered from the stored HMAC inner key."""
    inner = bytes(
        scalar(conn, "select inner_key from private.pseudonym_key order by key_id desc limit 1")
    )
    return bytes(b ^ 0x36 for b in inner)[:32]


def _pseudonyms(conn: db.Connection) -> dict[str, str]:
    return dict(
        query(
            conn,
            "select p.email, d.email_pseudonym from marts.dim_customer d"
            " join pii.dim_customer_pii p using (customer_key) where p.email is not null",
        )
    )


def test_pseudonyms_are_keyed_and_change_with_the_key(built: Built, tmp_path: Path) -> None:
    before = _pseudonyms(built.conn)
    assert len(before) > 100
    key = _key(built.conn)
    for email, pseudonym in before.items():
        expected = hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()
        assert pseudonym == expected
        assert pseudonym not in (
            hashlib.md5(email.encode()).hexdigest(),  # noqa: S324 - the unkeyed hashes it must not be
            hashlib.sha256(email.encode()).hexdigest(),
            hashlib.sha256(email.strip().lower().encode()).hexdigest(),
        )
    wide = query(built.conn, WIDE_PSEUDONYMS)
    assert {row[0] for row in wide} <= set(before.values())

    rotated = run_cli("pii", "rotate-key", env=built.env)
    assert rotated.returncode == 0, rotated.output[-3000:]
    after = _pseudonyms(built.conn)
    assert after.keys() == before.keys()
    assert not set(after.values()) & set(before.values())
    new_key = _key(built.conn)
    assert new_key != key
    email, pseudonym = next(iter(after.items()))
    assert pseudonym == hmac.new(new_key, email.encode(), hashlib.sha256).hexdigest()
    wide = query(built.conn, WIDE_PSEUDONYMS)
    assert {row[0] for row in wide} <= set(after.values())


def test_no_reader_may_read_the_key(built: Built) -> None:
    for role in (ANALYST, PII_READER):
        assert query(
            built.conn,
            "select has_schema_privilege(%s, 'private', 'USAGE'),"
            " has_table_privilege(%s, 'private.pseudonym_key', 'SELECT')",
            (role, role),
        ) == [(False, False)]


def _run_with_hostile_batch(conn: db.Connection, tmp_path: Path) -> CliResult:
    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES / "landing", landing)
    batch = landing / "2025-01-03"
    batch.mkdir()
    long_id = "O" * 8000
    header = ("order_id,order_number,customer_id,order_ts,order_status,sales_channel,"
              "currency_code,shipping_amount,tax_amount,updated_at")  # fmt: skip
    rows = [
        f"{long_id},SO-9,C001,2025-01-02 10:00:00,placed,web,USD,1.00,1.00,2025-01-02 11:00:00",
        "O900,SO-900,C001,2025-01-02 10:00:00,placed,web,USD,1.00,1.00,2025-01-02 11:00:00",
    ]
    (batch / "orders.csv").write_text("\n".join([header, *rows]) + "\n")
    return run_cli("run", "--landing", str(landing), env=dbt_env(conn, tmp_path))


def test_an_8000_character_key_is_rejected_and_counted_and_the_build_stays_green(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    result = _run_with_hostile_batch(fresh_db, tmp_path)
    assert result.returncode == 0, result.output[-3000:]
    rejected = query(
        fresh_db,
        "select reason, length(record_id), batch_date::text from marts.fct_row_exceptions"
        " where entity = 'orders' and exception_kind = 'rejected'",
    )
    assert rejected == [("too_long_order_id", 8000, "2025-01-03")]
    assert scalar(fresh_db, "select count(*) from marts.fct_orders where order_id = 'O900'") == 1
    assert scalar(fresh_db, "select max(length(order_id)) from marts.fct_orders") <= 64
    counted = scalar(
        fresh_db,
        "select rows_failed from audit.dq_test_results"
        " where test_name = 'row_issue_rate_base_shop__orders_validity'"
        " order by recorded_at desc limit 1",
    )
    assert counted >= 1
    again = run_cli("build", env=dbt_env(fresh_db, tmp_path / "again"))  # later builds too
    assert again.returncode == 0, again.output[-3000:]
