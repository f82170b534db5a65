"""A feed version's life, the same for `gtfs-pipeline load` and the `gtfs_feeds` DAG.

States (``gtfs.feed_version.status``)::

    loading ──> validating ──> publishing ──> published ──> superseded
       │            │              │    └───> loaded  (finished, not current: kept, blocked,
       └────────────┴──────────────┴──> failed          historical or publish-timeout)

``loading`` (files), ``validating`` (geometry, validation, report) and ``publishing`` (the
publish decision, waiting for the feed's and the views' locks) are *unfinished*. Each is owned
by a live process, recorded in ``owner``:

- ``session:…`` - a one-process load (the CLI) holds the version's advisory lock from the
  moment the version exists until it is finished. The lock lives in the database server and
  goes with the session, so "lock free" means "owner dead", whatever killed it.
- ``run:…`` - a DAG run. Its tasks run in separate processes (mapped tasks, Celery workers on
  other machines), so no session spans the version's life: each task holds the version's lock
  in *shared* mode while it works (mapped load tasks of one version run at once), and between
  tasks the run's ``owner_deadline`` (registration + GTFS_STALE_VERSION_AFTER) stands for it.
  The DAG's ``dagrun_timeout`` is 5/6 of that limit, so a live run never outlives its deadline.
  A heartbeat column would not help here: between two tasks no process of the run is alive to
  beat, and a queued task may wait for a pool slot for hours.

The next registration of the feed (either path; also the DAG's fetch step before it compares
hashes) fails and frees every unfinished version whose owner is gone (``recover_abandoned``),
and records by whom; a version that never finished is never taken for "the same bytes".

One publish decision (``decide``) for both paths: the ``block_on`` policy, then the historical
rule (a version for an older date than the current one's never replaces it).
"""

from __future__ import annotations

import datetime as dt
import enum
import os
import re
import socket
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

import psycopg2
import psycopg2.errors

from . import settings
from .errors import FeedError, GtfsPipelineError, LockTimeout


class State(str, enum.Enum):
    LOADING = "loading"
    VALIDATING = "validating"
    PUBLISHING = "publishing"
    LOADED = "loaded"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


UNFINISHED = (State.LOADING, State.VALIDATING, State.PUBLISHING)
_UNFINISHED_SQL = tuple(s.value for s in UNFINISHED)


class NotCurrent(str, enum.Enum):
    """Why a finished ('loaded') version is not current."""

    KEPT = "kept"  # asked for: --no-publish
    BLOCKED = "blocked"  # the block_on policy
    HISTORICAL = "historical"  # its date is older than the current version's
    PUBLISH_TIMEOUT = "publish-timeout"  # readers of gtfs_current held the views too long

    def __str__(self) -> str:
        return self.value


# Change detection: a finished version whose verdict is about its bytes. A publish that gave up on
# a lock is not one: the same bytes fetched again load and publish.
VERDICT_KINDS = (NotCurrent.KEPT.value, NotCurrent.BLOCKED.value, NotCurrent.HISTORICAL.value)


# --- owners and locks ---------------------------------------------------------------------------

VERSION_LOCK = "gtfs-pipeline version"
FEED_LOCK = "gtfs-pipeline feed"


@dataclass(frozen=True)
class Owner:
    """Who drives an unfinished version: a session (its advisory lock is its life) or a DAG run."""

    kind: str  # 'session' | 'run'
    label: str

    @classmethod
    def session(cls, what: str = "gtfs-pipeline load") -> "Owner":
        return cls("session", f"{what} (pid {os.getpid()} on {socket.gethostname()}, "
                              f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)")

    @classmethod
    def run(cls, run_id: str | None) -> "Owner":
        return cls("run", run_id or "a DAG run")

    @property
    def column(self) -> str:
        return f"{self.kind}:{self.label}"

    @classmethod
    def from_column(cls, value: str | None) -> "Owner | None":
        if not value or ":" not in value:
            return None
        kind, label = value.split(":", 1)
        return cls(kind, label)


def _lock_args(feed_version_id: int) -> tuple[str, int]:
    return VERSION_LOCK, int(feed_version_id) & 0x7FFFFFFF


def hold(cur, feed_version_id: int) -> None:
    """Take the version's lock for this session (exclusive): what a one-process load does
    before its new version is committed, so nobody sees it unfinished without its lock held."""
    cur.execute("SELECT pg_advisory_lock(hashtext(%s), %s)", _lock_args(feed_version_id))


