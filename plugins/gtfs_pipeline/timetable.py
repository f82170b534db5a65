"""The timetable of a feed version: service days, arrivals and departures, what changed.

Built once per version at finalize (versions.finish_version calls ``build_version``), set-based,
by the SQL files in ``include/sql/timetable``:

- ``indexes.sql``: indexes on the version's partitions (stop_times by stop and departure time,
  trips by route and by service, stops by parent station);
- ``service_days.sql``: the partition ``gtfs_part.service_days_v<id>`` of ``gtfs.service_days``,
  one row per (service_id, date) the service runs, with ``t_base`` ("noon minus 12 h" of the date
  in the version's time zone);
- ``views.sql`` (run by init-db, ``ensure_objects``): the view ``gtfs.arrivals_departures`` and
  the functions ``gtfs.departures`` and ``gtfs_current.departures``.

The version's time zone is the ``agency_timezone`` of the first agency of agency.txt: the GTFS
reference says stop_times.txt's times are in the agency's time zone (even at a stop whose
``stop_timezone`` differs) and that every agency of a feed has the same one. See
docs/data-model.md, "Timetable".
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from psycopg2 import sql

from .errors import GtfsPipelineError
from .paths import SQL_DIR
from .reference import FILES

TIMETABLE_DIR: Path = SQL_DIR / "timetable"
PARTITION_SCHEMA = "gtfs_part"

# Finished versions (their files are all loaded) that have, or should have, a timetable.
COMPLETE_STATES = ("validating", "publishing", "loaded", "published", "superseded")


def _sql_text(name: str) -> str:
    path = TIMETABLE_DIR / name
    try:
        return path.read_text()
    except OSError as exc:
        raise GtfsPipelineError(f"the timetable SQL file {path} cannot be read: {exc.strerror or exc}") from None


def service_days_partition(feed_version_id: int) -> str:
    return f"service_days_v{int(feed_version_id)}"


def _ident(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(PARTITION_SCHEMA), sql.Identifier(name))


def _exists(cur, name: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{PARTITION_SCHEMA}.{name}",))
    return bool(cur.fetchone()[0])


def ensure_objects(cur) -> None:
    """Create or replace the timetable's view and functions (init-db, after the GTFS tables exist
    and before the gtfs_current views are rewritten)."""
    cur.execute(_sql_text("views.sql"))


def version_timezone(cur, feed_version_id: int) -> tuple[str | None, str | None]:
    """(time zone used, time zone given): the first agency's agency_timezone, used only when
    PostgreSQL knows it (else None: the version's t_base, t_arrival and t_departure are NULL)."""
    cur.execute("SELECT agency_timezone FROM gtfs.agency WHERE feed_version_id = %s"
                " ORDER BY line_number NULLS LAST LIMIT 1", (feed_version_id,))
    row = cur.fetchone()
    given = row[0].strip() if row and row[0] else None
    if not given:
        return None, given
    cur.execute("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = %s)", (given,))
    return (given if cur.fetchone()[0] else None), given


def build_indexes(cur, feed_version_id: int) -> None:
    """The blocks of indexes.sql whose partitions the version has."""
    vid = int(feed_version_id)
    parts = {f.table: f"{f.table}_v{vid}" for f in FILES}
    for block in re.split(r"\n\s*\n", _sql_text("indexes.sql")):
        statements = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("--"))
        if not statements.strip():
            continue
        names = set(re.findall(r"\{(\w+)\}", statements))
        tables = {n for n in names if n in parts}
        if not all(_exists(cur, parts[t]) for t in tables):
            continue
        values: dict[str, sql.Composable] = {}
        for n in names:
            if n in parts:
                values[n] = _ident(parts[n])
            else:  # an index name: <table>_<suffix> -> <table>_v<id>_<suffix>
                table = next(t for t in sorted(tables, key=len, reverse=True) if n.startswith(t + "_"))
                values[n] = sql.Identifier(f"{parts[table]}{n[len(table):]}")
        cur.execute(sql.SQL(statements).format(**values))


def build_service_days(cur, feed_version_id: int, timezone: str | None) -> None:
    """(Re)build the version's partition of gtfs.service_days and attach it."""
    vid = int(feed_version_id)
    name = service_days_partition(vid)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(name)))
    cur.execute(sql.SQL(_sql_text("service_days.sql")).format(service_days=_ident(name)),
                {"feed_version_id": vid, "timezone": timezone})
    cur.execute(sql.SQL("ALTER TABLE gtfs.service_days ATTACH PARTITION {} FOR VALUES IN ({})").format(
        _ident(name), sql.Literal(vid)))


