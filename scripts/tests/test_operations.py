"""Operating the warehouse: one writer at a time, killed processes and a killed
database that the next run (or the same one, retrying) gets over with exact
counts, a load that commits during a build left whole to the next build, and
a backfill that changes only what the reprocessed day touches.

"Equal to a clean run" compares every table of raw, marts and gold (and the
exceptions) as multisets of rows, without the columns that number loads or
builds (load ids, loaded-at, dbt invocation): the same files loaded in
another order get other load ids and must give the same warehouse.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest
from psycopg import sql

from warehouse import db, embedded, lock
from warehouse.config import load_settings

from .conftest import PROJECT_DIR, WAREHOUSE, DatabaseFactory, free_port, run_cli
from .dbt_helpers import cli, dbt_env, query, scalar

pytestmark = [pytest.mark.db, pytest.mark.dbt, pytest.mark.slow]

#: Columns that number loads, load times or builds: not data. Keyed pseudonyms
#: too: every database draws its own key (ensure_pseudonym_key), so two
#: databases built from the same files never agree on them.
LOAD_COLUMNS = {
    "_load_id",
    "_loaded_at",
    "load_id",
    "source_load_id",
    "dbt_invocation_id",
    "email_pseudonym",
    "customer_email_pseudonym",
}
COMPARED = ("raw", "marts", "gold")


def warehouse_state(conn: db.Connection) -> dict[str, Counter]:
    """Every row of every table of raw, marts (the exceptions included) and gold,
    without LOAD_COLUMNS, as multisets."""
    state = {}
    with db.connect(conn) as pg:
        tables = pg.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' and table_schema = any(%s)"
            " order by 1, 2",
            (list(COMPARED),),
        ).fetchall()
        for schema, table in tables:
            columns = [
                c
                for (c,) in pg.execute(
                    "select column_name from information_schema.columns where table_schema = %s"
                    " and table_name = %s order by ordinal_position",
                    (schema, table),
                ).fetchall()
                if c not in LOAD_COLUMNS
            ]
            rows = pg.execute(
                sql.SQL("select {} from {}").format(
                    sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                    sql.Identifier(schema, table),
                )
            ).fetchall()
            state[f"{schema}.{table}"] = Counter(rows)
    return state


EXCEPTION_MARTS = ("marts.fct_row_exceptions", "marts.fct_unresolved_references")


def assert_same_warehouse(actual: dict[str, Counter], expected: dict[str, Counter]) -> None:
    assert actual.keys() == expected.keys()
    for table, rows in expected.items():
        # every mart and gold table holds rows; the exception marts may be empty
        holds_rows = table.startswith(("marts.", "gold.")) and table not in EXCEPTION_MARTS
        assert sum(rows.values()) > 0 or not holds_rows, table
        extra, missing = actual[table] - rows, rows - actual[table]
        assert not extra and not missing, f"{table}: {len(extra)} extra, {len(missing)} missing"


def one_load_per_file(conn: db.Connection, landing: Path) -> None:
    loads = query(
        conn,
        "select file_path, count(*) from audit.load_manifest where status = 'loaded'"
        " group by 1 order by 1",
    )
    files = sorted(p.relative_to(landing).as_posix() for p in landing.glob("*/*.csv"))
    assert loads == [(f, 1) for f in files]


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ops") / "landing"
    cli("generate", "--scale", "0.02", "--days", "2", "--seed", "3", "--out", str(out), env={})
    return out


@pytest.fixture(scope="module")
def clean(make_db: DatabaseFactory, landing: Path, tmp_path_factory: pytest.TempPathFactory):
    """The warehouse one clean `warehouse run` of the landing zone builds."""
    conn = make_db("ops_clean")
    work = tmp_path_factory.mktemp("ops_clean")
    cli("run", "--landing", str(landing), env=dbt_env(conn, work))
    return warehouse_state(conn)


def start_run(conn: db.Connection, landing: Path, work: Path, *args: str, **env: str):
    full = {**os.environ, "COLUMNS": "200", **dbt_env(conn, work), **env}
    return subprocess.Popen(
        [WAREHOUSE, "run", "--landing", str(landing), *args],
        env=full, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


# --------------------------------------------------------------- one writer


def test_two_runs_started_together_one_runs_the_other_exits_3(
    make_db: DatabaseFactory, landing: Path, tmp_path: Path, clean: dict
) -> None:
    conn = make_db("ops_two")
    first = start_run(conn, landing, tmp_path / "a")
    second = start_run(conn, landing, tmp_path / "b")
    outs = [p.communicate(timeout=900) for p in (first, second)]
    codes = sorted(p.returncode for p in (first, second))
    assert codes == [0, 3], outs
    busy = next(err for (out, err), p in zip(outs, (first, second), strict=True)
                if p.returncode == 3)  # fmt: skip
    lines = busy.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in busy
    assert f"the database {conn.url()} is busy: `warehouse run` (pid " in lines[0]
    assert "holds it; retry later or pass --wait SECONDS" in lines[0]
    assert warehouse_state(conn) == clean
    one_load_per_file(conn, landing)


def test_a_run_that_waits_for_the_lock_then_finds_nothing_new(
    make_db: DatabaseFactory, landing: Path, tmp_path: Path, clean: dict
) -> None:
    conn = make_db("ops_wait")
    first = start_run(conn, landing, tmp_path / "a")
    time.sleep(1)
    second = start_run(conn, landing, tmp_path / "b", "--wait", "600")
    outs = [p.communicate(timeout=900) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    assert "nothing new: every batch in" in " ".join(outs[1][0].split())
    assert warehouse_state(conn) == clean
    one_load_per_file(conn, landing)
    statuses = query(conn, "select status, count(*) from audit.runs group by 1")
    assert statuses == [("success", 2)]


def test_a_holder_is_named_and_the_lock_goes_with_its_connection(
    fresh_db: db.Connection,
) -> None:
    with lock.writer_lock(fresh_db, "backfill") as holder:
        with pytest.raises(lock.LockBusy) as busy, lock.writer_lock(fresh_db, "run", 1):
            pass
        assert busy.value.exit_code == 3
        assert f"`warehouse backfill` (pid {holder.pid} on {holder.host[:20]}, started " in (
            str(busy.value)
        )
        assert "after waiting 1 s" in str(busy.value)
    with lock.writer_lock(fresh_db, "run"):  # released with its connection
        pass


def test_a_load_that_commits_during_a_build_waits_for_the_next_build(
    fresh_db: db.Connection, tmp_path: Path
) -> None:
    """The ceiling stops below a load still open, so the facts' watermark
    cannot pass it: its rows are built next time, not skipped forever."""
    landing = tmp_path / "landing"
    shutil.copytree(Path(__file__).parent / "fixtures" / "landing", landing)
    env = dbt_env(fresh_db, tmp_path)
    cli("ingest", "--landing", str(landing), env=env)
    with db.connect(fresh_db, autocommit=True) as pg:
        committed = scalar(fresh_db, "select max(load_id) from audit.load_manifest")
        assert lock.load_ceiling(pg) == committed
        with db.connect(fresh_db) as loading:  # a load under way: open, holding its id
            open_id = committed + 5
            loading.execute("select pg_advisory_xact_lock(%s::int, %s::int)",
                            (lock.LOAD_CLASS, open_id))  # fmt: skip
            assert lock.loads_in_progress(pg) == [open_id]
            assert lock.load_ceiling(pg) == committed  # already below the open load
            loading.execute("select pg_advisory_xact_lock(%s::int, %s::int)",
                            (lock.LOAD_CLASS, committed - 1))  # fmt: skip
            assert lock.load_ceiling(pg) == committed - 2
        assert lock.load_ceiling(pg) == committed
    # a build with that ceiling leaves the newest load out; the next takes it
    cli("build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
        "--vars", json.dumps({"load_ceiling": committed - 1}), env=env)  # fmt: skip
    held_back = query(
        fresh_db, "select count(*) from raw.orders where _load_id = %s", (committed,)
    )[0][0]
    first = scalar(fresh_db, "select count(*) from staging.base_shop__orders")
    assert first == scalar(fresh_db, "select count(*) from raw.orders") - held_back
    cli("build", env=env)
    assert scalar(fresh_db, "select count(*) from staging.base_shop__orders") == first + held_back


# -------------------------------------------------------------- killed things


def _events(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _wait_for_event(home: Path, event: str, step: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        for log in (home / "logs").glob("*.jsonl"):
            if any(e["event"] == event and e.get("step") == step for e in _events(log)):
                return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before {event} {step}: {proc.communicate()}")
        time.sleep(0.05)
    pytest.fail(f"no {event} {step} within 300 s")


def _wait_for_step(conn: db.Connection, step: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with db.connect(conn) as pg:
            exists = pg.execute("select to_regclass('audit.run_log') is not null").fetchone()[0]
            if (
                exists
                and pg.execute(
                    "select exists (select from audit.run_log"
                    " where step = %s and status = 'running')",
                    (step,),
                ).fetchone()[0]
            ):
                return
        if proc.poll() is not None:
            pytest.fail(f"the run ended before {step}: {proc.communicate()}")
        time.sleep(0.1)
    pytest.fail(f"no {step} within 300 s")


@pytest.fixture
def own_server(tmp_path: Path):
    """An embedded server of this test's own, to kill without harming the others."""
    home = tmp_path / "home"
    port = free_port()
    env = {"WAREHOUSE_HOME": str(home), "WAREHOUSE_PG_PORT": str(port), "PGHOST": "",
           "PGDATABASE": "warehouse"}  # fmt: skip
    yield home, env
    embedded.stop(home / "pgdata")