def try_hold(cur, feed_version_id: int) -> bool:
    """Take the version's lock if nobody holds it (no live owner, no task at work on it)."""
    cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", _lock_args(feed_version_id))
    return cur.fetchone()[0]


def release(conn, feed_version_id: int) -> None:
    """Drop this session's hold on the version (a lost connection has dropped it already)."""
    if conn.closed:
        return
    try:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s), %s)", _lock_args(feed_version_id))
        conn.commit()
    except psycopg2.Error:
        pass


@contextmanager
def working_on(conn, feed_version_id: int, *states: State) -> Iterator[dict]:
    """A DAG task's hold on its version while it works (shared: mapped load tasks run at once).

    Checks, under the lock, that the version is still in one of ``states`` (a version that
    recovery failed, or that another try finished, stops the task with a clear error); yields
    the version's row. The session of a one-process load already holds the lock exclusively:
    a session never conflicts with itself.
    """
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock_shared(hashtext(%s), %s)", _lock_args(feed_version_id))
        cur.execute("SELECT feed_id, status, error, owner FROM gtfs.feed_version WHERE feed_version_id = %s",
                    (feed_version_id,))
        row = cur.fetchone()
    conn.commit()
    try:
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        feed_id, status, error, owner = row
        if status not in {s.value for s in states}:
            detail = f": {error}" if status == State.FAILED and error else ""
            raise FeedError(f"version {feed_version_id} is {status}{detail}; expected "
                            f"{' or '.join(s.value for s in states)}", feed_id=feed_id)
        yield {"feed_id": feed_id, "status": State(status), "owner": Owner.from_column(owner)}
    finally:
        if not conn.closed:
            try:
                conn.rollback()
                with conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock_shared(hashtext(%s), %s)", _lock_args(feed_version_id))
                conn.commit()
            except psycopg2.Error:
                pass


@contextmanager
def feed_lock(conn, feed_id: str) -> Iterator[None]:
    """Session advisory lock for one feed: serialises registering and publishing its versions
    across concurrent runs and paths (a backfill, the daily run, a CLI load)."""
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(hashtext(%s), hashtext(%s))", (FEED_LOCK, feed_id))
    conn.commit()
    try:
        yield
    finally:
        if not conn.closed:
            try:
                conn.rollback()
                with conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(hashtext(%s), hashtext(%s))", (FEED_LOCK, feed_id))
                conn.commit()
            except psycopg2.Error:
                pass


# --- transitions --------------------------------------------------------------------------------

def owner_columns(owner: Owner) -> tuple[str, dt.datetime | None]:
    """(owner, owner_deadline) of a new version."""
    if owner.kind == "session":
        return owner.column, None
    return owner.column, dt.datetime.now(dt.timezone.utc) + settings.current().stale_version_after


def advance(conn, feed_version_id: int, to: State, *, from_states: tuple[State, ...]) -> None:
    """Move an unfinished version on (loading -> validating -> publishing); committed."""
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET status = %s WHERE feed_version_id = %s AND status = ANY(%s)"
                    " RETURNING 1", (to.value, feed_version_id, [s.value for s in from_states]))
        moved = cur.fetchone()
        if moved is None:
            cur.execute("SELECT feed_id, status FROM gtfs.feed_version WHERE feed_version_id = %s",
                        (feed_version_id,))
            row = cur.fetchone()
    conn.commit()
    if moved is None:
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        raise FeedError(f"version {feed_version_id} is {row[1]}, cannot become {to}", feed_id=row[0])


def settle_not_current(cur, feed_version_id: int, kind: NotCurrent, reason: str) -> None:
    """Finish a version as 'loaded', not current, with why."""
    cur.execute("UPDATE gtfs.feed_version SET status = 'loaded', not_current_kind = %s, not_current_reason = %s,"
                " owner = NULL, owner_deadline = NULL WHERE feed_version_id = %s",
                (kind.value, reason, feed_version_id))