def build_version(cur, feed_version_id: int) -> dict:
    """Build the timetable of a version whose files are all loaded: its indexes, its service days
    and its row of gtfs.feed_version_timetable. Runs in the caller's transaction (finalize) and
    does not commit; idempotent (a retried finalize rebuilds). Returns the row as a dict."""
    vid = int(feed_version_id)
    steps: dict[str, float] = {}
    # The agency first: the same order as drop_version_rows takes the GTFS parents' locks.
    timezone, given = version_timezone(cur, vid)
    started = time.monotonic()
    build_indexes(cur, vid)
    steps["indexes.sql"] = round(time.monotonic() - started, 3)
    started = time.monotonic()
    build_service_days(cur, vid, timezone)
    steps["service_days.sql"] = round(time.monotonic() - started, 3)
    cur.execute(
        """
        WITH services AS (
            SELECT service_id FROM gtfs.calendar WHERE feed_version_id = %(v)s
            UNION SELECT service_id FROM gtfs.calendar_dates WHERE feed_version_id = %(v)s
        ), days AS (
            SELECT service_id, count(*) AS n, min(date) AS first, max(date) AS last
              FROM gtfs.service_days WHERE feed_version_id = %(v)s GROUP BY service_id
        )
        INSERT INTO gtfs.feed_version_timetable AS t (feed_version_id, timezone, given_timezone, service_days,
               services, services_without_days, first_date, last_date, step_seconds, built_at)
        SELECT %(v)s, %(tz)s, %(given)s, COALESCE(sum(d.n), 0), count(*) FILTER (WHERE s.service_id IS NOT NULL),
               count(*) FILTER (WHERE d.service_id IS NULL), min(d.first), max(d.last), %(steps)s, now()
          FROM services s LEFT JOIN days d USING (service_id)
        ON CONFLICT (feed_version_id) DO UPDATE SET timezone = EXCLUDED.timezone,
               given_timezone = EXCLUDED.given_timezone, service_days = EXCLUDED.service_days,
               services = EXCLUDED.services, services_without_days = EXCLUDED.services_without_days,
               first_date = EXCLUDED.first_date, last_date = EXCLUDED.last_date,
               step_seconds = EXCLUDED.step_seconds, built_at = EXCLUDED.built_at
        RETURNING t.timezone, t.given_timezone, t.service_days, t.services, t.services_without_days,
                  t.first_date, t.last_date
        """,
        {"v": vid, "tz": timezone, "given": given, "steps": json.dumps(steps)})
    row = cur.fetchone()
    keys = ("timezone", "given_timezone", "service_days", "services", "services_without_days",
            "first_date", "last_date")
    return {"feed_version_id": vid, **dict(zip(keys, row)), "step_seconds": steps}


def drop_version(cur, feed_version_id: int) -> None:
    """Delete a version's timetable (its service_days partition, its rows of the timetable
    tables). Takes a cursor, does not commit: runs inside drop_version_rows' transaction, after
    the GTFS partitions are dropped (the lock order of build_version)."""
    vid = int(feed_version_id)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(_ident(service_days_partition(vid))))
    cur.execute("DELETE FROM gtfs.feed_version_timetable WHERE feed_version_id = %s", (vid,))
    cur.execute("DELETE FROM gtfs.feed_version_diff WHERE %s IN (feed_version_id, previous_version_id)", (vid,))
    cur.execute("DELETE FROM gtfs.feed_version_change WHERE %s IN (feed_version_id, previous_version_id)", (vid,))


def backfill(cur) -> list[int]:
    """Build the timetable of every complete version that has none (versions loaded before
    migration 0006); init-db runs it. Returns their ids."""
    cur.execute("SELECT v.feed_version_id FROM gtfs.feed_version v WHERE v.status = ANY(%s)"
                " AND NOT EXISTS (SELECT 1 FROM gtfs.feed_version_timetable t"
                " WHERE t.feed_version_id = v.feed_version_id) ORDER BY v.feed_version_id",
                (list(COMPLETE_STATES),))
    ids = [r[0] for r in cur.fetchall()]
    for vid in ids:
        build_version(cur, vid)
    return ids

