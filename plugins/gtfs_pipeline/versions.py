"""A feed version's life: start, load its files, finish, publish; or fail; or drop.

The DAG runs these steps as separate tasks (one load task per file); the
command line runs them in one process. Both call exactly these functions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from . import archive
from .archive import ArchiveLayout, Member
from . import validation
from .errors import FeedError, GtfsPipelineError, VersionBlocked
from .geometry import build_geometry, drop_geometry
from .loader import FileResult, ProgressFn, keep_extra_member, load_gtfs_file, load_locations_geojson
from .reference import FILES, required_file_problems
from . import settings
from .schema import partition_ident, partition_name, refresh_current_views


@dataclass
class VersionPlan:
    """What a started version needs loaded: small enough to pass between tasks."""

    feed_id: str
    feed_version_id: int
    sha256: str
    content_sha256: str
    members: list[dict]  # {name, archive_name, size, kind}

    def member(self, name: str) -> Member:
        for m in self.members:
            if m["name"] == name:
                return Member(**m)
        raise GtfsPipelineError(f"feed version {self.feed_version_id} has no member {name}")


FEED_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")  # the CHECK of gtfs.feed.feed_id


def ensure_feed(conn, feed_id: str, name: str | None = None, source_url: str | None = None) -> None:
    if not FEED_ID_RE.fullmatch(feed_id or ""):
        raise GtfsPipelineError(f"feed id {json.dumps(feed_id)} is not allowed: use 1 to 100 letters, digits, "
                                "'_', '.' or '-', starting with a letter or digit")
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO gtfs.feed (feed_id, name, source_url) VALUES (%s, %s, %s)"
            " ON CONFLICT (feed_id) DO UPDATE SET name = COALESCE(EXCLUDED.name, gtfs.feed.name),"
            " source_url = COALESCE(EXCLUDED.source_url, gtfs.feed.source_url)",
            (feed_id, name, source_url),
        )


def inspect_archive(source: str | Path | BinaryIO, feed_id: str, *,
                    content_hash: bool = True) -> tuple[str, str, ArchiveLayout]:
    """(sha256 of the bytes, content hash, layout) of a feed archive; raises FeedError
    when it is not a usable GTFS zip. Without ``content_hash`` the content hash is ''
    (the load computes it from the members' bytes as it reads them: finish_version)."""
    sha = archive.file_sha256(source)
    zf = archive.open_zip(source, feed_id=feed_id)
    with zf:
        layout = archive.inspect(zf, feed_id=feed_id)
        problems = required_file_problems(layout.gtfs_names)
        if problems:
            raise FeedError("; ".join(problems), feed_id=feed_id)
        content = archive.content_sha256(zf, layout, feed_id=feed_id) if content_hash else ""
    return sha, content, layout


# A one-process load (load_feed) holds a session advisory lock on its version from the moment
# the version exists until it is loaded, published or failed, and marks the version with
# file_stats.loading_session. If the process dies (SIGKILL, crash, server restart), the server
# frees the lock, and the next start_version of the feed finds the version 'loading' with its lock
# free: it marks it failed and drops its partitions. Versions started by the DAG (whose tasks run
# in separate processes, with no session spanning them) carry no mark: they count as abandoned
# once they have been 'loading' for longer than STALE_LOADING_AFTER (GTFS_LOADING_STALE_AFTER,
# default 12 hours; keep it above the DAG's dagrun_timeout), when no live run can still finish them.
VERSION_LOCK = "gtfs-pipeline version"
ABANDONED = ("abandoned: the process loading it stopped (killed, crashed or lost its database connection) "
             "before it finished; marked failed by the next load of the feed")
ABANDONED_BY_RUN = ("abandoned: still loading {age} after it was registered (the DAG run loading it died or "
                    "was stopped); marked failed by the next load of the feed")


def _lock_args(feed_version_id: int) -> tuple[str, int]:
    return VERSION_LOCK, int(feed_version_id) & 0x7FFFFFFF


def recover_abandoned_versions(conn, feed_id: str | None = None) -> list[int]:
    """Mark failed, and free the rows of, loads that nothing will finish.

    A version qualifies when it is 'loading', nobody holds its advisory lock, and
    either it was started by load_feed (it carries ``file_stats.loading_session``:
    the session that held the lock has ended) or it was started by a DAG run and
    has been loading for longer than STALE_LOADING_AFTER. Safe to run at any time
    and from several processes at once. Returns the versions recovered.
    """
    stale = settings.current().stale_version_after
    with conn.cursor() as cur:
        cur.execute("SELECT feed_version_id, file_stats ? 'loading_session' FROM gtfs.feed_version"
                    " WHERE status = 'loading' AND (%(feed)s::text IS NULL OR feed_id = %(feed)s)"
                    " AND (file_stats ? 'loading_session' OR created_at < now() - %(stale)s::interval)"
                    " ORDER BY feed_version_id", {"feed": feed_id, "stale": stale})
        candidates = cur.fetchall()
    conn.commit()
    recovered = []
    for vid, one_process in candidates:
        reason = ABANDONED if one_process else ABANDONED_BY_RUN.format(age=settings.describe_duration(stale))
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", _lock_args(vid))
            free = cur.fetchone()[0]
        conn.commit()
        if not free:
            continue  # its loader is still running
        try:
            with conn.cursor() as cur:
                cur.execute("UPDATE gtfs.feed_version SET status = 'failed', error = %s"
                            " WHERE feed_version_id = %s AND status = 'loading'", (reason, vid))
                if cur.rowcount:
                    _drop_partitions(cur, vid)
                    recovered.append(vid)
            conn.commit()
        finally:
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", _lock_args(vid))
            conn.commit()
    return recovered


def _release_version_lock(conn, feed_version_id: int) -> None:
    if conn.closed:
        return
    try:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", _lock_args(feed_version_id))
        conn.commit()
    except psycopg2.Error:
        pass  # the connection is gone, and the lock with it


def start_version(conn, feed_id: str, source: str | Path | BinaryIO, *, source_label: str | None = None,
                  feed_name: str | None = None, source_url: str | None = None, as_of: dt.date | None = None,
                  fetched_at: dt.datetime | None = None, hold_lock: bool = False,
                  defer_content_hash: bool = False) -> VersionPlan:
    """Check the archive and register a new version in status 'loading'.

    An unusable archive is recorded as a failed version (so the run can show
    why) and raises FeedError; nothing published changes. First, versions of
    this feed abandoned by a dead one-process load are recovered
    (recover_abandoned_versions). With ``hold_lock`` this session holds the new
    version's advisory lock until it releases it (load_feed does, at its end).
    With ``defer_content_hash`` the content hash is computed from the members'
    hashes taken while loading them (saves reading the whole zip once more);
    change detection then cannot use it before the load (the DAG does not defer).
    """
    label = source_label or (str(source) if isinstance(source, (str, Path)) else None)
    ensure_feed(conn, feed_id, feed_name, source_url)
    conn.commit()
    recover_abandoned_versions(conn, feed_id)
    try:
        sha, content, layout = inspect_archive(source, feed_id, content_hash=not defer_content_hash)
    except FeedError as exc:
        sha = archive.file_sha256(source) if isinstance(source, (str, Path)) and Path(source).exists() else ""
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO gtfs.feed_version (feed_id, sha256, content_sha256, source, as_of, fetched_at,"
                " status, error) VALUES (%s, %s, '', %s, %s, %s, 'failed', %s) RETURNING feed_version_id",
                (feed_id, sha, label, as_of, fetched_at, str(exc)))
        conn.commit()
        raise
    members = [m.__dict__ for m in layout.members.values()]
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO gtfs.feed_version (feed_id, sha256, content_sha256, source, as_of, fetched_at, members,"
            " file_stats) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING feed_version_id",
            (feed_id, sha, content, label, as_of, fetched_at, json.dumps({m["name"]: m for m in members}),
             json.dumps({"ignored_members": layout.ignored, **({"loading_session": True} if hold_lock else {})})),
        )
        version_id = cur.fetchone()[0]
        if hold_lock:
            # Taken before the version is committed: nobody can see it 'loading' without its lock held.
            cur.execute("SELECT pg_advisory_lock(hashtext(%s), %s)", _lock_args(version_id))
        for item in layout.ignored:
            cur.execute(
                "INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, context)"
                " VALUES (%s, 'ignored_member', 'INFO', %s, %s)",
                (version_id, item["name"], json.dumps({"reason": item["reason"]})))
    conn.commit()
    return VersionPlan(feed_id, version_id, sha, content, members)


def load_member(conn, plan: VersionPlan, zf: zipfile.ZipFile, name: str,
                progress: ProgressFn | None = None) -> FileResult:
    """Load or keep one member of a started version (the DAG's per-file task)."""
    member = plan.member(name)
    if member.kind == "gtfs":
        return load_gtfs_file(conn, plan.feed_id, plan.feed_version_id, zf, member, progress)
    if member.kind == "geojson":
        return load_locations_geojson(conn, plan.feed_id, plan.feed_version_id, zf, member)
    return keep_extra_member(conn, plan.feed_id, plan.feed_version_id, zf, member)


def finish_version(conn, feed_version_id: int) -> dict:
    """After all files loaded: check none is missing, record stats, service dates and
    (when start_version deferred it) the content hash; status becomes 'loaded'.
    Each file's partition was analysed when it was loaded."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, members, status, content_sha256 FROM gtfs.feed_version"
                    " WHERE feed_version_id = %s FOR UPDATE", (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, members, status, content = row
        if status not in ("loading", "loaded"):
            raise GtfsPipelineError(f"feed version {feed_version_id} is {status}, not loading")
        cur.execute("SELECT filename, rows, bytes, encoding, columns, unknown_columns, load_path,"
                    " duplicate_rows, seconds, archive_path, sha256 FROM gtfs.feed_version_file"
                    " WHERE feed_version_id = %s", (feed_version_id,))
        rows = cur.fetchall()
        files = {r[0]: {"rows": r[1], "bytes": r[2], "encoding": r[3], "columns": r[4],
                        "unknown_columns": r[5], "load_path": r[6], "duplicate_rows": r[7],
                        "seconds": r[8], "path": r[9]} for r in rows}
        missing = sorted(set(members) - set(files))
        if missing:
            raise FeedError(f"files not loaded: {', '.join(missing)}", feed_id=feed_id)
        if not content:
            hashes = {r[0]: r[10] for r in rows if r[0] in members}
            if None in hashes.values():
                raise GtfsPipelineError(f"feed version {feed_version_id}: a member's hash was not recorded")
            cur.execute("UPDATE gtfs.feed_version SET content_sha256 = %s WHERE feed_version_id = %s",
                        (archive.combine_member_hashes(hashes), feed_version_id))
        start, end = _service_dates(cur, feed_version_id, set(files))
        cur.execute(
            "UPDATE gtfs.feed_version SET status = 'loaded', loaded_at = now(), error = NULL,"
            " file_stats = jsonb_build_object('ignored_members', file_stats->'ignored_members') || %s::jsonb,"
            " service_start_date = %s, service_end_date = %s WHERE feed_version_id = %s",
            (json.dumps(files), start, end, feed_version_id))
    conn.commit()
    return files


def _service_dates(cur, feed_version_id: int, present: set[str]) -> tuple[dt.date | None, dt.date | None]:
    parts = []
    if "calendar.txt" in present:
        parts.append("SELECT min(start_date) s, max(end_date) e FROM gtfs.calendar WHERE feed_version_id = %(v)s")
    if "calendar_dates.txt" in present:
        parts.append("SELECT min(date) s, max(date) e FROM gtfs.calendar_dates"
                     " WHERE feed_version_id = %(v)s AND exception_type = 1")
    if not parts:
        return None, None
    cur.execute(f"SELECT min(s), max(e) FROM ({' UNION ALL '.join(parts)}) d", {"v": feed_version_id})
    return cur.fetchone()


def publish(conn, feed_version_id: int) -> None:
    """Make a loaded version its feed's current one, in one transaction."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, status FROM gtfs.feed_version WHERE feed_version_id = %s",
                    (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, status = row
        if status not in ("loaded", "published", "superseded"):
            raise GtfsPipelineError(f"feed version {feed_version_id} is {status}; only a loaded version "
                                    "can be published")
        cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s FOR UPDATE", (feed_id,))
        previous = cur.fetchone()[0]
        if previous is not None and previous != feed_version_id:
            cur.execute("UPDATE gtfs.feed_version SET status = 'superseded' WHERE feed_version_id = %s",
                        (previous,))
        cur.execute("UPDATE gtfs.feed_version SET status = 'published', published_at = now()"
                    " WHERE feed_version_id = %s", (feed_version_id,))
        cur.execute("UPDATE gtfs.feed SET current_version_id = %s WHERE feed_id = %s", (feed_version_id, feed_id))
        try:
            refresh_current_views(cur)
        except psycopg2.errors.LockNotAvailable:
            conn.rollback()
            raise GtfsPipelineError(
                f"feed {feed_id}: publishing version {feed_version_id} waited longer than {settings.current().publish_lock_timeout} "
                "for queries reading gtfs_current to finish; nothing changed (the previous version stays "
                "current): retry, or end the long-running transactions") from None
    conn.commit()


def _drop_partitions(cur, feed_version_id: int) -> None:
    for f in FILES:
        cur.execute("SELECT to_regclass(%s)", (f"gtfs_part.{partition_name(f, feed_version_id)}",))
        if cur.fetchone()[0] is not None:
            cur.execute(sql.SQL("DROP TABLE {}").format(partition_ident(f, feed_version_id)))
    for table in ("locations", "extra_file_row", "extra_file", "rejected_row"):
        cur.execute(sql.SQL("DELETE FROM gtfs.{} WHERE feed_version_id = %s").format(sql.Identifier(table)),
                    (feed_version_id,))
    # After the GTFS partitions: the other order can deadlock against a concurrent geometry build.
    drop_geometry(cur, feed_version_id)


def fail_version(conn, feed_version_id: int, error: str) -> None:
    """Mark a version failed and free its rows; the feed's published version is untouched."""
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET status = 'failed', error = %s WHERE feed_version_id = %s"
                    " AND status <> 'published'", (error, feed_version_id))
        _drop_partitions(cur, feed_version_id)
    conn.commit()


def drop_version(conn, feed_version_id: int, *, force: bool = False) -> None:
    """Delete a version and all its rows. The published version needs ``force``;
    its feed then has no current version."""
    with conn.cursor() as cur:
        cur.execute("SELECT v.feed_id, f.current_version_id FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id)"
                    " WHERE v.feed_version_id = %s", (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, current = row
        if current == feed_version_id:
            if not force:
                raise GtfsPipelineError(
                    f"feed version {feed_version_id} is the published version of feed {feed_id}; "
                    "pass --force to drop it (the feed then has no current version)")
            cur.execute("UPDATE gtfs.feed SET current_version_id = NULL WHERE feed_id = %s", (feed_id,))
            refresh_current_views(cur)
        _drop_partitions(cur, feed_version_id)
        cur.execute("DELETE FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
    conn.commit()


def list_versions(conn, feed_id: str | None = None) -> list[dict]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT v.feed_version_id, v.feed_id, v.status, v.sha256, v.content_sha256, v.source, v.as_of,"
            " v.loaded_at, v.published_at, v.service_start_date, v.service_end_date, v.error,"
            " COALESCE(f.current_version_id = v.feed_version_id, false) AS current"
            " FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id)"
            " WHERE %(feed)s::text IS NULL OR v.feed_id = %(feed)s ORDER BY v.feed_id, v.feed_version_id",
            {"feed": feed_id})
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


def load_feed(conn, source: str | Path, feed_id: str, *, publish_version: bool = True,
              feed_name: str | None = None, source_url: str | None = None, as_of: dt.date | None = None,
              progress: ProgressFn | None = None, geometry: bool = True, validate: bool = True,
              block_on: str | None = None, dsn: str | None = None, jobs: int = 1,
              on_file: Callable[[FileResult], None] | None = None) -> tuple[int, list[FileResult]]:
    """The whole load in one process: what `gtfs-pipeline load` runs.

    Files, then the version's checks and stats, its geometry, validation, and
    publish when the policy (``block_on``, see validation.policy_allows_publish)
    allows it; a blocked version stays loaded and VersionBlocked is raised.

    With ``jobs`` > 1 (and ``dsn``, for the extra connections) files load in
    parallel, largest first, each on its own connection: what the DAG's mapped
    load tasks do across workers.

    Returns (feed_version_id, per-file results). On any failure the version is
    marked failed, its rows are freed, and FeedError is raised.
    """
    plan = start_version(conn, feed_id, source, feed_name=feed_name, source_url=source_url, as_of=as_of,
                         hold_lock=True, defer_content_hash=True)
    try:
        return _load_started(conn, plan, source, publish_version=publish_version, progress=progress,
                             geometry=geometry, validate=validate, block_on=block_on, dsn=dsn, jobs=jobs,
                             on_file=on_file)
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise _connection_lost(plan, exc) from exc
    finally:
        _release_version_lock(conn, plan.feed_version_id)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _connection_lost(plan: VersionPlan, exc: BaseException) -> FeedError:
    """The version cannot be marked failed now; its lock went with the session, so the next
    load of the feed recovers it (recover_abandoned_versions)."""
    # A cleanup step on the dead connection ("cursor already closed") may hide the server's
    # own words: name the first OperationalError of the chain.
    cause, seen = exc, exc
    while seen is not None:
        if isinstance(seen, psycopg2.OperationalError):
            cause = seen
        seen = seen.__context__
    return FeedError(f"the database connection was lost during the load ({_one_line(cause)}); version "
                     f"{plan.feed_version_id} stays 'loading' until the next load of the feed marks it failed",
                     feed_id=plan.feed_id)


def _load_started(conn, plan: VersionPlan, source: str | Path, *, publish_version: bool,
                  progress: ProgressFn | None, geometry: bool, validate: bool, block_on: str | None,
                  dsn: str | None, jobs: int,
                  on_file: Callable[[FileResult], None] | None) -> tuple[int, list[FileResult]]:
    feed_id = plan.feed_id
    results: list[FileResult] = []
    try:
        if jobs > 1 and dsn:
            results = _load_files_in_parallel(dsn, plan, source, jobs, progress, on_file)
        else:
            with archive.open_zip(source, feed_id=feed_id) as zf:
                for member in _load_order(plan):
                    result = load_member(conn, plan, zf, member, progress)
                    results.append(result)
                    if on_file:
                        on_file(result)
        finish_version(conn, plan.feed_version_id)
        if geometry:
            build_geometry(conn, plan.feed_version_id)
        if validate:
            validation.validate_version(conn, plan.feed_version_id)
    except BaseException as exc:
        try:
            fail_version(conn, plan.feed_version_id, str(exc) or type(exc).__name__)
        except psycopg2.Error as lost:  # the connection is gone (server restart, network)
            raise _connection_lost(plan, exc if isinstance(exc, psycopg2.Error) else lost) from exc
        if isinstance(exc, GtfsPipelineError):
            raise
        if isinstance(exc, psycopg2.Error):
            raise FeedError(f"load failed: {type(exc).__name__}: {_one_line(exc)}", feed_id=feed_id) from exc
        if isinstance(exc, Exception):
            raise FeedError(f"load failed: {type(exc).__name__}: {exc}", feed_id=feed_id) from exc
        raise
    if publish_version:
        if validate:
            allowed, reason = validation.policy_allows_publish(conn, plan.feed_version_id, block_on)
            if not allowed:
                raise VersionBlocked(feed_id, plan.feed_version_id, reason)
        publish(conn, plan.feed_version_id)
    return plan.feed_version_id, results


def _load_files_in_parallel(dsn: str, plan: VersionPlan, source: str | Path, jobs: int,
                            progress: ProgressFn | None,
                            on_file: Callable[[FileResult], None] | None) -> list[FileResult]:
    """Each worker thread has its own connection and its own handle on the zip."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from .db import connect

    local = threading.local()
    opened: list = []
    lock = threading.Lock()

    def work(name: str) -> FileResult:
        if not hasattr(local, "conn"):
            local.conn = connect(dsn)
            local.zf = archive.open_zip(source, feed_id=plan.feed_id)
            with lock:
                opened.append((local.conn, local.zf))
        result = load_member(local.conn, plan, local.zf, name, progress)
        if on_file:
            with lock:
                on_file(result)
        return result

    sizes = {m["name"]: m["size"] for m in plan.members}
    order = sorted(_load_order(plan), key=lambda n: -sizes[n])
    try:
        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="gtfs-load") as pool:
            results = list(pool.map(work, order))
    finally:
        for c, zf in opened:
            zf.close()
            c.close()
    rank = {n: i for i, n in enumerate(_load_order(plan))}
    return sorted(results, key=lambda r: rank[r.filename])


def _load_order(plan: VersionPlan) -> list[str]:
    """Reference files first (in reference order), then the rest by name."""
    order = {f.name: i for i, f in enumerate(FILES)}
    return [m["name"] for m in sorted(plan.members, key=lambda m: (order.get(m["name"], len(order)), m["name"]))]