def fail(conn, feed_version_id: int, error: str, *, step: str | None = None,
         recovered_by: str | None = None) -> None:
    """Mark a version failed and free its rows; the feed's published version is untouched.
    ``step`` is the state it failed in (default: the state it is in)."""
    from .versions import drop_version_rows  # rows are the versions module's business

    conn.rollback()
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE gtfs.feed_version SET failed_step = COALESCE(%s, CASE WHEN status = 'failed' THEN failed_step"
            " ELSE status END), status = 'failed', error = %s, owner = NULL, owner_deadline = NULL,"
            " recovered_at = CASE WHEN %s::text IS NULL THEN recovered_at ELSE now() END,"
            " recovered_by = COALESCE(%s, recovered_by)"
            " WHERE feed_version_id = %s AND status NOT IN ('published', 'superseded')",
            (step, error, recovered_by, recovered_by, feed_version_id))
        drop_version_rows(cur, feed_version_id)
    conn.commit()


# --- recovery -----------------------------------------------------------------------------------

ABANDONED = ("abandoned while {state}: the process driving it stopped (killed, crashed or lost its database "
             "connection) before it finished; marked failed by the next load of the feed")
ABANDONED_BY_RUN = ("abandoned while {state}: its DAG run ({run}) {why}; marked failed by the next load of the "
                    "feed")


@dataclass(frozen=True)
class Recovered:
    """A version recovery failed and freed: what outputs and run summaries report."""

    feed_id: str
    feed_version_id: int
    state: str  # the unfinished state it was left in
    message: str

    def describe(self) -> str:
        return f"recovered version {self.feed_version_id} of feed {self.feed_id} ({self.message})"

    def to_xcom(self) -> dict:
        return {"feed_id": self.feed_id, "feed_version_id": self.feed_version_id, "state": self.state,
                "message": self.message}


def recover_abandoned(conn, feed_id: str | None = None, *, by: str = "recovery",
                      run_over: Callable[[str], bool | None] | None = None) -> list[Recovered]:
    """Fail, and free the rows of, every unfinished version nothing will finish.

    A version qualifies when nobody holds its lock (no session owns it, no task works on it)
    and either its owner is a session (that session has ended) or its DAG run is gone: past
    ``owner_deadline``, or ``run_over(run_id)`` says the run has finished (the DAG passes
    Airflow's view of the run's state). ``by`` is recorded on each recovered version. Safe to
    run at any time and from several processes at once.
    """
    with conn.cursor() as cur:
        cur.execute("SELECT feed_version_id, feed_id, status, owner, owner_deadline < now()"
                    " FROM gtfs.feed_version WHERE status = ANY(%(states)s)"
                    " AND (%(feed)s::text IS NULL OR feed_id = %(feed)s) ORDER BY feed_version_id",
                    {"feed": feed_id, "states": list(_UNFINISHED_SQL)})
        candidates = cur.fetchall()
    conn.commit()
    recovered = []
    for vid, fid, state, owner_text, past_deadline in candidates:
        owner = Owner.from_column(owner_text) or Owner("run", "unknown")
        if owner.kind == "session":
            message = ABANDONED.format(state=state)
        else:
            over = run_over(owner.label) if run_over and not past_deadline else None
            if not past_deadline and not over:
                continue  # its run may still finish it
            why = ("was still not done " + settings.describe_duration(settings.current().stale_version_after)
                   + " after registering it (GTFS_STALE_VERSION_AFTER): the run died or was stopped"
                   if past_deadline else "has finished without finishing it")
            message = ABANDONED_BY_RUN.format(state=state, run=owner.label, why=why)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s), %s)", _lock_args(vid))
            free = cur.fetchone()[0]
        conn.commit()
        if not free:
            continue  # a session or a task is working on it right now
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
                still = cur.fetchone()
            conn.commit()
            if still and still[0] == state:
                fail(conn, vid, message, step=state, recovered_by=by)
                recovered.append(Recovered(fid, vid, state, message))
        finally:
            release(conn, vid)
    return recovered


def recovered_by(conn, by: str) -> list[Recovered]:
    """The versions recovered by ``by`` (a run id, or a CLI load's owner label)."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, feed_version_id, failed_step, error FROM gtfs.feed_version"
                    " WHERE recovered_by = %s ORDER BY feed_version_id", (by,))
        rows = cur.fetchall()
    conn.rollback()
    return [Recovered(f, v, s, e) for f, v, s, e in rows]


# --- change detection ---------------------------------------------------------------------------

def known_version(conn, feed_id: str, sha256: str, content_sha256: str | None) -> int | None:
    """A version of the feed with the same bytes or contents whose fate is settled or in hand:
    finished (published, superseded, or loaded with a verdict), or unfinished with a live owner.
    Call ``recover_abandoned`` first: then every unfinished version left has a live owner."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT feed_version_id FROM gtfs.feed_version WHERE feed_id = %s"
            " AND (sha256 = %s OR content_sha256 = %s)"
            " AND (status IN ('published', 'superseded', 'loading', 'validating', 'publishing')"
            "      OR (status = 'loaded' AND not_current_kind = ANY(%s)))"
            " ORDER BY feed_version_id DESC LIMIT 1", (feed_id, sha256, content_sha256, list(VERDICT_KINDS)))
        row = cur.fetchone()
    conn.rollback()
    return row[0] if row else None