@pytest.mark.skipif(bool(os.environ.get("PGHOST")), reason="kills an embedded server of its own")
def test_the_database_killed_during_the_build_is_waited_for_and_the_run_retries(
    own_server, landing: Path, tmp_path: Path, clean: dict
) -> None:
    home, env = own_server
    run_env = {**os.environ, "COLUMNS": "200", **env}
    proc = subprocess.Popen(
        [WAREHOUSE, "run", "--landing", str(landing)], env=run_env, cwd=PROJECT_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _wait_for_event(home, "step_started", "dbt build", proc)
    time.sleep(3)
    server = embedded.read_state(home / "pgdata")
    os.kill(server.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=900)
    assert "Traceback" not in out + err
    assert proc.returncode == 0, out[-3000:] + err
    log = next((home / "logs").glob("*.jsonl"))
    retries = [e for e in _events(log) if e["event"] == "retry"]
    assert retries and retries[0]["step"] == "dbt build"
    conn = db.resolve(load_settings(env), env)
    assert scalar(conn, "select max(retries) from audit.run_log where step = 'dbt build'") >= 1
    assert_same_warehouse(warehouse_state(conn), clean)


def _kill_and_rerun(
    conn: db.Connection, landing: Path, work: Path, proc: subprocess.Popen, clean: dict
) -> str:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    again = run_cli("run", "--landing", str(landing), env=dbt_env(conn, work / "again"))
    assert again.returncode == 0, again.output[-3000:]
    assert_same_warehouse(warehouse_state(conn), clean)
    one_load_per_file(conn, landing)
    assert query(conn, "select status from audit.runs order by started_at") == [
        ("abandoned",),
        ("success",),
    ]
    assert scalar(conn, "select count(*) from audit.run_log where status = 'running'") == 0
    return again.stdout


def test_a_run_killed_during_the_ingest_is_resumed_by_the_next(
    make_db: DatabaseFactory, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    big = tmp_path / "landing"
    cli("generate", "--scale", "0.3", "--days", "1", "--seed", "4", "--out", str(big), env={})
    clean_conn = make_db("ops_big_clean")
    cli("run", "--landing", str(big), env=dbt_env(clean_conn, tmp_path / "clean"))
    conn = make_db("ops_killed_ingest")
    with db.connect(conn, autocommit=True) as pg:
        proc = start_run(conn, big, tmp_path)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if pg.execute(
                "select exists (select from pg_stat_progress_copy"
                " where datname = current_database() and bytes_processed > 0)"
            ).fetchone()[0]:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.002)
        else:
            pytest.fail("no COPY under way within 120 s")
        output = _kill_and_rerun(conn, big, tmp_path, proc, warehouse_state(clean_conn))
    assert "resumed after run" in " ".join(output.split())


def test_a_run_killed_during_the_build_takes_dbt_with_it_and_is_resumed(
    make_db: DatabaseFactory, landing: Path, tmp_path: Path, clean: dict
) -> None:
    conn = make_db("ops_killed_build")
    proc = start_run(conn, landing, tmp_path)
    _wait_for_step(conn, "dbt build", proc)
    time.sleep(2)
    children = [c for c in psutil.Process(proc.pid).children() if "dbt" in " ".join(c.cmdline())]
    assert children, "dbt is not running"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive, f"dbt outlived the killed wrapper: {alive}"
    again = run_cli("run", "--landing", str(landing), env=dbt_env(conn, tmp_path / "again"))
    assert again.returncode == 0, again.output[-3000:]
    assert_same_warehouse(warehouse_state(conn), clean)
    one_load_per_file(conn, landing)
    assert query(conn, "select status from audit.runs order by started_at") == [
        ("abandoned",),
        ("success",),
    ]


# ------------------------------------------------------------------ backfill


def _rewrite(path: Path, change) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], *change(lines[1:])]) + "\n")


