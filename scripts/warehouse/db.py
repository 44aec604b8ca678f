"""Which PostgreSQL the warehouse uses, and how to connect to it.

One rule, in one place: when the libpq variables name a server (PGHOST), that
server is used; otherwise the embedded server under WAREHOUSE_HOME is started
or reused. This is the only module that opens connections.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace

import psycopg
from psycopg import sql

from warehouse import embedded
from warehouse.config import Settings
from warehouse.errors import WarehouseError


class DatabaseError(WarehouseError):
    """The database cannot be reached or used; the message names the cause and the fix."""


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    embedded: bool

    def conninfo(self, dbname: str | None = None, application_name: str = "warehouse") -> str:
        params = {
            "host": self.host,
            "port": str(self.port),
            "user": self.user,
            "dbname": dbname or self.dbname,
            "application_name": application_name,
            "connect_timeout": "10",
        }
        if self.password:
            params["password"] = self.password
        return psycopg.conninfo.make_conninfo(**params)

    def url(self) -> str:
        auth = self.user if not self.password else f"{self.user}:***"
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.dbname}"

    def libpq_env(self) -> dict[str, str]:
        """The PG* variables that make libpq clients (psql, dbt) reach this database."""
        env = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.dbname,
        }
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def with_database(self, dbname: str) -> Connection:
        return replace(self, dbname=dbname)


def _names_embedded(env: Mapping[str, str], settings: Settings) -> bool:
    """PGHOST/PGPORT exported by `warehouse env` still mean the embedded server."""
    return env.get("PGHOST") in ("127.0.0.1", "localhost") and env.get("PGPORT") == str(
        settings.embedded_port
    )


def resolve(settings: Settings, env: Mapping[str, str] | None = None) -> Connection:
    """The connection the settings and environment name, without connecting."""
    env = os.environ if env is None else env
    if env.get("PGHOST") and not _names_embedded(env, settings):
        port_text = env.get("PGPORT", "5432")
        if not port_text.isdigit():
            raise DatabaseError(f"PGPORT={port_text!r} is not a port number")
        return Connection(
            host=env["PGHOST"],
            port=int(port_text),
            user=env.get("PGUSER") or _os_user(),
            password=env.get("PGPASSWORD", ""),
            dbname=settings.database,
            embedded=False,
        )
    return Connection(
        host="127.0.0.1",
        port=settings.embedded_port,
        user=embedded.SUPERUSER,
        password="",
        dbname=settings.database,
        embedded=True,
    )


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def ensure_server(settings: Settings, conn: Connection) -> None:
    """Start the embedded server when it is the one named; check an external one answers."""
    if conn.embedded:
        try:
            embedded.start(settings.pgdata, settings.embedded_port)
        except embedded.EmbeddedServerError as exc:
            raise DatabaseError(str(exc)) from None
        return
    with connect(conn.with_database("postgres"), autocommit=True):
        pass


def ensure_database(settings: Settings, conn: Connection) -> None:
    """Start or reach the server, then create the target database if it is missing."""
    ensure_server(settings, conn)
    with connect(conn.with_database("postgres"), autocommit=True) as admin:
        exists = admin.execute(
            "select 1 from pg_database where datname = %s", (conn.dbname,)
        ).fetchone()
        if not exists:
            try:
                admin.execute(sql.SQL("create database {}").format(sql.Identifier(conn.dbname)))
            except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                pass  # another command created it at the same moment
            except psycopg.errors.InsufficientPrivilege:
                raise DatabaseError(
                    f"database {conn.dbname!r} does not exist on {conn.host}:{conn.port} and "
                    f"user {conn.user!r} may not create it: create it, or set PGDATABASE "
                    f"to one that exists"
                ) from None


def drop_database(conn: Connection, dbname: str) -> None:
    with connect(conn.with_database("postgres"), autocommit=True) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(dbname))
        )


def open_connection(
    conn: Connection, autocommit: bool = False, application_name: str = "warehouse"
) -> psycopg.Connection:
    """A new psycopg connection (the caller closes it); a failure to connect
    becomes one clear DatabaseError."""
    try:
        return psycopg.connect(
            conn.conninfo(application_name=application_name), autocommit=autocommit
        )
    except psycopg.OperationalError as exc:
        raise DatabaseError(explain_connect_error(conn, str(exc))) from None


def connect_like(
    existing: psycopg.Connection, application_name: str, autocommit: bool = True
) -> psycopg.Connection:
    """Another connection to the database ``existing`` is connected to, as the
    same user (for parallel work next to a connection the caller was given)."""
    info = existing.info
    try:
        return psycopg.connect(
            info.dsn,
            password=info.password or None,
            autocommit=autocommit,
            application_name=application_name,
        )
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        raise DatabaseError(f"cannot open another connection to {info.host}: {first}") from None


@contextmanager
def connect(
    conn: Connection, autocommit: bool = False, application_name: str = "warehouse"
) -> Iterator[psycopg.Connection]:
    """A psycopg connection for the block; connection failures become one clear
    DatabaseError."""
    connection = open_connection(conn, autocommit, application_name)
    try:
        yield connection
    finally:
        connection.close()


def explain_connect_error(conn: Connection, message: str) -> str:
    """Turn libpq's connection error into one line: the cause and what to do."""
    where = f"{conn.host}:{conn.port}"
    lowered = message.lower()
    if conn.embedded:
        fix = "run `warehouse db start` (or `make demo`)"
    else:
        fix = "start that server, fix PGHOST/PGPORT, or unset PGHOST to use the embedded database"
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"authentication failed for user {conn.user!r} at {where}: "
            f"check PGUSER and PGPASSWORD (or ~/.pgpass)"
        )
    if "does not exist" in lowered and "database" in lowered:
        return f"database {conn.dbname!r} does not exist at {where}: create it or fix PGDATABASE"
    if "role" in lowered and "does not exist" in lowered:
        return f"user {conn.user!r} does not exist at {where}: fix PGUSER"
    if "connection refused" in lowered or "could not connect" in lowered:
        return f"cannot connect to PostgreSQL at {where} (connection refused): {fix}"
    if "timeout" in lowered or "timed out" in lowered:
        return f"PostgreSQL at {where} did not answer within 10 s: {fix}"
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return f"unknown host {conn.host!r} (from PGHOST): fix PGHOST"
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return f"cannot connect to PostgreSQL at {where}: {first}"
