"""Which PostgreSQL the warehouse uses, and how to connect to it.

One rule, in one place: when the libpq variables name a server (PGHOST), that
server is used; otherwise the embedded server under WAREHOUSE_HOME is started
or reused. This is the only module that opens connections.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace

import psycopg
from psycopg import sql

from warehouse import embedded, secrets
from warehouse.config import Settings
from warehouse.errors import WarehouseError


class DatabaseError(WarehouseError):
    """The database cannot be reached or used; the message names the cause and the fix."""


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str = field(repr=False)  # never in a traceback, a log or a test report
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

    def url(self, with_password: bool = False) -> str:
        """The connection as a URL; the password shown as *** unless asked for
        (then the URL works as it is in psql or any libpq client)."""
        from urllib.parse import quote

        if not self.password:
            auth = quote(self.user, safe="")
        elif with_password:
            auth = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}"
        else:
            auth = f"{quote(self.user, safe='')}:***"
        return f"postgresql://{auth}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

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
    found = secrets.ensure_secrets(settings.home / "secrets")
    return Connection(
        host="127.0.0.1",
        port=settings.embedded_port,
        user=secrets.ETL_ROLE,
        password=found.etl_password,
        dbname=settings.database,
        embedded=True,
    )


def admin_connection(settings: Settings, conn: Connection) -> Connection:
    """Who creates databases: on the embedded server its superuser (set-up
    only; the pipeline itself runs as the ETL role), on a server PGHOST names
    the user the variables name."""
    if not conn.embedded:
        return conn.with_database("postgres")
    found = secrets.ensure_secrets(settings.home / "secrets")
    return replace(
        conn, user=secrets.SUPERUSER, password=found.superuser_password, dbname="postgres"
    )


def _os_user() -> str:
    import getpass

    return getpass.getuser()


def ensure_server(settings: Settings, conn: Connection) -> None:
    """Start the embedded server when it is the one named (and make sure it
    authenticates every connection and has the warehouse's roles); check an
    external one answers."""
    if conn.embedded:
        try:
            embedded.start(settings.pgdata, settings.embedded_port)
        except embedded.EmbeddedServerError as exc:
            raise DatabaseError(str(exc)) from None
        secure_embedded(settings, conn)
        return
    with connect(conn.with_database("postgres"), autocommit=True):
        pass


#: The reader roles the dbt project grants to (vars analyst_role, pii_reader_role).
READER_ROLES = ("warehouse_analyst", "warehouse_pii_reader")
#: The advisory lock (class; object 1) under which a command checks the roles.
ROLES_LOCK_CLASS = 0x57485253  # "WHRS"


def secure_embedded(settings: Settings, conn: Connection) -> None:
    """The embedded server's roles and authentication, idempotently: an earlier
    version's cluster (trusting local connections) gets the superuser's password
    and password authentication; the ETL role (login, no superuser) and the
    NOLOGIN reader roles exist; the ETL role's password is the installation's;
    a libpq password file holds it."""
    found = secrets.ensure_secrets(settings.home / "secrets")
    admin = admin_connection(settings, conn)
    if embedded.trusts_connections(settings.pgdata):
        with connect(replace(admin, password=""), autocommit=True) as pg:
            pg.execute(
                sql.SQL("alter role {} password {}").format(
                    sql.Identifier(secrets.SUPERUSER),
                    sql.Literal(secrets.scram_verifier(found.superuser_password)),
                )
            )
            embedded.write_hba(settings.pgdata)
            pg.execute("select pg_reload_conf()")
    with connect(admin) as pg:
        # One command at a time here (commands started together would update
        # the same catalog rows: "tuple concurrently updated"); and no write
        # at all when the roles are as they should be.
        pg.execute("select pg_advisory_xact_lock(%s, %s)", (ROLES_LOCK_CLASS, 1))
        role = sql.Identifier(secrets.ETL_ROLE)
        found_role = pg.execute(
            "select rolcanlogin, rolpassword from pg_authid where rolname = %s",
            (secrets.ETL_ROLE,),
        ).fetchone()
        if found_role is None or not found_role[0]:
            verifier = sql.Literal(secrets.scram_verifier(found.etl_password))
            verb = "create" if found_role is None else "alter"
            pg.execute(sql.SQL(verb + " role {} login password {}").format(role, verifier))
        elif not secrets.verifier_matches(found_role[1], found.etl_password):
            verifier = sql.Literal(secrets.scram_verifier(found.etl_password))
            pg.execute(sql.SQL("alter role {} password {}").format(role, verifier))
        for reader in READER_ROLES:
            if not pg.execute("select 1 from pg_roles where rolname = %s", (reader,)).fetchone():
                pg.execute(sql.SQL("create role {} nologin").format(sql.Identifier(reader)))
        pg.commit()
    secrets.write_pgpass(found, settings.embedded_port)


def adopt_database(settings: Settings, conn: Connection) -> None:
    """Give the ETL role a database an earlier version built as the superuser:
    the database, its schemas and everything in them (embedded server only)."""
    admin = admin_connection(settings, conn)
    with connect(admin.with_database(conn.dbname), autocommit=True) as pg:
        owner = pg.execute(
            "select pg_get_userbyid(datdba) from pg_database where datname = current_database()"
        ).fetchone()[0]
        if owner == conn.user:
            return
        role = sql.Identifier(conn.user)
        pg.execute(
            sql.SQL("alter database {} owner to {}").format(sql.Identifier(conn.dbname), role)
        )
        objects = pg.execute(
            "select n.nspname, null::text, null::text from pg_namespace n"
            " where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'"
            " union all"
            " select n.nspname, c.relname::text, c.relkind::text from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'"
            " and c.relkind in ('r', 'v', 'm', 'S', 'p') and c.relispartition is false"
            " union all"
            " select n.nspname, quote_ident(p.proname) || '('"
            " || pg_get_function_identity_arguments(p.oid) || ')', 'f'"
            " from pg_proc p join pg_namespace n on n.oid = p.pronamespace"
            " where n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'"
            " and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')"
        ).fetchall()
        kinds = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "S": "sequence"}
        for schema, name, kind in objects:
            if name is None:
                pg.execute(
                    sql.SQL("alter schema {} owner to {}").format(sql.Identifier(schema), role)
                )
            elif kind == "f":  # a routine: its name carries its argument types
                routine = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.SQL(name))
                pg.execute(sql.SQL("alter routine {} owner to {}").format(routine, role))
            else:
                pg.execute(
                    sql.SQL("alter {} {} owner to {}").format(
                        sql.SQL(kinds[kind]), sql.Identifier(schema, name), role
                    )
                )


def database_exists(pg: psycopg.Connection, dbname: str) -> bool:
    """Whether the server ``pg`` is connected to has a database ``dbname``."""
    found = pg.execute("select 1 from pg_database where datname = %s", (dbname,))
    return found.fetchone() is not None


def ensure_database(settings: Settings, conn: Connection) -> None:
    """Start or reach the server, then make sure the target database exists.

    The embedded server's database is the warehouse's own: created when
    missing, owned by the ETL role. On a server PGHOST names the database is
    the user's: a missing one is an error (a typo in PGDATABASE must not
    create a second warehouse), never created silently."""
    ensure_server(settings, conn)
    with connect(admin_connection(settings, conn), autocommit=True) as admin:
        exists = database_exists(admin, conn.dbname)
        if exists and conn.embedded:
            adopt_database(settings, conn)
        if exists:
            return
        if not conn.embedded:
            raise DatabaseError(missing_database(conn))
        # another command may create it at the same moment
        with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            create_database(admin, conn)


def create_database(
    admin: psycopg.Connection, conn: Connection, template: str | None = None
) -> None:
    """Create ``conn``'s database through ``admin`` (autocommit), as a copy of
    ``template`` when given. On the embedded server it is owned by the role
    ``conn`` connects as (admin is the superuser); on a server PGHOST names the
    role that creates it owns it, as that server's rules allow."""
    statement = sql.SQL("create database {}").format(sql.Identifier(conn.dbname))
    if template is not None:
        statement = sql.SQL("{} template {}").format(statement, sql.Identifier(template))
    if conn.embedded:
        statement = sql.SQL("{} owner {}").format(statement, sql.Identifier(conn.user))
    admin.execute(statement)


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


def missing_database(conn: Connection) -> str:
    return (
        f"database {conn.dbname!r} does not exist on {conn.host}:{conn.port}: create it "
        f"(createdb {shlex.quote(conn.dbname)}), or set PGDATABASE to the warehouse's database"
    )


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
        return missing_database(conn)
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