def test_a_backfill_changes_only_what_the_reprocessed_day_touches(
    make_db: DatabaseFactory, tmp_path: Path
) -> None:
    landing = tmp_path / "landing"
    cli("generate", "--scale", "0.02", "--days", "3", "--seed", "6", "--clean",
        "--out", str(landing), env={})  # fmt: skip
    conn = make_db("ops_backfill")
    env = dbt_env(conn, tmp_path)
    cli("run", "--landing", str(landing), env=env)
    before = warehouse_state_with_loads(conn)

    day = sorted(p.name for p in landing.iterdir() if p.is_dir())[2]
    original = tmp_path / "original"
    shutil.copytree(landing / day, original)
    orders_file = landing / day / "orders.csv"
    rows = orders_file.read_text().splitlines()[1:]
    elsewhere = {
        line.split(",")[0]
        for other in landing.glob("*/orders.csv")
        if other != orders_file
        for line in other.read_text().splitlines()[1:]
    }
    only_here = [r.split(",")[0] for r in rows if r.split(",")[0] not in elsewhere]
    dropped, changed = only_here[0], only_here[1]  # orders this day sent first
    _rewrite(orders_file, lambda lines: [
        line.replace(",placed,", ",cancelled,").replace(",shipped,", ",cancelled,")
        if line.startswith(changed + ",") else line
        for line in lines if not line.startswith(dropped + ",")
    ])  # fmt: skip
    for name, position in (("order_lines.csv", 1), ("payments.csv", 1)):
        _rewrite(landing / day / name, lambda lines, p=position: [
            line for line in lines if line.split(",")[p] != dropped
        ])  # fmt: skip  # the order goes with its lines and payments
    result = run_cli("backfill", "--from", day, "--to", day, "--landing", str(landing), env=env)
    assert result.returncode == 0, result.output[-3000:]
    after = warehouse_state_with_loads(conn)

    orders = {r[0]: r for r in after["marts.fct_orders"]}
    assert dropped not in orders and orders[changed][7] == "cancelled"
    # what the day touches: its records, before and after the correction, and
    # the facts that hang on them (a customer's orders, an order's lines ...)
    sent = {name: _keys(landing / day / f"{name}.csv") | _keys(original / f"{name}.csv")
            for name in ("customers", "products", "orders", "order_lines", "payments")}  # fmt: skip
    lines_before = {r[0]: r for r in before["marts.fct_order_lines"]}
    touched_orders = (
        sent["orders"]
        | {r[0] for r in before["marts.fct_orders"] if r[3] in sent["customers"]}
        | {r[1] for r in before["marts.fct_order_lines"]
           if r[0] in sent["order_lines"] or r[2] in sent["products"]}
        | {r[1] for r in before["marts.fct_payments"] if r[0] in sent["payments"]}
    )  # fmt: skip
    untouched = {
        "marts.fct_orders": lambda r: r[0] not in touched_orders,
        "marts.fct_order_lines": lambda r: (
            r[1] not in touched_orders
            and r[0] not in sent["order_lines"]
            and lines_before[r[0]][2] not in sent["products"]
        ),
        "marts.fct_payments": lambda r: r[1] not in touched_orders and r[0] not in sent["payments"],
    }
    for table, keep in untouched.items():
        kept = {r for r in before[table] if keep(r)}
        assert len(kept) > len(before[table]) / 2, f"{table}: the day touches too much to test"
        assert kept <= set(after[table]), f"{table}: rows the day does not touch changed"
    touched_days = {r[5] for r in before["marts.fct_orders"] if r[0] in touched_orders}
    for table in ("gold.sales_summary_daily", "gold.daily_product_metrics"):
        kept = {r for r in before[table] if r[0] not in touched_days}
        assert kept and kept <= set(after[table]), f"{table}: rows of other days changed"
    # and the result is what a clean build of the corrected files gives
    fresh = make_db("ops_backfill_clean")
    cli("run", "--landing", str(landing), env=dbt_env(fresh, tmp_path / "fresh"))
    assert_same_warehouse(
        {k: v for k, v in warehouse_state(conn).items() if not k.startswith("raw.")},
        {k: v for k, v in warehouse_state(fresh).items() if not k.startswith("raw.")},
    )


def _keys(path: Path) -> set[str]:
    """The keys (first column) of a landing file."""
    if not path.exists():
        return set()
    return {line.split(",", 1)[0] for line in path.read_text().splitlines()[1:]}


def warehouse_state_with_loads(conn: db.Connection) -> dict[str, set]:
    """Facts and daily gold as sets of whole rows (load ids and invocation included):
    a row a run did not rebuild keeps even those."""
    tables = {
        "marts.fct_orders": "order_id, order_key, order_number, customer_id, customer_key,"
        " order_date, ordered_at, order_status, net_amount, source_load_id",
        "marts.fct_order_lines": "order_line_id, order_id, product_id, net_amount, source_load_id",
        "marts.fct_payments": "payment_id, order_id, amount, payment_status, source_load_id",
        "gold.sales_summary_daily": "order_date, order_count, net_revenue, source_load_id,"
        " dbt_invocation_id",
        "gold.daily_product_metrics": "order_date, product_id, net_revenue, source_load_id,"
        " dbt_invocation_id",
    }
    return {t: set(query(conn, f"select {c} from {t}")) for t, c in tables.items()}
