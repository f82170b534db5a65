"""Connections and schema migrations.

The library opens psycopg2 connections itself from a DSN, so it runs the same
under Airflow (which hands out psycopg 3 connections) and from the command line.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import psycopg2
import psycopg2.extensions

from . import settings, timetable
from .errors import GtfsPipelineError, LockTimeout
from .paths import SQL_DIR, sql_files
from .schema import refresh_current_views, sync_statements

DSN_ENV = "GTFS_DATABASE_URL"
MIGRATIONS_DIR = SQL_DIR / "migrations"
APPLICATION_NAME = "gtfs-pipeline"


def resolve_dsn(dsn: str | None = None) -> str:
    """The DSN given, else $GTFS_DATABASE_URL, else the contents of $GTFS_DATABASE_URL_FILE."""
    current = settings.current()
    dsn = dsn or current.database_url
    if not dsn and current.database_url_file:
        dsn = read_dsn_file(current.database_url_file, "GTFS_DATABASE_URL_FILE")
    if not dsn:
        raise GtfsPipelineError(
            f"no database given: set {DSN_ENV} (e.g. postgresql://user@host:5432/gtfs) or "
            "GTFS_DATABASE_URL_FILE, or pass --dsn-file / --dsn"
        )
    return dsn


def read_dsn_file(path: str | Path, given_as: str = "--dsn-file") -> str:
    """A database URL kept in a file (a mounted secret), so it is not on a command line."""
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise GtfsPipelineError(f"cannot read the database URL file {path} ({given_as}): "
                                f"{exc.strerror or exc}") from None
    if not text or "\n" in text:
        raise GtfsPipelineError(f"the database URL file {path} ({given_as}) must hold one line, the URL")
    return text


_QUOTED_OR_BARE = r"('(?:[^'\\]|\\.)*'?|[^\s&]+)"


def redact_dsn(dsn: str) -> str:
    """The DSN with any password replaced, for messages and logs: the user-info of a URL, and a
    ``password=`` value bare or quoted (``password='pa ss\\'word'``), in a key/value DSN or a URL query."""
    dsn = re.sub(r"(://[^:/@\s]+:)[^\s/]*@", r"\1***@", dsn)  # up to the last @ (a raw @ in a password)
    return re.sub(r"(password\s*=\s*)" + _QUOTED_OR_BARE, r"\1***", dsn, flags=re.I)


class GtfsConnection(psycopg2.extensions.connection):
    """A psycopg2 connection that can open a sibling connection to the same database.

    The loader uses siblings to COPY one large file over several server processes
    (psycopg2's own ``dsn`` attribute hides the password, so it cannot do that).
    """

    _gtfs_dsn: str

    def sibling(self) -> "GtfsConnection":
        return connect(self._gtfs_dsn)


def connect(dsn: str | None = None) -> GtfsConnection:
    dsn = resolve_dsn(dsn)
    try:
        conn = psycopg2.connect(dsn, application_name=APPLICATION_NAME, connection_factory=GtfsConnection)
    except psycopg2.OperationalError as exc:
        # The driver's message can echo connection parameters; keep only its first line
        # after redaction.
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise GtfsPipelineError(f"cannot connect to {redact_dsn(dsn)}: {first}") from None
    conn._gtfs_dsn = dsn
    with conn.cursor() as cur:
        # Dates in GTFS are YYYYMMDD; make any other spelling read the same way everywhere.
        cur.execute("SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'")
    conn.commit()
    return conn


def sibling(conn) -> GtfsConnection:
    """Another connection to the same database as ``conn`` (a GtfsConnection, or any psycopg2
    connection: its parameters and password), set up as ``connect`` does; for work that runs
    beside the caller's (validation's second connection, the geometry built beside validation)."""
    if isinstance(conn, GtfsConnection):
        return conn.sibling()
    params = dict(conn.info.dsn_parameters)
    if conn.info.password:
        params["password"] = conn.info.password
    return connect(psycopg2.extensions.make_dsn(**params))


@contextmanager
def connection(dsn: str | None = None) -> Iterator[GtfsConnection]:
    conn = connect(dsn)
    try:
        yield conn
    finally:
        conn.close()


def migration_files() -> list[Path]:
    """The migrations in order; none found is an error (an install without its SQL), never a no-op."""
    return sql_files(MIGRATIONS_DIR, "[0-9][0-9][0-9][0-9]_*.sql", "schema migrations")


def pending_migrations(conn) -> list[str]:
    """Migrations not applied yet (all of them on an empty database)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('gtfs.schema_migration') IS NOT NULL")
        applied = set()
        if cur.fetchone()[0]:
            cur.execute("SELECT version FROM gtfs.schema_migration")
            applied = {r[0] for r in cur.fetchall()}
    conn.rollback()
    return [p.stem for p in migration_files() if p.stem not in applied]


def ensure_schema(conn) -> list[str]:
    """What `load` and the DAG run: init_db only when a migration is pending. init_db rewrites
    the gtfs_current views, which waits for every open reader of them; with nothing to
    migrate there is no reason to."""
    if not pending_migrations(conn):
        return []
    return init_db(conn)


def init_db(conn: psycopg2.extensions.connection) -> list[str]:
    """Apply pending migrations, then sync the GTFS tables with the reference.

    Safe to run any number of times and from several processes at once (an
    advisory lock serialises them). Returns what it did, one line per step.
    """
    done: list[str] = []
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('gtfs-pipeline init-db'))")
        cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        if cur.fetchone() is None:
            try:
                cur.execute("SAVEPOINT postgis")
                cur.execute("CREATE EXTENSION postgis")
                done.append("created extension postgis")
            except psycopg2.Error:
                conn.rollback()
                raise GtfsPipelineError(
                    "PostGIS is not installed in this database and this role may not install it: "
                    "ask an administrator to run CREATE EXTENSION postgis; then run init-db again"
                ) from None
        cur.execute("CREATE SCHEMA IF NOT EXISTS gtfs")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS gtfs.schema_migration ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT version FROM gtfs.schema_migration")
        applied = {r[0] for r in cur.fetchall()}
        for path in migration_files():
            version = path.stem
            if version in applied:
                continue
            cur.execute(path.read_text())
            cur.execute("INSERT INTO gtfs.schema_migration (version) VALUES (%s)", (version,))
            done.append(f"applied migration {version}")
        cur.execute(
            "SELECT c.relname, a.attname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'gtfs' "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "WHERE c.relkind = 'p'"
        )
        existing: dict[str, set[str]] = {}
        for table, column in cur.fetchall():
            existing.setdefault(table, set()).add(column)
        for stmt in sync_statements(existing):
            cur.execute(stmt)
        timetable.ensure_objects(cur)  # reads the GTFS tables: after they exist
        built = timetable.backfill(cur)
        if built:
            done.append(f"built the timetable of {len(built)} version(s) loaded before it existed")
        try:
            refresh_current_views(cur)
        except LockTimeout:
            conn.rollback()  # the migrations above roll back with it: nothing changed
            raise
    conn.commit()
    return done
