"""Database layout derived from the GTFS reference.

Each GTFS file becomes a table ``gtfs.<file>`` partitioned by LIST on
``feed_version_id``. A version's rows for one file live in one partition
``gtfs_part.<file>_v<id>``, built as a plain table (COPY, then its key), then
attached; so a version loads without touching other versions' indexes, and
drops instantly. ``gtfs_current.<file>`` shows the rows of each feed's published
version (see refresh_current_views).
"""

from __future__ import annotations

import psycopg2.errors
from psycopg2 import sql

from . import settings
from .errors import LockTimeout
from .reference import FILES, GtfsFile

# Columns every GTFS table has besides the reference's own.
VERSION_COLUMN = "feed_version_id"
EXTRAS_COLUMN = "extras"  # jsonb: header name -> text of columns the reference does not define
LINE_COLUMN = "line_number"  # CSV line of the record (header is line 1)

PARENT_SCHEMA = "gtfs"
PARTITION_SCHEMA = "gtfs_part"
CURRENT_SCHEMA = "gtfs_current"


def table_columns(gtfs_file: GtfsFile) -> list[tuple[str, str]]:
    """(name, SQL type) of every column of the file's table, in table order."""
    return (
        [(VERSION_COLUMN, "bigint NOT NULL")]
        + [(c.name, c.sql_type) for c in gtfs_file.columns]
        + [(EXTRAS_COLUMN, "jsonb"), (LINE_COLUMN, "bigint")]
    )


def key_is_nullable(gtfs_file: GtfsFile) -> bool:
    """A key with an optional column (e.g. agency_id) cannot be a PRIMARY KEY."""
    return any(not gtfs_file.column_by_name[k].required for k in gtfs_file.primary_key)


def partition_name(gtfs_file: GtfsFile, feed_version_id: int) -> str:
    return f"{gtfs_file.table}_v{int(feed_version_id)}"


def partition_ident(gtfs_file: GtfsFile, feed_version_id: int) -> sql.Composed:
    return sql.SQL("{}.{}").format(
        sql.Identifier(PARTITION_SCHEMA), sql.Identifier(partition_name(gtfs_file, feed_version_id))
    )


def parent_ident(gtfs_file: GtfsFile) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(PARENT_SCHEMA), sql.Identifier(gtfs_file.table))


def key_constraint_sql(gtfs_file: GtfsFile, constraint_name: str) -> sql.Composable | None:
    """The key of a version's rows: PRIMARY KEY, or UNIQUE NULLS NOT DISTINCT when
    the reference lets a key column be empty (agency_id in a one-agency feed)."""
    if not gtfs_file.primary_key:
        return None
    cols = sql.SQL(", ").join(map(sql.Identifier, (VERSION_COLUMN, *gtfs_file.primary_key)))
    kind = sql.SQL("UNIQUE NULLS NOT DISTINCT") if key_is_nullable(gtfs_file) else sql.SQL("PRIMARY KEY")
    return sql.SQL("CONSTRAINT {} {} ({})").format(sql.Identifier(constraint_name), kind, cols)


def sync_statements(existing_columns: dict[str, set[str]]) -> list[sql.Composable]:
    """Statements that bring the GTFS tables in line with the reference.

    ``existing_columns`` maps table name to its current columns. Tables are
    created when missing; reference columns added since are appended (they
    also reach every partition). Nothing is ever dropped.
    """
    statements: list[sql.Composable] = []
    for f in FILES:
        cols = table_columns(f)
        have = existing_columns.get(f.table)
        if have is None:
            column_defs = sql.SQL(",\n    ").join(
                sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in cols
            )
            parts: list[sql.Composable] = [column_defs]
            key = key_constraint_sql(f, f"{f.table}_key")
            if key is not None:
                parts.append(key)
            statements.append(
                sql.SQL("CREATE TABLE {} (\n    {}\n) PARTITION BY LIST ({})").format(
                    parent_ident(f), sql.SQL(",\n    ").join(parts), sql.Identifier(VERSION_COLUMN)
                )
            )
        else:
            for n, t in cols:
                if n not in have:
                    statements.append(
                        sql.SQL("ALTER TABLE {} ADD COLUMN {} {}").format(
                            parent_ident(f), sql.Identifier(n), sql.SQL(t)
                        )
                    )
    return statements


def refresh_current_views(cur) -> list[int]:
    """(Re)write every view of ``gtfs_current`` with the published version ids as constants.

    Each view ``gtfs_current.X`` shows ``gtfs.X`` filtered on the feeds'
    ``current_version_id``s, written into the view as a constant list: the
    planner then prunes every other version's partitions at plan time, so a
    query's planning, locking and cost (and whether JIT kicks in) do not grow
    with the number of versions kept. (A subquery in the view only prunes at
    run time: with 150 versions a one-stop query spent half a second in JIT.)
    Called in the publishing transaction, so readers see the switch atomically.
    Views are created for every GTFS table; other views in gtfs_current (e.g.
    geometry) are created by their migrations and rewritten here.
    """
    cur.execute("SELECT pg_advisory_xact_lock(hashtext('gtfs-pipeline current views'))")
    # Rewriting a view waits for queries reading it; do not wait forever behind an
    # idle analyst transaction (and block every new reader meanwhile): GTFS_PUBLISH_LOCK_TIMEOUT.
    cur.execute("SELECT set_config('lock_timeout', %s, true)", (settings.current().publish_lock_timeout,))
    cur.execute("SELECT coalesce(array_agg(current_version_id ORDER BY current_version_id), '{}')"
                " FROM gtfs.feed WHERE current_version_id IS NOT NULL")
    ids: list[int] = [int(v) for v in cur.fetchone()[0]]
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'v'", (CURRENT_SCHEMA,))
    names = {r[0] for r in cur.fetchall()} | {f.table for f in FILES}
    if ids:
        condition = sql.SQL("t.{} IN ({})").format(
            sql.Identifier(VERSION_COLUMN), sql.SQL(", ").join(map(sql.Literal, ids)))
    else:
        condition = sql.SQL("false")
    try:
        for name in sorted(names):
            cur.execute("SELECT to_regclass(%s)", (f"{PARENT_SCHEMA}.{name}",))
            if cur.fetchone()[0] is None:
                continue
            cur.execute(sql.SQL("CREATE OR REPLACE VIEW {}.{} AS SELECT t.* FROM {}.{} t WHERE {}").format(
                sql.Identifier(CURRENT_SCHEMA), sql.Identifier(name), sql.Identifier(PARENT_SCHEMA),
                sql.Identifier(name), condition))
    except psycopg2.errors.LockNotAvailable:
        # The caller's transaction is aborted: it rolls back, nothing changed.
        raise LockTimeout(f"waited longer than {settings.current().publish_lock_timeout} "
                          "(GTFS_PUBLISH_LOCK_TIMEOUT) for queries reading gtfs_current to finish; nothing "
                          "changed: retry, or end the long-running transactions") from None
    return ids
