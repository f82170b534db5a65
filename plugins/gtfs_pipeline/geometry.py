"""Geometry of a loaded feed version: stop points, shape lines, trip and route lines.

Built once per version, set-based, by the SQL files in ``include/sql/geometry``
(one per product, run in ``GEOMETRY_STEPS`` order). Each product is a table
``gtfs.<product>`` partitioned by LIST on ``feed_version_id``, like the GTFS
tables. A build writes each version's rows into plain tables
``gtfs_part.<product>_v<id>_new`` (rows, key, GiST index), then, at the end of
the same transaction, drops the version's previous partitions, renames the new
tables and attaches them. Readers therefore see either the old geometry or the
new one, and the parents are locked only for that short swap. See
docs/geometry.md.
"""

from __future__ import annotations

import time
from pathlib import Path

from psycopg2 import sql

from .errors import GtfsPipelineError
from .paths import SQL_DIR

GEOMETRY_DIR: Path = SQL_DIR / "geometry"

# Partitioned tables built per version, in the order they are swapped in.
PRODUCTS: tuple[str, ...] = ("stop_geom", "shape_geom", "pattern_geom", "trip_geom", "route_geom")

# SQL files, in the order they run (each needs the tables of the ones before it).
GEOMETRY_STEPS: tuple[str, ...] = ("stops.sql", "shapes.sql", "trips.sql", "routes.sql", "feed_extent.sql")

# Columns of gtfs.feed_version_geometry that build_geometry returns.
COUNT_COLUMNS: tuple[str, ...] = (
    "stops", "stops_located", "stops_without_coordinates", "stops_out_of_range",
    "shapes", "shape_lines", "shapes_single_point", "shapes_with_repeated_points", "shape_points_out_of_range",
    "trips", "trips_from_shapes", "trips_derived", "trips_without_geometry", "stop_patterns",
    "routes", "routes_with_geometry",
)

PARTITION_SCHEMA = "gtfs_part"
BUILD_SUFFIX = "_new"


def partition_name(product: str, feed_version_id: int) -> str:
    return f"{product}_v{int(feed_version_id)}"


def _ident(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(PARTITION_SCHEMA), sql.Identifier(name))


def build_geometry(conn, feed_version_id: int) -> dict:
    """Build (or rebuild) the geometry of one feed version; returns its counts.

    Runs after all files of the version are loaded (status 'loading', 'loaded',
    'published' or 'superseded'). Idempotent: a rebuild replaces the version's
    geometry partitions and its row in ``gtfs.feed_version_geometry`` in one
    transaction, and leaves no duplicates. Other versions are not touched.

    The returned dict has ``feed_version_id``, the integer counts named in
    ``COUNT_COLUMNS`` (stops, stops_located, stops_without_coordinates, ...,
    routes_with_geometry), ``seconds`` (wall time of the build, commit
    included) and ``step_seconds`` (seconds per SQL file, and of the swap).

    ``conn`` is a psycopg2 connection (``db.connect``); the function commits
    it. Raises GtfsPipelineError when the version does not exist or failed.
    """
    vid = int(feed_version_id)
    started = time.monotonic()
    names = {p: partition_name(p, vid) for p in PRODUCTS}
    placeholders = {p: _ident(n + BUILD_SUFFIX) for p, n in names.items()}
    params = {"feed_version_id": vid}
    step_seconds: dict[str, float] = {}
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
            row = cur.fetchone()
            if row is None:
                raise GtfsPipelineError(f"no feed version {vid}")
            if row[0] == "failed":
                raise GtfsPipelineError(f"feed version {vid} failed to load; it has no rows to build geometry from")
            # One build of a version at a time (they share the *_new table names).
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended('gtfs-pipeline geometry', %s))", (vid,))
            for step in GEOMETRY_STEPS:
                step_started = time.monotonic()
                text = (GEOMETRY_DIR / step).read_text()
                cur.execute(sql.SQL(text).format(**placeholders), params)
                step_seconds[step] = round(time.monotonic() - step_started, 3)
            step_started = time.monotonic()
            for product in PRODUCTS:
                _swap_in(cur, product, names[product], vid)
            step_seconds["swap"] = round(time.monotonic() - step_started, 3)
            cur.execute(
                sql.SQL("SELECT {} FROM gtfs.feed_version_geometry WHERE feed_version_id = %s").format(
                    sql.SQL(", ").join(map(sql.Identifier, COUNT_COLUMNS))),
                (vid,))
            counts = dict(zip(COUNT_COLUMNS, cur.fetchone()))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    counts = {"feed_version_id": vid, **{k: int(v) for k, v in counts.items()}}
    counts["seconds"] = round(time.monotonic() - started, 3)
    counts["step_seconds"] = step_seconds
    return counts


def _swap_in(cur, product: str, name: str, vid: int) -> None:
    """Replace the version's partition of ``gtfs.<product>`` by the table just built."""
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(name)))
    cur.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(_ident(name + BUILD_SUFFIX), sql.Identifier(name)))
    # Index (and key) names follow the table: <name>_new_pkey -> <name>_pkey.
    cur.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " WHERE x.indrelid = %s::regclass", (f"{PARTITION_SCHEMA}.{name}",))
    prefix = name + BUILD_SUFFIX
    for (index_name,) in cur.fetchall():
        if index_name.startswith(prefix):
            cur.execute(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                _ident(index_name), sql.Identifier(name + index_name[len(prefix):])))
    cur.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        sql.SQL("gtfs.{}").format(sql.Identifier(product)), _ident(name), sql.Literal(vid)))


def drop_geometry(cur, feed_version_id: int) -> None:
    """Delete a version's geometry: its partitions, its feed_version_geometry row
    and its geometry notices.

    Takes a cursor and does not commit: meant to run inside the transaction
    that drops the version's other rows (``versions._drop_partitions``), after
    its GTFS partitions are dropped (same lock order as build_geometry).
    """
    vid = int(feed_version_id)
    for product in PRODUCTS:
        for name in (partition_name(product, vid), partition_name(product, vid) + BUILD_SUFFIX):
            cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(name)))
    cur.execute("DELETE FROM gtfs.feed_version_geometry WHERE feed_version_id = %s", (vid,))
    cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %s AND source = 'geometry'", (vid,))
