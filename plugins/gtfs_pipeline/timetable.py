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



# --- what changed between two versions ----------------------------------------------------------

DIFF_COLUMNS = ("filename", "rows_before", "rows_after", "rows_added", "rows_removed", "rows_changed")
CHANGE_KINDS = ("route_added", "route_removed", "stop_added", "stop_removed", "date_gained", "date_lost")


def _complete_version(cur, feed_version_id: int) -> tuple[str, dict[str, str | None]]:
    """(feed id, {file name: sha256}) of a version that has its rows; else a clear error."""
    cur.execute("SELECT feed_id, status FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
    row = cur.fetchone()
    if row is None:
        raise GtfsPipelineError(f"no feed version {feed_version_id}")
    if row[1] not in COMPLETE_STATES:
        raise GtfsPipelineError(f"feed version {feed_version_id} is {row[1]}: only a version whose files are all "
                                "loaded can be compared")
    cur.execute("SELECT filename, sha256 FROM gtfs.feed_version_file WHERE feed_version_id = %s",
                (feed_version_id,))
    return row[0], dict(cur.fetchall())


def _file_diff_sql(gtfs_file) -> sql.Composable:
    table = sql.SQL("gtfs.{}").format(sql.Identifier(gtfs_file.table))
    columns = [c.name for c in gtfs_file.columns]
    column_list = sql.SQL(", ").join(map(sql.Identifier, columns))
    key = list(gtfs_file.primary_key)
    if not key:
        return sql.SQL(_sql_text("diff_all_fields.sql")).format(table=table, columns=column_list)
    if any(not gtfs_file.column_by_name[k].required for k in key):
        return sql.SQL(_sql_text("diff_nullable_key.sql")).format(
            table=table, key=sql.SQL(", ").join(map(sql.Identifier, key)), columns=column_list)
    rest = [c for c in columns if c not in key]

    def side(alias: str, names: list[str]) -> sql.Composable:
        return sql.SQL(", ").join(sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(n)) for n in names)

    changed = (sql.SQL("ROW({}) IS DISTINCT FROM ROW({})").format(side("o", rest), side("n", rest))
               if rest else sql.SQL("false"))
    return sql.SQL(_sql_text("diff_keyed.sql")).format(
        table=table, on=sql.SQL(" AND ").join(
            sql.SQL("o.{0} = n.{0}").format(sql.Identifier(k)) for k in key),
        o_key=sql.SQL("o.{}").format(sql.Identifier(key[0])), n_key=sql.SQL("n.{}").format(sql.Identifier(key[0])),
        changed=changed)


def compute_diff(cur, old_version_id: int, new_version_id: int) -> dict:
    """What changed from version ``old`` to version ``new`` (any two versions whose files are
    loaded, usually of one feed): per GTFS file in either, rows before and after and rows added,
    removed and changed by the reference's primary key; routes and stops added and removed; dates
    gained and lost. A file whose bytes are the same in both is counted, not compared."""
    old, new = int(old_version_id), int(new_version_id)
    old_feed, old_files = _complete_version(cur, old)
    new_feed, new_files = _complete_version(cur, new)
    params = {"old": old, "new": new}
    files = []
    for f in FILES:
        if f.name not in old_files and f.name not in new_files:
            continue
        same_bytes = old_files.get(f.name) is not None and old_files.get(f.name) == new_files.get(f.name)
        if same_bytes:
            cur.execute(sql.SQL("SELECT count(*) FROM gtfs.{} WHERE feed_version_id = %(new)s").format(
                sql.Identifier(f.table)), params)
            n = cur.fetchone()[0]
            counts = (n, n, 0, 0, 0)
        else:
            cur.execute(_file_diff_sql(f), params)
            counts = cur.fetchone()
        files.append(dict(zip(DIFF_COLUMNS, (f.name, *(int(c) for c in counts)))))
    cur.execute(_sql_text("diff_changes.sql"), params)
    changes: dict[str, list] = {k: [] for k in CHANGE_KINDS}
    for kind, id_, date in cur.fetchall():
        changes[kind].append(date if id_ is None else id_)
    return {"previous_version_id": old, "feed_version_id": new, "previous_feed_id": old_feed, "feed_id": new_feed,
            "files": files, "changes": changes}