# --- as_of --------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_as_of(value, *, today: dt.date | None = None) -> dt.date:
    """The date a version represents: a full ISO date (YYYY-MM-DD), nothing before or after it,
    not later than tomorrow (UTC). A later date would make every real version after it
    'historical' and freeze the feed, so it is refused rather than trusted."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        day = value
    else:
        text = str(value)
        if not _ISO_DATE.fullmatch(text):
            if _ISO_DATE.match(text):
                raise GtfsPipelineError(f"as_of {text!r} has text after the date: give only YYYY-MM-DD")
            raise GtfsPipelineError(f"as_of {text!r} is not a date YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise GtfsPipelineError(f"as_of {text!r} is not a date YYYY-MM-DD ({exc})") from None
    today = today or dt.datetime.now(dt.timezone.utc).date()
    if day > today + dt.timedelta(days=1):
        raise GtfsPipelineError(f"as_of {day} is later than tomorrow ({today + dt.timedelta(days=1)}, UTC): "
                                "a version cannot represent a future date (a typo in the year?)")
    return day


# --- the publish decision -----------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """Whether a version becomes current, and if not, why (kind and words)."""

    publish: bool
    kind: NotCurrent | None = None
    reason: str | None = None


def decide(conn, feed_version_id: int, *, block_on: str | None, validated: bool, force: bool = False) -> Decision:
    """The one publish decision. Policy first (``block_on``, when the version was validated),
    then history: a version whose as_of is older than the current version's never replaces it.
    ``force`` (the `publish --force` command) overrides both. Call under the feed's lock."""
    from . import validation

    if validated:
        allowed, why = validation.policy_allows_publish(conn, feed_version_id, block_on)
        if not allowed and not force:
            return Decision(False, NotCurrent.BLOCKED, f"blocked by validation: {why}")
    if force:
        return Decision(True)
    with conn.cursor() as cur:
        cur.execute("SELECT v.as_of, c.feed_version_id, c.as_of FROM gtfs.feed_version v"
                    " JOIN gtfs.feed f USING (feed_id)"
                    " LEFT JOIN gtfs.feed_version c ON c.feed_version_id = f.current_version_id"
                    " WHERE v.feed_version_id = %s", (feed_version_id,))
        as_of, current, current_as_of = cur.fetchone()
    conn.rollback()
    if current is not None and current != feed_version_id and as_of and current_as_of and current_as_of > as_of:
        return Decision(False, NotCurrent.HISTORICAL,
                        f"historical version (as of {as_of}) kept loaded; version {current} "
                        f"(as of {current_as_of}) stays current")
    return Decision(True)


def publish_step(conn, feed_version_id: int, *, block_on: str | None, validated: bool, force: bool = False,
                 publish_version: bool = True) -> Decision:
    """Apply the publish decision: the version becomes current, or finishes 'loaded' with why.

    The state becomes 'publishing' (committed) before any lock is waited for, so a process that
    dies while waiting leaves a version recovery knows. Under the feed's lock: decide, then make
    it current in one transaction (versions.publish). When readers of gtfs_current hold the views
    longer than GTFS_PUBLISH_LOCK_TIMEOUT, nothing changes, the version finishes 'loaded'
    (publish-timeout: the same bytes load again next time) and LockTimeout is raised.
    ``publish_version=False`` (--no-publish) finishes it 'loaded', kept.
    """
    from . import versions

    advance(conn, feed_version_id, State.PUBLISHING,
            from_states=(State.VALIDATING, State.PUBLISHING, State.LOADED))  # LOADED: a retried publish task
    checkpoint("publish")
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
        feed_id = cur.fetchone()[0]
    conn.commit()
    with feed_lock(conn, feed_id):
        if not publish_version:
            decision = Decision(False, NotCurrent.KEPT, "kept unpublished (--no-publish); publish it with "
                                                        f"`gtfs-pipeline publish {feed_version_id}`")
        else:
            decision = decide(conn, feed_version_id, block_on=block_on, validated=validated, force=force)
        if decision.publish:
            try:
                versions.publish(conn, feed_version_id)
            except LockTimeout as exc:
                later = f"publish it with `gtfs-pipeline publish {feed_version_id}`"
                with conn.cursor() as cur:
                    settle_not_current(cur, feed_version_id, NotCurrent.PUBLISH_TIMEOUT, f"{exc}; {later}")
                conn.commit()
                raise LockTimeout(f"{exc}; version {feed_version_id} is kept loaded: {later}") from None
        else:
            with conn.cursor() as cur:
                settle_not_current(cur, feed_version_id, decision.kind, decision.reason)
            conn.commit()
    return decision


