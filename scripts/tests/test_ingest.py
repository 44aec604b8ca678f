"""Ingestion of small hand-written landing zones: exact counts, quarantine,
re-runs that load nothing, refusal of changed files and --reload, schema drift,
watermarks and the record of failures."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import psycopg
import pytest

from warehouse import db
from warehouse.contract import ENTITY_BY_NAME
from warehouse.ingest import IngestError, ensure_raw_tables, ingest_landing, raw_table_ddl

from .conftest import db_env, one, run_cli

pytestmark = pytest.mark.db

ORDERS = ENTITY_BY_NAME["orders"]
ORDERS_HEADER = ",".join(ORDERS.column_names)


def order_line(n: int, amount: str = "5.00") -> str:
    return (
        f"O{n:03d},SO-{n},C001,2024-06-01 12:00:00,placed,web,USD,{amount},1.00,2024-06-02 08:00:00"
    )


def write_batch(landing: Path, batch: str, name: str, content: bytes | str) -> Path:
    folder = landing / batch
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# ------------------------------------------------------------------ basics


def test_every_line_is_loaded_or_quarantined(pg: psycopg.Connection, landing: Path) -> None:
    result = ingest_landing(pg, landing)
    assert [
        (f.file.relative_path, f.status, f.rows_loaded, f.rows_quarantined) for f in result.files
    ] == [
        ("2025-01-01/customers.csv", "loaded", 3, 0),
        ("2025-01-01/orders.csv", "loaded", 3, 0),
        ("2025-01-02/customers.csv", "loaded", 2, 0),
        ("2025-01-02/orders.csv", "loaded", 2, 2),
    ]
    rows = pg.execute(
        "select order_id, _batch_date::text, _source_file, _source_line"
        " from raw.orders order by _batch_date, _source_line"
    ).fetchall()
    assert rows == [
        ("O001", "2025-01-01", "2025-01-01/orders.csv", 2),
        ("O002", "2025-01-01", "2025-01-01/orders.csv", 3),
        ("O003", "2025-01-01", "2025-01-01/orders.csv", 4),
        ("O002", "2025-01-02", "2025-01-02/orders.csv", 2),
        ("O004", "2025-01-02", "2025-01-02/orders.csv", 3),
    ]
    quarantined = pg.execute(
        "select file_path, line_number, reason from audit.quarantine order by line_number"
    ).fetchall()
    assert quarantined == [
        ("2025-01-02/orders.csv", 4, "unterminated quoted field in column 4 (order_ts)"),
        ("2025-01-02/orders.csv", 5, "expected 10 fields, found 9"),
    ]
    manifest = pg.execute(
        "select file_path, data_lines, rows_loaded, rows_quarantined, load_path"
        " from audit.load_manifest order by file_path"
    ).fetchall()
    assert manifest == [
        ("2025-01-01/customers.csv", 3, 3, 0, "fast"),
        ("2025-01-01/orders.csv", 3, 3, 0, "fast"),
        ("2025-01-02/customers.csv", 2, 2, 0, "fast"),
        ("2025-01-02/orders.csv", 4, 2, 2, "split"),
    ]
    # Values arrive as sent: text, untrimmed; an empty field is NULL.
    bob = pg.execute(
        "select first_name, customer_segment, date_of_birth from raw.customers"
        " where customer_id = 'C002'"
    ).fetchone()
    assert bob == (" bob ", " vip ", "1990-02-30")
    marks = pg.execute(
        "select entity, last_batch_date::text from audit.watermarks order by entity"
    ).fetchall()
    assert marks == [("customers", "2025-01-02"), ("orders", "2025-01-02")]


def test_a_second_run_loads_nothing(pg: psycopg.Connection, landing: Path) -> None:
    ingest_landing(pg, landing)
    before = pg.execute("select count(*), max(_load_id) from raw.orders").fetchone()
    again = ingest_landing(pg, landing)
    assert [f.status for f in again.files] == ["skipped"] * 4
    assert pg.execute("select count(*), max(_load_id) from raw.orders").fetchone() == before
    assert one(pg, "select count(*) from audit.load_manifest") == 4


def test_load_metadata_and_row_hash(pg: psycopg.Connection, tmp_path: Path) -> None:
    body = [ORDERS_HEADER, order_line(1), order_line(1), order_line(2).replace("USD", "")]
    write_batch(tmp_path, "2025-03-01", "orders.csv", "\n".join(body) + "\n")
    [loaded] = ingest_landing(pg, tmp_path).files
    rows = pg.execute(
        "select _source_line, _load_id, _row_hash, _loaded_at is not null, _extra_columns"
        " from raw.orders order by _source_line"
    ).fetchall()
    assert [r[:2] for r in rows] == [(2, loaded.load_id), (3, loaded.load_id), (4, loaded.load_id)]
    assert rows[0][2] == rows[1][2] != rows[2][2]  # exact duplicates share their hash
    assert all(r[3] and r[4] is None for r in rows)
    # The load-time defaults live only inside the load: raw rows need real metadata.
    defaults = pg.execute(
        "select count(column_default) from information_schema.columns"
        " where table_schema = 'raw' and table_name = 'orders'"
    ).fetchone()[0]
    assert defaults == 0


def test_crlf_files_and_quoted_line_breaks_keep_their_line_numbers(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    crlf = "\r\n".join([ORDERS_HEADER, order_line(1), order_line(2)]) + "\r\n"
    write_batch(tmp_path, "2025-03-01", "orders.csv", crlf)
    quoted = "\n".join([ORDERS_HEADER, order_line(3).replace("SO-3", '"SO\n3"'), order_line(4)])
    write_batch(tmp_path, "2025-03-02", "orders.csv", quoted + "\n")
    result = ingest_landing(pg, tmp_path)
    assert [(f.load_path, f.rows_loaded) for f in result.files] == [("fast", 2), ("split", 2)]
    rows = pg.execute(
        "select order_id, order_number, _source_line from raw.orders order by 1"
    ).fetchall()
    assert rows == [
        ("O001", "SO-1", 2),
        ("O002", "SO-2", 3),
        ("O003", "SO\n3", 2),
        ("O004", "SO-4", 4),
    ]


# --------------------------------------------------------------- quarantine


def test_each_kind_of_bad_line_is_quarantined_and_the_rest_loads(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    lines = [
        ORDERS_HEADER.encode(),
        order_line(1).encode(),
        order_line(2).encode() + b",extra",  # a field too many
        order_line(3).encode().rsplit(b",", 1)[0],  # a field too few
        order_line(4).encode().replace(b",USD,", b',"USD,'),  # broken quoting
        order_line(5).encode().replace(b"C001", b"C\xe9001"),  # not UTF-8
        order_line(6).encode(),
    ]
    path = write_batch(tmp_path, "2025-03-01", "orders.csv", b"\n".join(lines) + b"\n")
    [result] = ingest_landing(pg, tmp_path).files
    assert (result.status, result.load_path, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        "split",
        2,
        4,
    )
    assert pg.execute("select order_id, _source_line from raw.orders order by 2").fetchall() == [
        ("O001", 2),
        ("O006", 7),
    ]
    quarantined = pg.execute(
        "select file_path, line_number, reason, raw_line from audit.quarantine order by 2"
    ).fetchall()
    assert quarantined == [
        ("2025-03-01/orders.csv", 3, "expected 10 fields, found 11", order_line(2) + ",extra"),
        (
            "2025-03-01/orders.csv",
            4,
            "expected 10 fields, found 9",
            order_line(3).rsplit(",", 1)[0],
        ),
        (
            "2025-03-01/orders.csv",
            5,
            "unterminated quoted field in column 7 (currency_code)",
            order_line(4).replace(",USD,", ',"USD,'),
        ),
        (
            "2025-03-01/orders.csv",
            6,
            "invalid UTF-8 in column 3 (customer_id), byte 12",
            order_line(5).replace("C001", "C\\xe9001"),
        ),
    ]
    manifest = pg.execute(
        "select data_lines, rows_loaded, rows_quarantined from audit.load_manifest"
    ).fetchone()
    assert manifest == (6, 2, 4)
    assert path.exists()


def test_a_clean_file_takes_the_fast_path(pg: psycopg.Connection, tmp_path: Path) -> None:
    body = "\n".join([ORDERS_HEADER, *(order_line(n) for n in range(1, 200))]) + "\n"
    write_batch(tmp_path, "2025-03-01", "orders.csv", body)
    [result] = ingest_landing(pg, tmp_path).files
    assert (result.load_path, result.rows_loaded) == ("fast", 199)
    assert one(pg, "select count(*) from audit.quarantine") == 0


# ------------------------------------------------------------ changed files


def test_a_changed_file_is_refused_and_the_rest_still_loads(
    pg: psycopg.Connection, landing: Path
) -> None:
    ingest_landing(pg, landing)
    changed = landing / "2025-01-01" / "orders.csv"
    changed.write_text(changed.read_text().replace("5.00", "6.00"))
    result = ingest_landing(pg, landing)
    [failed] = result.failed
    load_id = one(
        pg,
        "select load_id from audit.load_manifest where file_path = %s",
        ("2025-01-01/orders.csv",),
    )
    assert failed.error == (
        f"{changed}: this file was loaded before (load {load_id}) and its content has changed "
        "since; to replace batch 2025-01-01, run `warehouse ingest --reload 2025-01-01`"
    )
    assert one(pg, "select count(*) from raw.orders") == 5
    recorded = pg.execute(
        "select status, error from audit.load_manifest where status = 'failed'"
    ).fetchall()
    assert recorded == [("failed", failed.error)]


def test_reload_replaces_exactly_that_batch(pg: psycopg.Connection, landing: Path) -> None:
    ingest_landing(pg, landing)
    old = dict(
        pg.execute(
            "select file_path, load_id from audit.load_manifest where batch_date = '2025-01-02'"
        ).fetchall()
    )
    changed = landing / "2025-01-02" / "orders.csv"
    # The broken lines are fixed and one more order arrives.
    changed.write_text(
        "\n".join(
            [
                ORDERS_HEADER,
                order_line(2),
                order_line(4),
                order_line(5),
                order_line(6),
                order_line(7),
            ]
        )
        + "\n"
    )
    before_batch_1 = pg.execute(
        "select order_id, _load_id from raw.orders where _batch_date = '2025-01-01' order by 1"
    ).fetchall()

    result = ingest_landing(pg, landing, reload=date(2025, 1, 2))
    statuses = [(f.file.relative_path, f.status, f.reloaded) for f in result.files]
    assert statuses == [
        ("2025-01-01/customers.csv", "skipped", False),
        ("2025-01-01/orders.csv", "skipped", False),
        ("2025-01-02/customers.csv", "loaded", True),
        ("2025-01-02/orders.csv", "loaded", True),
    ]
    current = "_load_id not in (select load_id from raw.replaced_loads)"
    batch_2 = pg.execute(
        f"select order_id from raw.orders where _batch_date = '2025-01-02' and {current} order by 1"
    ).fetchall()
    assert [r[0] for r in batch_2] == ["O002", "O004", "O005", "O006", "O007"]
    assert (
        one(
            pg, f"select count(*) from raw.customers where _batch_date = '2025-01-02' and {current}"
        )
        == 2
    )
    # Raw keeps the replaced load's rows as history; replaced_loads says they are not current.
    replaced = pg.execute(
        "select r.entity, r.load_id = m.load_id, r.replaced_by = m.replaced_by"
        " from raw.replaced_loads r join audit.load_manifest m on m.load_id = r.load_id"
        " order by r.entity"
    ).fetchall()
    assert replaced == [("customers", True, True), ("orders", True, True)]
    kept = one(
        pg,
        "select count(*) from raw.orders where _load_id = %s",
        (old["2025-01-02/orders.csv"],),
    )
    assert kept == 2  # the two valid lines of the old file; its two bad lines were quarantined
    after_batch_1 = pg.execute(
        "select order_id, _load_id from raw.orders where _batch_date = '2025-01-01' order by 1"
    ).fetchall()
    assert after_batch_1 == before_batch_1
    manifest = pg.execute(
        "select file_path, status, replaced_by is not null from audit.load_manifest"
        " where batch_date = '2025-01-02' order by status = 'loaded', file_path"
    ).fetchall()
    assert manifest == [
        ("2025-01-02/customers.csv", "replaced", True),
        ("2025-01-02/orders.csv", "replaced", True),
        ("2025-01-02/customers.csv", "loaded", False),
        ("2025-01-02/orders.csv", "loaded", False),
    ]
    # The old load's quarantined lines stay, linked to the load they came from.
    linked = pg.execute("select distinct load_id from audit.quarantine").fetchall()
    assert linked == [(old["2025-01-02/orders.csv"],)]
    assert one(
        pg, "select last_batch_date::text from audit.watermarks where entity = 'orders'"
    ) == ("2025-01-02")
    # A reloaded batch is loaded: the next plain run skips it.
    assert {f.status for f in ingest_landing(pg, landing).files} == {"skipped"}


def test_reload_refuses_a_batch_that_lost_a_loaded_file(
    pg: psycopg.Connection, landing: Path
) -> None:
    ingest_landing(pg, landing)
    (landing / "2025-01-02" / "customers.csv").unlink()
    with pytest.raises(IngestError, match="2025-01-02/customers.csv was loaded from this batch"):
        ingest_landing(pg, landing, reload=date(2025, 1, 2))
    with pytest.raises(IngestError, match="there is no batch folder"):
        ingest_landing(pg, landing, reload=date(2025, 1, 9))
    assert one(pg, "select count(*) from audit.load_manifest where status <> 'loaded'") == 0


def test_cli_refuses_a_changed_file_then_reloads_its_batch(
    fresh_db: db.Connection, landing: Path
) -> None:
    env = db_env(fresh_db)
    assert run_cli("ingest", "--landing", str(landing), env=env).returncode == 0
    changed = landing / "2025-01-01" / "orders.csv"
    changed.write_text(changed.read_text().replace("5.00", "6.00"))
    refused = run_cli("ingest", "--landing", str(landing), env=env)
    assert refused.returncode == 1
    assert "warehouse ingest --reload 2025-01-01" in " ".join(refused.stderr.split())
    reloaded = run_cli("ingest", "--landing", str(landing), "--reload", "2025-01-01", env=env)
    assert reloaded.returncode == 0, reloaded.output
    assert "2 files loaded (2 reloaded), 2 already loaded (skipped), 0 failed" in (
        " ".join(reloaded.stdout.split())
    )
    with db.connect(fresh_db) as conn:
        assert (
            one(
                conn,
                "select shipping_amount from raw.orders where order_id = 'O001'"
                " and _batch_date = '2025-01-01'"
                " and _load_id not in (select load_id from raw.replaced_loads)",
            )
            == "6.00"
        )
        log = conn.execute(
            "select step, status, target from audit.run_log order by log_id"
        ).fetchall()
    assert [row[:2] for row in log] == [
        ("ingest", "success"),
        ("ingest", "failed"),
        ("ingest", "success"),
    ]
    assert log[2][2].endswith("--reload 2025-01-01")


# ---------------------------------------------------------------- schema drift


def test_an_extra_column_is_kept_and_reported(pg: psycopg.Connection, tmp_path: Path) -> None:
    header = ORDERS_HEADER + ",gift_wrap,_load_id"  # even a name of ours is only data
    body = [header, order_line(1) + ",yes,x", order_line(2) + ",,", order_line(3) + ",no"]
    write_batch(tmp_path, "2025-03-01", "orders.csv", "\n".join(body) + "\n")
    [result] = ingest_landing(pg, tmp_path).files
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("loaded", 2, 1)
    assert result.extra_columns == ("gift_wrap", "_load_id")
    rows = pg.execute(
        "select order_id, _extra_columns, _source_line, _load_id = %s from raw.orders order by 1",
        (result.load_id,),
    ).fetchall()
    assert rows == [
        ("O001", {"gift_wrap": "yes", "_load_id": "x"}, 2, True),
        ("O002", {"gift_wrap": None, "_load_id": None}, 3, True),
    ]
    drift = one(pg, "select drift from audit.load_manifest")
    assert drift == {"extra_columns": ["gift_wrap", "_load_id"], "missing_columns": []}


def test_a_missing_column_loads_as_null_and_is_reported(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    columns = [c for c in ORDERS.column_names if c != "tax_amount"]
    body = [",".join(columns), order_line(1).replace(",1.00,", ",")]
    write_batch(tmp_path, "2025-03-01", "orders.csv", "\n".join(body) + "\n")
    [result] = ingest_landing(pg, tmp_path).files
    assert (result.status, result.missing_columns, result.load_path) == (
        "loaded",
        ("tax_amount",),
        "fast",
    )
    row = pg.execute("select shipping_amount, tax_amount, updated_at from raw.orders").fetchone()
    assert row == ("5.00", None, "2024-06-02 08:00:00")
    assert one(pg, "select drift from audit.load_manifest") == {
        "extra_columns": [],
        "missing_columns": ["tax_amount"],
    }


def test_columns_are_matched_by_name_not_position(pg: psycopg.Connection, tmp_path: Path) -> None:
    columns = list(reversed(ORDERS.column_names))
    values = list(reversed(order_line(1).split(",")))
    write_batch(tmp_path, "2025-03-01", "orders.csv", f"{','.join(columns)}\n{','.join(values)}\n")
    ingest_landing(pg, tmp_path)
    assert pg.execute("select order_id, updated_at from raw.orders").fetchone() == (
        "O001",
        "2024-06-02 08:00:00",
    )


def test_a_missing_key_column_fails_the_file_and_loads_none_of_it(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    path = write_batch(tmp_path, "2025-02-01", "orders.csv", "order_number,customer_id\nSO-1,C1\n")
    write_batch(tmp_path, "2025-02-02", "orders.csv", f"{ORDERS_HEADER}\n{order_line(1)}\n")
    write_batch(tmp_path, "2025-02-02", "customers.csv", "customer_id\nC1\n")
    result = ingest_landing(pg, tmp_path)
    assert [(f.file.relative_path, f.status) for f in result.files] == [
        ("2025-02-01/orders.csv", "failed"),
        ("2025-02-02/customers.csv", "loaded"),
        ("2025-02-02/orders.csv", "failed"),
    ]
    assert result.files[0].error == (
        f"{path}, line 1: the key column 'order_id' is missing; nothing of this file was loaded"
    )
    # A later batch of the same entity waits: batches load in order.
    assert "waits for an earlier failed batch of orders" in result.files[2].error
    assert one(pg, "select count(*) from raw.orders") == 0
    failures = pg.execute(
        "select file_path, error, finished_at >= started_at from audit.load_manifest"
        " where status = 'failed'"
    ).fetchall()
    assert failures == [("2025-02-01/orders.csv", result.files[0].error, True)]


# ---------------------------------------------------------- parallel and CLI


def test_parallel_loads_keep_each_entity_in_batch_order(
    pg: psycopg.Connection, tmp_path: Path
) -> None:
    customers = ",".join(ENTITY_BY_NAME["customers"].column_names)
    for day in range(1, 6):
        batch = f"2025-04-0{day}"
        write_batch(tmp_path, batch, "orders.csv", f"{ORDERS_HEADER}\n{order_line(day)}\n")
        write_batch(tmp_path, batch, "customers.csv", f"{customers}\nC{day}" + "," * 15 + "\n")
    result = ingest_landing(pg, tmp_path, workers=2)
    assert result.workers == 2
    assert [f.file.relative_path for f in result.files] == [
        f"2025-04-0{day}/{name}" for day in range(1, 6) for name in ("customers.csv", "orders.csv")
    ]
    for entity in ("orders", "customers"):
        order = pg.execute(
            "select batch_date from audit.load_manifest where entity = %s order by load_id",
            (entity,),
        ).fetchall()
        assert order == sorted(order)
    assert one(pg, "select count(*) from raw.orders") == 5


def test_cli_ingest_prints_the_table_drift_and_counts(
    fresh_db: db.Connection, landing: Path
) -> None:
    extra = landing / "2025-01-03"
    extra.mkdir()
    (extra / "orders.csv").write_text(f"{ORDERS_HEADER},gift_wrap\n{order_line(9)},yes\n")
    result = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert result.returncode == 0, result.output
    out = " ".join(result.stdout.split())
    assert "5 files loaded, 0 already loaded (skipped), 0 failed; 11 rows, 2 lines" in out
    assert "schema drift: 2025-01-03/orders.csv: extra gift_wrap (kept in _extra_columns)" in out
    again = run_cli("ingest", "--landing", str(landing), env=db_env(fresh_db))
    assert "0 files loaded, 5 already loaded (skipped)" in " ".join(again.stdout.split())
    with db.connect(fresh_db) as conn:
        details = one(conn, "select details from audit.run_log order by log_id limit 1")
    assert details["files_loaded"] == 5


def test_concurrent_runs_load_each_file_once(fresh_db: db.Connection, landing: Path) -> None:
    results = []

    def run() -> None:
        with db.connect(fresh_db, autocommit=True) as conn:
            results.append(ingest_landing(conn, landing))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(f.status for result in results for f in result.files)
    assert statuses == ["loaded"] * 4 + ["skipped"] * 4
    with db.connect(fresh_db) as conn:
        assert one(conn, "select count(*) from raw.orders") == 5
        assert one(conn, "select count(*) from audit.load_manifest") == 4


def test_raw_tables_of_an_earlier_layout_holding_rows_are_refused_clearly(
    pg: psycopg.Connection, landing: Path
) -> None:
    pg.execute("create schema raw")
    pg.execute("create table raw.orders (order_id text, _row_hash text not null)")
    pg.execute("insert into raw.orders values ('O1', 'x')")
    with pytest.raises(IngestError, match="raw.orders: created by an earlier version") as error:
        ingest_landing(pg, landing)
    assert str(error.value).count("raw.orders") == 1
    assert one(pg, "select count(*) from raw.orders") == 1  # left as it was


def test_an_empty_placeholder_from_dbt_is_replaced_and_loads(
    pg: psycopg.Connection, landing: Path
) -> None:
    """dbt's on-run-start makes plain-column placeholders before the first load
    (create_missing_raw_tables); the first load replaces them with its layout."""
    pg.execute("create schema raw")
    pg.execute(
        "create table raw.orders ("
        + ", ".join(f"{name} text" for name in ORDERS.column_names)
        + ", _batch_date date, _source_file text, _source_line bigint, _load_id bigint,"
        " _loaded_at timestamptz, _row_hash text, _extra_columns jsonb)"
    )
    result = ingest_landing(pg, landing)
    assert not result.failed
    assert one(pg, "select count(*) from raw.orders") == 5
    generated = pg.execute(
        "select attname from pg_attribute where attrelid = 'raw.orders'::regclass"
        " and attgenerated <> '' order by 1"
    ).fetchall()
    assert generated == [("_row_hash",), ("_source_file",)]


def test_raw_tables_have_no_index_and_the_retired_one_is_dropped(
    pg: psycopg.Connection, landing: Path
) -> None:
    """Earlier versions' dbt hook added a btree on _load_id to every raw table;
    raw tables have no index (docs/ingestion.md), so the ingestion drops it."""
    ensure_raw_tables(pg, [ORDERS])
    pg.execute("create index orders_load_id_idx on raw.orders (_load_id)")
    ingest_landing(pg, landing)
    assert one(pg, "select count(*) from pg_indexes where schemaname = 'raw'") == 0


def test_stored_generated_columns_for_servers_before_18(
    pg: psycopg.Connection, landing: Path
) -> None:
    pg.execute("create schema raw")
    pg.execute(raw_table_ddl(ORDERS, virtual=False))
    ingest_landing(pg, landing)
    kinds = pg.execute(
        "select attname, attgenerated from pg_attribute where attrelid = 'raw.orders'::regclass"
        " and attname in ('_source_file', '_row_hash') order by 1"
    ).fetchall()
    assert kinds == [("_row_hash", "s"), ("_source_file", "s")]
    files = pg.execute("select distinct _source_file from raw.orders order by 1").fetchall()
    assert files == [("2025-01-01/orders.csv",), ("2025-01-02/orders.csv",)]