def store_diff(cur, old_version_id: int, new_version_id: int) -> dict:
    """compute_diff, written to gtfs.feed_version_diff and gtfs.feed_version_change (replacing what
    was there for the pair). Does not commit."""
    diff = compute_diff(cur, old_version_id, new_version_id)
    old, new = diff["previous_version_id"], diff["feed_version_id"]
    for table in ("feed_version_diff", "feed_version_change"):
        cur.execute(sql.SQL("DELETE FROM gtfs.{} WHERE feed_version_id = %s AND previous_version_id = %s").format(
            sql.Identifier(table)), (new, old))
    for row in diff["files"]:
        cur.execute("INSERT INTO gtfs.feed_version_diff (feed_version_id, previous_version_id, filename, rows_before,"
                    " rows_after, rows_added, rows_removed, rows_changed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                    (new, old, *(row[c] for c in DIFF_COLUMNS)))
    items = [(new, old, kind, None if kind.startswith("date") else v, v if kind.startswith("date") else None)
             for kind, values in diff["changes"].items() for v in values]
    if items:
        from psycopg2.extras import execute_values
        execute_values(cur, "INSERT INTO gtfs.feed_version_change (feed_version_id, previous_version_id, kind, id, date)"
                            " VALUES %s", items, page_size=1000)
    return diff


def stored_diff(cur, new_version_id: int) -> dict | None:
    """The diff written when ``new_version_id`` was published (against the version it
    superseded), or None."""
    cur.execute("SELECT previous_version_id FROM gtfs.feed_version_diff WHERE feed_version_id = %s"
                " ORDER BY previous_version_id DESC LIMIT 1", (new_version_id,))
    row = cur.fetchone()
    if row is None:
        return None
    old = row[0]
    cur.execute("SELECT filename, rows_before, rows_after, rows_added, rows_removed, rows_changed"
                " FROM gtfs.feed_version_diff WHERE feed_version_id = %s AND previous_version_id = %s",
                (new_version_id, old))
    order = {f.name: i for i, f in enumerate(FILES)}
    files = sorted((dict(zip(DIFF_COLUMNS, r)) for r in cur.fetchall()), key=lambda d: order.get(d["filename"], 99))
    cur.execute("SELECT kind, id, date FROM gtfs.feed_version_change WHERE feed_version_id = %s"
                " AND previous_version_id = %s ORDER BY kind, id, date", (new_version_id, old))
    changes: dict[str, list] = {k: [] for k in CHANGE_KINDS}
    for kind, id_, date in cur.fetchall():
        changes[kind].append(date if id_ is None else id_)
    return {"previous_version_id": old, "feed_version_id": new_version_id, "files": files, "changes": changes}


def _date_ranges(dates: list) -> list[str]:
    """Consecutive dates as 'first..last' (one date alone as itself)."""
    out: list[str] = []
    start = prev = None
    for d in sorted(dates):
        if prev is not None and (d - prev).days == 1:
            prev = d
            continue
        if start is not None:
            out.append(str(start) if start == prev else f"{start}..{prev}")
        start = prev = d
    if start is not None:
        out.append(str(start) if start == prev else f"{start}..{prev}")
    return out


def describe_diff(diff: dict, *, limit: int = 20) -> list[str]:
    """The diff as lines of text (the CLI's output, the run summary's)."""
    lines = [f"version {diff['feed_version_id']} against version {diff['previous_version_id']}:"]
    changed = [f for f in diff["files"] if f["rows_added"] or f["rows_removed"] or f["rows_changed"]]
    for f in changed:
        lines.append(f"  {f['filename']}: {f['rows_before']} -> {f['rows_after']} rows, +{f['rows_added']} added, "
                     f"-{f['rows_removed']} removed, ~{f['rows_changed']} changed")
    if not changed:
        lines.append("  no rows added, removed or changed")
    for kind in CHANGE_KINDS:
        values = diff["changes"].get(kind) or []
        if not values:
            continue
        shown = _date_ranges(values) if kind.startswith("date") else [str(v) for v in values]
        more = f" (and {len(shown) - limit} more)" if len(shown) > limit else ""
        lines.append(f"  {kind.replace('_', ' ')} ({len(values)}): {', '.join(shown[:limit])}{more}")
    return lines


def _diff_for_version(cur, feed_version_id: int) -> dict | None:
    """The diff stored at the version's publish; before its publish (the report is written while
    it validates), computed against its feed's current version. None for a feed's first version."""
    stored = stored_diff(cur, feed_version_id)
    if stored is not None:
        return stored
    cur.execute("SELECT f.current_version_id FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id)"
                " WHERE v.feed_version_id = %s", (feed_version_id,))
    row = cur.fetchone()
    if not row or row[0] is None or row[0] == feed_version_id:
        return None
    return compute_diff(cur, row[0], feed_version_id)


def summary_line(cur, feed_version_id: int) -> str | None:
    """One line for the run summary: what the version changed against the one it superseded."""
    diff = stored_diff(cur, feed_version_id)
    if diff is None:
        return None
    files = [f"{f['filename']} +{f['rows_added']} -{f['rows_removed']} ~{f['rows_changed']}" for f in diff["files"]
             if f["rows_added"] or f["rows_removed"] or f["rows_changed"]]
    counts = [f"{len(v)} {k.replace('_', ' ')}" for k, v in diff["changes"].items() if v]
    what = "; ".join(filter(None, [", ".join(files), ", ".join(counts)])) or "no rows added, removed or changed"
    return f"changes against version {diff['previous_version_id']}: {what}"


def report_section(cur, feed_version_id: int) -> tuple[str, str] | None:
    """The validation report's "What changed" section (report.EXTRA_SECTIONS)."""
    import html

    diff = _diff_for_version(cur, feed_version_id)
    if diff is None:
        return None
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f['filename'])}</td><td class='n'>{f['rows_before']:,}</td><td class='n'>{f['rows_after']:,}</td>"
        f"<td class='n'>{f['rows_added']:,}</td><td class='n'>{f['rows_removed']:,}</td>"
        f"<td class='n'>{f['rows_changed']:,}</td></tr>" for f in diff["files"])
    items = []
    for kind in CHANGE_KINDS:
        values = diff["changes"].get(kind) or []
        if values:
            shown = _date_ranges(values) if kind.startswith("date") else [str(v) for v in values]
            more = f" and {len(shown) - 50} more" if len(shown) > 50 else ""
            items.append(f"<li>{e(kind.replace('_', ' '))} ({len(values)}): {e(', '.join(shown[:50]))}{more}</li>")
    body = (f"<p id='diff'>Against version {diff['previous_version_id']}, by each file's primary key.</p>"
            "<table><tr><th>file</th><th>rows before</th><th>rows after</th><th>added</th><th>removed</th>"
            f"<th>changed</th></tr>{rows}</table><ul>{''.join(items)}</ul>")
    return "What changed", body