def publish_existing(conn, feed_version_id: int, *, force: bool = False, block_on: str | None = None) -> Decision:
    """`gtfs-pipeline publish`: make a finished version current, under the same feed lock and in
    the same one transaction as a load's publish. The same decision decides: a version the
    policy blocks, or one older than the current version (historical; also a superseded one),
    needs ``force``. Refused, nothing changes. Unfinished and failed versions cannot be published.
    """
    from . import versions

    with conn.cursor() as cur:
        cur.execute("SELECT v.feed_id, v.status, v.validated_at IS NOT NULL, v.error, v.owner,"
                    " f.current_version_id = v.feed_version_id"
                    " FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id) WHERE v.feed_version_id = %s",
                    (feed_version_id,))
        row = cur.fetchone()
    conn.rollback()
    if row is None:
        raise GtfsPipelineError(f"no feed version {feed_version_id}")
    feed_id, status, validated, error, owner, current = row
    if status == State.PUBLISHED and current:
        return Decision(True, None, "it already was")
    if status == State.FAILED:
        raise GtfsPipelineError(f"feed {feed_id}: version {feed_version_id} failed ({error}); its rows are gone: "
                                "load the feed again")
    if status in _UNFINISHED_SQL:
        raise GtfsPipelineError(f"feed {feed_id}: version {feed_version_id} is still {status} "
                                f"({owner or 'no owner'}); it publishes itself when it finishes, or the next load "
                                "of the feed fails it if its owner is gone")
    with feed_lock(conn, feed_id):
        decision = decide(conn, feed_version_id, block_on=block_on, validated=validated, force=force)
        if not decision.publish:
            raise GtfsPipelineError(f"feed {feed_id}: version {feed_version_id} not published: {decision.reason}; "
                                    "pass --force to publish it anyway")
        versions.publish(conn, feed_version_id)
    return Decision(True, None, "forced" if force else None)


# --- why a version is not current ----------------------------------------------------------------

def why_not_current(row: dict) -> str:
    """One line for `gtfs-pipeline versions`: why this version is not its feed's current one."""
    status = row["status"]
    if row.get("current"):
        return ""
    if status == State.SUPERSEDED:
        by = row.get("superseded_by")
        return f"superseded by version {by}" if by else "superseded"
    if status == State.LOADED:
        return row.get("not_current_reason") or "loaded, not published"
    if status == State.FAILED:
        step = row.get("failed_step") or "loading"
        if row.get("recovered_at"):
            return f"recovered after a crash: {row.get('error')}"
        return f"failed while {step}: {row.get('error')}"
    if status in _UNFINISHED_SQL:
        owner = Owner.from_column(row.get("owner"))
        who = f"{owner.kind} {owner.label}" if owner else "unknown owner"
        return f"still {status} (owned by {who}); the next load of the feed fails it if its owner is gone"
    if status == State.PUBLISHED:
        return "published but not current"
    return status


# --- the test hook ------------------------------------------------------------------------------

PAUSE_ENV = "GTFS_PAUSE_AT"
PAUSE_POINTS = ("geometry", "validation", "report", "publish")


def checkpoint(point: str) -> None:
    """Stop here forever when GTFS_PAUSE_AT names this point: how the crash tests reach each
    stage of a load deterministically, then SIGKILL the process (docs/reliability.md).
    The line on stderr tells the test the process got there."""
    if settings.current().pause_at != point:
        return
    print(f"gtfs-pipeline: paused at {point} ({PAUSE_ENV})", file=sys.stderr, flush=True)
    while True:
        time.sleep(3600)
