"""A feed version's rows: register it, load its files, finish it, make it current, drop it.

The DAG runs these steps as separate tasks (one load task per file); the command
line runs them in one process (load_feed). Both call exactly these functions;
the states, owners, recovery and the publish decision are lifecycle.py's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from . import archive, db, lifecycle, settings, timetable, validation
from .archive import ArchiveLayout, Member
from .errors import FeedError, GtfsPipelineError, LockTimeout, MissingFilesError, VersionBlocked
from .geometry import build_geometry, drop_geometry
from .lifecycle import NotCurrent, Owner, Recovered, State
from .loader import FileResult, ProgressFn, keep_extra_member, load_gtfs_file, load_locations_geojson
from .reference import FILES, missing_required_files
from .schema import partition_ident, partition_name, refresh_current_views

log = logging.getLogger(__name__)


@dataclass
class VersionPlan:
    """What a started version needs loaded: small enough to pass between tasks."""

    feed_id: str
    feed_version_id: int
    sha256: str
    content_sha256: str
    members: list[dict]  # {name, archive_name, size, kind}
    recovered: tuple[Recovered, ...] = ()  # versions of the feed its registration recovered

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


def inspect_archive(source: str | Path | BinaryIO, feed_id: str, *, content_hash: bool = True,
                    sha256: str | None = None) -> tuple[str, str, ArchiveLayout]:
    """(sha256 of the bytes, content hash, layout) of a feed archive; raises FeedError
    when it is not a usable GTFS zip. Without ``content_hash`` the content hash is ''
    (the load computes it from the members' bytes as it reads them: finish_version).
    ``sha256``: the bytes' hash when the caller has it already."""
    sha = sha256 or archive.file_sha256(source)
    zf = archive.open_zip(source, feed_id=feed_id)
    with zf:
        layout = archive.inspect(zf, feed_id=feed_id)
        missing = missing_required_files(layout.gtfs_names)
        if missing:
            raise MissingFilesError(missing, feed_id=feed_id)
        content = archive.content_sha256(zf, layout, feed_id=feed_id) if content_hash else ""
    return sha, content, layout


def start_version(conn, feed_id: str, source: str | Path | BinaryIO, *, source_label: str | None = None,
                  feed_name: str | None = None, source_url: str | None = None, as_of: dt.date | None = None,
                  fetched_at: dt.datetime | None = None, hold_lock: bool = False, owner: Owner | None = None,
                  defer_content_hash: bool = False,
                  run_over: Callable[[str], bool | None] | None = None) -> VersionPlan:
    """Check the archive and register a new version in state 'loading', owned by ``owner``.

    First the feed's abandoned versions are recovered (lifecycle.recover_abandoned; the plan
    lists them). An unusable archive is recorded as a failed version (so the run can show why)
    and raises FeedError; nothing published changes. With ``hold_lock`` (a one-process load:
    owner defaults to this session) the session holds the new version's lock until it releases
    it (lifecycle.release); otherwise the owner is a DAG run (``owner``), alive until its deadline.
    With ``defer_content_hash`` the content hash is computed from the members' hashes taken while
    loading them (saves reading the whole zip once more).
    """
    owner = owner or (Owner.session() if hold_lock else Owner.run(None))
    if (owner.kind == "session") != hold_lock:
        raise GtfsPipelineError("a session-owned version needs hold_lock=True, a run-owned one hold_lock=False")
    label = source_label or (str(source) if isinstance(source, (str, Path)) else None)
    ensure_feed(conn, feed_id, feed_name, source_url)
    conn.commit()
    recovered = lifecycle.recover_abandoned(conn, feed_id, by=owner.label, run_over=run_over)
    try:
        sha, content, layout = inspect_archive(source, feed_id, content_hash=not defer_content_hash)
    except FeedError as exc:
        sha = archive.file_sha256(source) if isinstance(source, (str, Path)) and Path(source).exists() else ""
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO gtfs.feed_version (feed_id, sha256, content_sha256, source, as_of, fetched_at,"
                " status, error, failed_step) VALUES (%s, %s, '', %s, %s, %s, 'failed', %s, 'loading')"
                " RETURNING feed_version_id",
                (feed_id, sha, label, as_of, fetched_at, str(exc)))
            failed_id = cur.fetchone()[0]
            for missing in getattr(exc, "missing", ()):  # the canonical notices of what is missing
                cur.execute("INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, context)"
                            " VALUES (%s, %s, 'ERROR', %s, %s)",
                            (failed_id, missing.code, missing.filename, json.dumps({"detail": missing.message})))
        conn.commit()
        raise
    members = [m.__dict__ for m in layout.members.values()]
    owner_column, deadline = lifecycle.owner_columns(owner)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO gtfs.feed_version (feed_id, sha256, content_sha256, source, as_of, fetched_at, members,"
            " file_stats, owner, owner_deadline) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING feed_version_id",
            (feed_id, sha, content, label, as_of, fetched_at, json.dumps({m["name"]: m for m in members}),
             json.dumps({"ignored_members": layout.ignored}), owner_column, deadline),
        )
        version_id = cur.fetchone()[0]
        if hold_lock:
            # Taken before the version is committed: nobody can see it unfinished without its lock held.
            lifecycle.hold(cur, version_id)
        for item in layout.ignored:
            cur.execute(
                "INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, context)"
                " VALUES (%s, 'ignored_member', 'INFO', %s, %s)",
                (version_id, item["name"], json.dumps({"reason": item["reason"]})))
        if layout.root:
            # MobilityData's validator reads no file in a folder (its ERROR, and nothing else);
            # here they load from the one folder that holds them, and the notice says so.
            cur.execute(
                "INSERT INTO gtfs.notice (feed_version_id, code, severity, context)"
                " VALUES (%s, 'invalid_input_files_in_subfolder', 'ERROR', %s)",
                (version_id, json.dumps({"folder": layout.root + "/", "detail": "the GTFS files are in a folder of"
                                         " the zip, not at its root; they were loaded from that folder"})))
    conn.commit()
    return VersionPlan(feed_id, version_id, sha, content, members, tuple(recovered))


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
    (when start_version deferred it) the content hash; the state becomes 'validating'
    (idempotent: a retried finalize finds it there). Each file's partition was analysed
    when it was loaded."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, members, status, content_sha256 FROM gtfs.feed_version"
                    " WHERE feed_version_id = %s FOR UPDATE", (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, members, status, content = row
        if status not in (State.LOADING, State.VALIDATING):
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
        # Service days and the timetable's indexes (set-based; before _service_dates reads
        # calendar: the GTFS parents' lock order of drop_version_rows).
        timetable.build_version(cur, feed_version_id)
        start, end = _service_dates(cur, feed_version_id, set(files))
        cur.execute(
            "UPDATE gtfs.feed_version SET status = 'validating', loaded_at = now(), error = NULL,"
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
    """Make a complete version its feed's current one, in one transaction (the rows were never
    touched: only the feed's pointer and the gtfs_current views change). The decision whether
    it should be is lifecycle.publish_step's; this is the switch. Raises LockTimeout, nothing
    changed, when readers of gtfs_current hold the views longer than GTFS_PUBLISH_LOCK_TIMEOUT."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, status FROM gtfs.feed_version WHERE feed_version_id = %s",
                    (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, status = row
        if status not in (State.VALIDATING, State.PUBLISHING, State.LOADED, State.PUBLISHED, State.SUPERSEDED):
            raise GtfsPipelineError(f"feed version {feed_version_id} is {status}; only a complete version "
                                    "can be published")
        cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s FOR UPDATE", (feed_id,))
        previous = cur.fetchone()[0]
        if previous is not None and previous != feed_version_id:
            cur.execute("UPDATE gtfs.feed_version SET status = 'superseded', superseded_by = %s"
                        " WHERE feed_version_id = %s", (feed_version_id, previous))
            timetable.store_diff(cur, previous, feed_version_id)  # what changed (gtfs.feed_version_diff)
        cur.execute("UPDATE gtfs.feed_version SET status = 'published', published_at = now(), owner = NULL,"
                    " owner_deadline = NULL, not_current_kind = NULL, not_current_reason = NULL,"
                    " superseded_by = NULL WHERE feed_version_id = %s", (feed_version_id,))
        cur.execute("UPDATE gtfs.feed SET current_version_id = %s WHERE feed_id = %s", (feed_version_id, feed_id))
        try:
            refresh_current_views(cur)
        except LockTimeout:
            conn.rollback()
            raise LockTimeout(
                f"feed {feed_id}: publishing version {feed_version_id} waited longer than "
                f"{settings.current().publish_lock_timeout} (GTFS_PUBLISH_LOCK_TIMEOUT) for queries reading "
                "gtfs_current to finish; nothing changed (the previous version stays current): retry, or end "
                "the long-running transactions") from None
    conn.commit()


def drop_version_rows(cur, feed_version_id: int) -> None:
    """Free every row of a version (its partitions, extra files, geometry); the row of
    gtfs.feed_version stays, with its error."""
    for f in FILES:
        cur.execute("SELECT to_regclass(%s)", (f"gtfs_part.{partition_name(f, feed_version_id)}",))
        if cur.fetchone()[0] is not None:
            cur.execute(sql.SQL("DROP TABLE {}").format(partition_ident(f, feed_version_id)))
    timetable.drop_version(cur, feed_version_id)
    for table in ("locations", "locations_document", "extra_file_row", "extra_file", "rejected_row"):
        cur.execute(sql.SQL("DELETE FROM gtfs.{} WHERE feed_version_id = %s").format(sql.Identifier(table)),
                    (feed_version_id,))
    # After the GTFS partitions: the other order can deadlock against a concurrent geometry build.
    drop_geometry(cur, feed_version_id)


def fail_version(conn, feed_version_id: int, error: str, *, step: str | None = None) -> None:
    """Mark a version failed and free its rows; the feed's published version is untouched."""
    lifecycle.fail(conn, feed_version_id, error, step=step)


def drop_version(conn, feed_version_id: int, *, force: bool = False) -> None:
    """Delete a version and all its rows. The published version needs ``force``;
    its feed then has no current version. An unfinished version whose owner is at work on it
    (its lock is held) is refused."""
    with conn.cursor() as cur:
        cur.execute("SELECT v.feed_id, f.current_version_id, v.status FROM gtfs.feed_version v"
                    " JOIN gtfs.feed f USING (feed_id) WHERE v.feed_version_id = %s", (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, current, status = row
        if status in lifecycle.UNFINISHED and not lifecycle.try_hold(cur, feed_version_id):
            raise GtfsPipelineError(f"feed version {feed_version_id} is {status} and its load is running: "
                                    "stop that load first")
        if current == feed_version_id:
            if not force:
                raise GtfsPipelineError(
                    f"feed version {feed_version_id} is the published version of feed {feed_id}; "
                    "pass --force to drop it (the feed then has no current version)")
            cur.execute("UPDATE gtfs.feed SET current_version_id = NULL WHERE feed_id = %s", (feed_id,))
            refresh_current_views(cur)
        drop_version_rows(cur, feed_version_id)
        cur.execute("DELETE FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
    conn.commit()
    lifecycle.release(conn, feed_version_id)


def list_versions(conn, feed_id: str | None = None) -> list[dict]:
    """Every version (of one feed), with ``why_not_current``: why it is not its feed's current one."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT v.feed_version_id, v.feed_id, v.status, v.sha256, v.content_sha256, v.source, v.as_of,"
            " v.loaded_at, v.published_at, v.service_start_date, v.service_end_date, v.error,"
            " COALESCE(f.current_version_id = v.feed_version_id, false) AS current,"
            " v.owner, v.failed_step, v.recovered_at, v.recovered_by, v.not_current_kind, v.not_current_reason,"
            " v.superseded_by"
            " FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id)"
            " WHERE %(feed)s::text IS NULL OR v.feed_id = %(feed)s ORDER BY v.feed_id, v.feed_version_id",
            {"feed": feed_id})
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    conn.rollback()
    for r in rows:
        r["why_not_current"] = lifecycle.why_not_current(r)
    return rows


def version_status(conn, feed_version_id: int) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
        row = cur.fetchone()
    conn.rollback()
    return row[0] if row else None


def run_step(conn, feed_id: str, feed_version_id: int, step: str, fn: Callable[[object, int], object]):
    """One step of a complete version (geometry, validation, report): the same for both paths.
    A failure fails the version (state validating) and raises FeedError; when two steps run at
    once (the DAG's geometry and validate tasks) the first failure is kept."""
    lifecycle.checkpoint(step)
    try:
        return fn(conn, feed_version_id)
    except Exception as exc:
        conn.rollback()
        if version_status(conn, feed_version_id) != State.FAILED:
            fail_version(conn, feed_version_id, f"{step} failed: {exc}", step=State.VALIDATING.value)
        raise FeedError(f"{step} failed for version {feed_version_id}: {exc}", feed_id=feed_id) from exc


def geometry_and_validation(conn, feed_id: str, feed_version_id: int, *, geometry: bool = True,
                            validate: bool = True) -> None:
    """The geometry and the validation of a loaded version, side by side as the DAG runs them.

    The geometry is built on a sibling connection in a thread while validation runs on ``conn``
    (and its own second connection): on two cores the geometry's single statements fill the
    time validation leaves a core idle, 0.7-2.2 s less than one after the other on the 3 M
    stop_times feed (docs/benchmarks.md). When no sibling connection can be opened, the two run
    one after the other on ``conn``. Both always finish before this returns. A failure of either
    fails the version (run_step keeps the first) and is raised: validation's when both fail.
    """
    other = None
    if geometry and validate:
        try:
            other = db.sibling(conn)
        except (psycopg2.Error, GtfsPipelineError) as exc:
            log.warning("version %s: geometry, then validation, on one connection: %s", feed_version_id, exc)
    if other is None:
        if geometry:
            run_step(conn, feed_id, feed_version_id, "geometry", build_geometry)
        if validate:
            run_step(conn, feed_id, feed_version_id, "validation", validation.validate_version)
        return
    failures: list[BaseException] = []

    def build() -> None:
        try:
            run_step(other, feed_id, feed_version_id, "geometry", build_geometry)
        except BaseException as exc:  # raised in the caller's thread below
            failures.append(exc)
        finally:
            other.close()

    builder = threading.Thread(target=build, name="gtfs-geometry", daemon=True)
    builder.start()
    try:
        run_step(conn, feed_id, feed_version_id, "validation", validation.validate_version)
    finally:
        builder.join()
    if failures:
        raise failures[0]


@dataclass
class LoadOutcome:
    """What a one-process load did. Unpacks as ``(feed_version_id, files)`` (its older form)."""

    feed_version_id: int
    files: list[FileResult]
    decision: lifecycle.Decision
    recovered: tuple[Recovered, ...] = ()
    report: Path | None = None
    # Wall seconds per stage, in order: files, finish, geometry_and_validation (side by side),
    # report, publish (the stages that ran).
    stages: dict[str, float] = field(default_factory=dict)

    def __iter__(self):
        return iter((self.feed_version_id, self.files))

    @property
    def status(self) -> str:
        return State.PUBLISHED.value if self.decision.publish else State.LOADED.value


def load_feed(conn, source: str | Path, feed_id: str, *, publish_version: bool = True,
              feed_name: str | None = None, source_url: str | None = None, as_of: dt.date | None = None,
              progress: ProgressFn | None = None, geometry: bool = True, validate: bool = True,
              block_on: str | None = None, dsn: str | None = None, jobs: int = 1,
              on_file: Callable[[FileResult], None] | None = None,
              report: Callable[[object, int], Path] | None = None,
              on_recovered: Callable[[Recovered], None] | None = None) -> LoadOutcome:
    """The whole load in one process: what `gtfs-pipeline load` runs, step by step what the
    DAG's tasks run: register (recovering the feed's abandoned versions), files, finish,
    geometry, validation, ``report`` (a writer, called while the version is still validating),
    then the publish decision (lifecycle.publish_step: block_on policy, historical rule).

    The session holds the version's lock for its whole life, so if this process dies at any
    point the next registration of the feed recovers the version. ``as_of`` defaults to today
    (UTC), as the DAG's runs do, so the historical rule orders CLI and DAG versions alike.

    With ``jobs`` > 1 (and ``dsn``, for the extra connections) files load in parallel, largest
    first, each on its own connection: what the DAG's mapped load tasks do across workers.

    Raises VersionBlocked when the policy keeps the version unpublished (it stays 'loaded'),
    LockTimeout when publishing gave up on readers of gtfs_current (it stays 'loaded'), and
    FeedError on any failure (the version is failed, its rows freed).
    """
    as_of = lifecycle.parse_as_of(as_of) if as_of else dt.datetime.now(dt.timezone.utc).date()
    plan = start_version(conn, feed_id, source, feed_name=feed_name, source_url=source_url, as_of=as_of,
                         hold_lock=True, defer_content_hash=True)
    for r in plan.recovered:
        if on_recovered:
            on_recovered(r)
    try:
        return _load_started(conn, plan, source, publish_version=publish_version, progress=progress,
                             geometry=geometry, validate=validate, block_on=block_on, dsn=dsn, jobs=jobs,
                             on_file=on_file, report=report)
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise _connection_lost(plan, exc) from exc
    finally:
        lifecycle.release(conn, plan.feed_version_id)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _connection_lost(plan: VersionPlan, exc: BaseException) -> FeedError:
    """The version cannot be marked failed now; its lock went with the session, so the next
    load of the feed recovers it (lifecycle.recover_abandoned)."""
    # A cleanup step on the dead connection ("cursor already closed") may hide the server's
    # own words: name the first OperationalError of the chain.
    cause, seen = exc, exc
    while seen is not None:
        if isinstance(seen, psycopg2.OperationalError):
            cause = seen
        seen = seen.__context__
    return FeedError(f"the database connection was lost during the load ({_one_line(cause)}); version "
                     f"{plan.feed_version_id} stays unfinished until the next load of the feed marks it failed",
                     feed_id=plan.feed_id)


def _load_started(conn, plan: VersionPlan, source: str | Path, *, publish_version: bool,
                  progress: ProgressFn | None, geometry: bool, validate: bool, block_on: str | None,
                  dsn: str | None, jobs: int, on_file: Callable[[FileResult], None] | None,
                  report: Callable[[object, int], Path] | None) -> LoadOutcome:
    feed_id, vid = plan.feed_id, plan.feed_version_id
    results: list[FileResult] = []
    report_path = None
    stages: dict[str, float] = {}
    clock = time.monotonic()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        stages[name] = round(now - clock, 3)
        clock = now

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
        stage("files")
        finish_version(conn, vid)
        stage("finish")
        geometry_and_validation(conn, feed_id, vid, geometry=geometry, validate=validate)
        stage("geometry_and_validation")
        if validate and report:
            report_path = run_step(conn, feed_id, vid, "report", report)
            stage("report")
        decision = lifecycle.publish_step(conn, vid, block_on=block_on, validated=validate,
                                          publish_version=publish_version)
        stage("publish")
    except LockTimeout:
        raise  # the version finished 'loaded' (publish-timeout); nothing published changed
    except BaseException as exc:
        try:
            if version_status(conn, vid) != State.FAILED:
                fail_version(conn, vid, str(exc) or type(exc).__name__)
        except psycopg2.Error as lost:  # the connection is gone (server restart, network)
            raise _connection_lost(plan, exc if isinstance(exc, psycopg2.Error) else lost) from exc
        if isinstance(exc, GtfsPipelineError):
            raise
        if isinstance(exc, psycopg2.Error):
            raise FeedError(f"load failed: {type(exc).__name__}: {_one_line(exc)}", feed_id=feed_id) from exc
        if isinstance(exc, Exception):
            raise FeedError(f"load failed: {type(exc).__name__}: {exc}", feed_id=feed_id) from exc
        raise
    outcome = LoadOutcome(vid, results, decision, plan.recovered, report_path, stages)
    if decision.kind == NotCurrent.BLOCKED:
        blocked = VersionBlocked(feed_id, vid, decision.reason.removeprefix("blocked by validation: "))
        blocked.outcome = outcome
        raise blocked
    return outcome


def _load_files_in_parallel(dsn: str, plan: VersionPlan, source: str | Path, jobs: int,
                            progress: ProgressFn | None,
                            on_file: Callable[[FileResult], None] | None) -> list[FileResult]:
    """Each worker thread has its own connection and its own handle on the zip."""
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()
    opened: list = []
    lock = threading.Lock()

    def work(name: str) -> FileResult:
        if not hasattr(local, "conn"):
            local.conn = db.connect(dsn)
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
