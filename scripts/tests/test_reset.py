"""`warehouse reset`: start over, asked first, never under a running command,
never deleting what the generator did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse import db, lock

from .conftest import admin_of, create_test_database, db_env, run_cli

pytestmark = pytest.mark.db


def exists(conn: db.Connection) -> bool:
    with db.connect(admin_of(conn).with_database("postgres")) as pg:
        found = pg.execute("select 1 from pg_database where datname = %s", (conn.dbname,))
        return found.fetchone() is not None


def test_reset_starts_over(fresh_db: db.Connection, tmp_path: Path) -> None:
    env = db_env(fresh_db)
    landing = tmp_path / "landing"
    generate = ("generate", "--scale", "0.01", "--days", "1", "--out", str(landing))
    assert run_cli(*generate).returncode == 0
    (landing / "notes.txt").write_text("mine")
    assert run_cli("ingest", "--landing", str(landing), env=env).returncode == 0

    unconfirmed = run_cli("reset", "--landing", str(landing), env=env)
    assert unconfirmed.returncode == 2 and "pass --yes to confirm" in unconfirmed.stderr
    assert exists(fresh_db) and len(list(landing.iterdir())) == 3

    holder = lock.acquire(fresh_db, lock.me("run"))
    try:
        busy = run_cli("reset", "--yes", "--landing", str(landing), env=env)
    finally:
        holder.close()
    assert busy.returncode == 3 and "`warehouse run`" in busy.stderr, busy.output
    assert exists(fresh_db)

    done = run_cli("reset", "--yes", "--landing", str(landing), env=env)
    assert done.returncode == 0, done.output
    assert f"database {fresh_db.dbname}: dropped" in done.stdout
    assert "2 generated batches deleted" in " ".join(done.stdout.split())
    assert not exists(fresh_db)
    assert [p.name for p in landing.iterdir()] == ["notes.txt"]

    # Regenerated with other arguments, the data loads again from scratch
    # (on a server PGHOST names, into a database its owner creates again).
    (landing / "notes.txt").unlink()
    if not fresh_db.embedded:
        assert "createdb" in done.stdout
        create_test_database(fresh_db, fresh_db.dbname)
    assert run_cli(*generate, "--seed", "7").returncode == 0
    again = run_cli("ingest", "--landing", str(landing), env=env)
    assert again.returncode == 0, again.output
    assert run_cli("reset", "--yes", "--keep-landing", env=env).returncode == 0
    assert len(list(landing.iterdir())) == 2
