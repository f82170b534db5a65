"""The Airflow adapters of the `gtfs_feeds` DAG's tasks, as plain functions of a connection.

The DAG file stays a list of short TaskFlow functions; each calls one function here,
which turns XCom dicts into typed payloads (payloads.py), calls the same lifecycle
and versions functions `gtfs-pipeline load` calls, and hands a payload's XCom form on.
What is Airflow's lives here: the connection, the archive (ObjectStoragePath), the
registry Variable, secrets, the fetch log and the run summary.

Concurrency: a backfill and the daily run may work on the same feed at once.
Registering a version and publishing one happen under the feed's lock
(lifecycle.feed_lock), and a version whose bytes or contents match one already
settled or in hand (lifecycle.known_version) is never loaded again.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import logging
import os
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import fields
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

from . import archive, identity, lifecycle, netpolicy, settings, versions
from .db import ensure_schema  # noqa: F401 - the DAG's first task calls it
from .errors import FeedError, GtfsPipelineError, LockTimeout
from .lifecycle import NotCurrent, Owner, State
from .payloads import FetchJob, FetchResult, FileLoaded, LoadItem, StartedVersion, VersionProgress
from .fetch import FetchError, Fetched, Limits, Scrubber, copy_to_archive, fetch_to_archive
from .netpolicy import redact_url
from .paths import SOURCE_ROOT
from .registry import REGISTRY_VARIABLE, FeedSpec, Registry, load_registry

log = logging.getLogger(__name__)

CONN_ID = "gtfs_db"
ARCHIVE_ENV = "GTFS_ARCHIVE_URL"
ARCHIVE_CONN_ENV = "GTFS_ARCHIVE_CONN_ID"
DEFAULT_ARCHIVE = SOURCE_ROOT / "data" / "archive" if SOURCE_ROOT else None  # installed: no default
ASSET_URI = "gtfs://feed/{feed_id}"
ASSET_ALIAS = "gtfs_feed_published"
KINDS = ("current", "archive", "given")


# --- where things are --------------------------------------------------------------------------

def database_dsn() -> str:
    """psycopg2 DSN from the Airflow connection `gtfs_db`, else $GTFS_DATABASE_URL, else the file
    named by $GTFS_DATABASE_URL_FILE.

    The postgres provider's hook hands out psycopg 3 connections; the library
    uses psycopg2, so only the connection's fields are taken from Airflow.
    """
    try:
        from airflow.sdk import BaseHook

        c = BaseHook.get_connection(CONN_ID)
    except Exception as exc:  # noqa: BLE001 - not defined / no Airflow: fall back
        current = settings.current()
        if current.database_url:
            return current.database_url
        if current.database_url_file:
            from .db import read_dsn_file

            return read_dsn_file(current.database_url_file, "GTFS_DATABASE_URL_FILE")
        raise GtfsPipelineError(f"no database: define the Airflow connection {CONN_ID} (e.g. AIRFLOW_CONN_GTFS_DB)"
                                f" or set GTFS_DATABASE_URL or GTFS_DATABASE_URL_FILE ({type(exc).__name__})") from None
    import psycopg2.extensions

    extra = c.extra_dejson if isinstance(c.extra_dejson, dict) else {}
    params = {k: v for k, v in extra.items() if k in ("sslmode", "sslrootcert", "sslcert", "sslkey",
                                                      "connect_timeout", "options", "target_session_attrs")}
    return psycopg2.extensions.make_dsn(host=c.host or None, port=c.port or None, user=c.login or None,
                                        password=c.password or None, dbname=c.schema or None, **params)


@contextmanager
def connection() -> Iterator[Any]:
    from . import db

    with db.connection(database_dsn()) as conn:
        yield conn


def archive_root() -> Any:
    """The feed archive (ObjectStoragePath): $GTFS_ARCHIVE_URL (file://, s3://, ...), default data/archive."""
    url = settings.current().archive_url or (DEFAULT_ARCHIVE.as_uri() if DEFAULT_ARCHIVE else None)
    if url is None:
        raise GtfsPipelineError(f"no feed archive: set {ARCHIVE_ENV} (file:///path or s3://bucket/prefix, "
                                "one place every worker reaches)")
    return storage_path(url)


def storage_path(url: str) -> Any:
    from airflow.sdk import ObjectStoragePath

    if "://" not in url:
        url = "file://" + os.path.abspath(url)
    conn_id = settings.current().archive_conn_id
    return ObjectStoragePath(url, conn_id=conn_id) if conn_id and not url.startswith("file://") \
        else ObjectStoragePath(url)


def open_archived(url: str) -> Any:
    """An object of the feed archive (a zip, a validation report), opened for reading from the URL
    it was recorded under, on any archive (archive.open_stored: ranged reads on object storage)."""
    return archive.open_stored(storage_path(url))


def run_registry() -> Registry:
    """The registry for a run: Airflow Variable gtfs_feeds_registry (a path), else the file default."""
    path = None
    try:
        from airflow.sdk import Variable

        path = Variable.get(REGISTRY_VARIABLE, default=None)
    except Exception:  # noqa: BLE001 - no Variable backend (plain Python): use the default
        path = None
    return load_registry(path)


def secret_resolver(ref: dict) -> str:
    """Resolve a registry secret reference inside a task; the value is masked in task logs."""
    if "env" in ref:
        value = os.environ.get(ref["env"])
        if value is None:
            raise GtfsPipelineError(f"environment variable {ref['env']} is not set")
    elif "variable" in ref:
        from airflow.sdk import Variable

        value = Variable.get(ref["variable"])
    else:
        from airflow.sdk import BaseHook

        c = BaseHook.get_connection(ref["connection"])
        f = ref.get("field", "password")
        value = c.extra_dejson.get(f[6:]) if f.startswith("extra.") else getattr(c, f)
        if value is None:
            raise GtfsPipelineError(f"connection {ref['connection']} has no {f}")
    value = str(value)
    try:
        from airflow.sdk.log import mask_secret

        mask_secret(value)
    except Exception:  # noqa: BLE001 - outside Airflow there is no log masking to feed
        pass
    return value


def airflow_run_over(run_label: str) -> bool | None:
    """Whether the DAG run ``dag_id/run_id`` has finished (success or failed), asked of Airflow
    from inside a task; None when that cannot be known (not in a task, no such run): then the
    run's deadline alone decides (lifecycle.recover_abandoned)."""
    dag_id, _, run_id = run_label.partition("/")
    if not run_id:
        return None
    try:
        from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

        state = RuntimeTaskInstance.get_dagrun_state(dag_id, run_id)
    except Exception:  # noqa: BLE001 - outside a task, or the run is unknown: no answer
        return None
    return str(getattr(state, "value", state)) in ("success", "failed")


# --- 1. resolve ---------------------------------------------------------------------------------

def parse_params(params: dict, registry: Registry) -> dict:
    """Check the trigger params; one GtfsPipelineError listing every problem."""
    problems = []
    raw_ids = params.get("feed_ids") or []
    if isinstance(raw_ids, str):
        raw_ids = [s for s in (x.strip() for x in raw_ids.replace(",", " ").split()) if s]
    if not isinstance(raw_ids, list) or not all(isinstance(x, str) for x in raw_ids):
        problems.append("feed_ids: a list of feed ids")
        raw_ids = []
    unknown = [f for f in raw_ids if f not in registry.feeds]
    if unknown:
        problems.append(f"feed_ids: unknown feed(s) {', '.join(unknown)} (registry {registry.source} has: "
                        f"{', '.join(sorted(registry.feeds)) or 'none'})")
    force = params.get("force")
    force = False if force is None else force  # the trigger form sends null for an empty Force
    if not isinstance(force, bool):
        problems.append("force: true or false")
    url = params.get("url") or None
    if url is not None and (not isinstance(url, str) or not url.strip()):
        problems.append("url: an http(s) URL or a stored zip path")
    if url and len(raw_ids) != 1:
        problems.append("url: name exactly one feed in feed_ids to load the url as a version of")
    as_of = params.get("as_of") or None
    if as_of is not None:
        try:
            as_of = lifecycle.parse_as_of(as_of)
        except GtfsPipelineError as exc:
            problems.append(str(exc))
    if problems:
        raise GtfsPipelineError("invalid params: " + "; ".join(problems))
    return {"feed_ids": raw_ids, "force": bool(force), "url": url.strip() if url else None, "as_of": as_of}


def resolve_jobs(registry: Registry, params: dict, *, logical_date: dt.datetime | None, run_after: dt.datetime,
                 run_type: str | None = None, today: dt.date | None = None) -> list[dict]:
    """One job per feed to fetch in this run (FetchJob, XCom form).

    The run's date is the as_of param, else its logical date, else run_after
    (manual runs have no logical date). A backfill, or a date before
    yesterday, asks for the feed as it was then: its archive_url for that
    date; feeds without one are skipped with a reason.
    """
    p = parse_params(params, registry)
    when = logical_date or run_after
    as_of = p["as_of"] or when.date()
    today = today or dt.datetime.now(dt.timezone.utc).date()
    historical = run_type == "backfill" or as_of < today - dt.timedelta(days=1)
    specs = [registry.feeds[f] for f in p["feed_ids"]] if p["feed_ids"] else registry.enabled
    jobs = []
    for spec in specs:
        # Jobs travel through XCom and task logs: URLs in them are redacted (user-info, query
        # values); the fetch task takes the full URL from the registry (or the params) again.
        job = FetchJob(feed_id=spec.feed_id, spec=spec.redacted().as_dict(), as_of=as_of.isoformat(),
                       force=p["force"], kind="current", url=redact_url(spec.url))
        if p["url"]:
            job = job.but(kind="given", url=redact_url(p["url"]))
        elif historical:
            if spec.archive_url:
                job = job.but(kind="archive", url=redact_url(spec.archive_url_for(as_of)))
            else:
                job = job.but(kind="archive", skip_reason=f"no archive_url for a past date ({as_of}): feed skipped")
        jobs.append(job.to_xcom())
    return jobs


def job_url(job: FetchJob, spec: FeedSpec, given_url: str | None) -> str:
    """The full URL (or path) a job fetches, secrets included: only the fetch task calls this.
    It must redact to the job's URL, else the registry or params changed since resolve_feeds."""
    kind = job.kind
    url = (given_url or "").strip() if kind == "given" else \
        spec.archive_url_for(job.as_of_date) if kind == "archive" else spec.url
    if not url or redact_url(url) != job.url:
        raise GtfsPipelineError(f"the {kind} URL of feed {spec.feed_id} is not {job.url} any more "
                                "(the registry or the run's url param changed since resolve_feeds)")
    return url


# --- 2. fetch -----------------------------------------------------------------------------------

def last_validators(conn, feed_id: str, url: str) -> tuple[str | None, str | None, int | None]:
    """ETag / Last-Modified of the last successful fetch of this URL whose version is settled
    (the same rule as lifecycle.known_version: a version that never finished does not count)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT l.etag, l.last_modified, l.feed_version_id FROM gtfs.fetch_log l"
            " JOIN gtfs.feed_version v ON v.feed_version_id = l.feed_version_id"
            " WHERE l.feed_id = %s AND l.url = %s AND l.outcome IN ('new', 'unchanged', 'not-modified')"
            " AND (l.etag IS NOT NULL OR l.last_modified IS NOT NULL)"
            " AND (v.status IN ('published', 'superseded')"
            "      OR (v.status = 'loaded' AND v.not_current_kind = ANY(%s)))"
            " ORDER BY l.fetch_id DESC LIMIT 1", (feed_id, url, list(lifecycle.VERDICT_KINDS)))
        row = cur.fetchone()
    conn.rollback()
    return (row[0], row[1], row[2]) if row else (None, None, None)


def matching_version(conn, feed_id: str, sha256: str, content_sha256: str) -> int | None:
    """Change detection (lifecycle.known_version, after the feed's recovery)."""
    return lifecycle.known_version(conn, feed_id, sha256, content_sha256)


def log_fetch(conn, job: FetchJob, run_id: str | None, outcome: str, message: str | None,
              got: Fetched | None = None, feed_version_id: int | None = None) -> int:
    url = redact_url(job.url)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO gtfs.fetch_log (feed_id, url, source_kind, as_of, http_status, bytes, sha256,"
            " content_sha256, etag, last_modified, outcome, feed_version_id, archive_path, message, run_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING fetch_id",
            (job.feed_id, url, job.kind, job.as_of, got and got.http_status, got and got.bytes,
             got and got.sha256, got and got.content_sha256, got and got.etag, got and got.last_modified,
             outcome, feed_version_id, got and got.archive_path, message, run_id))
        fetch_id = cur.fetchone()[0]
    conn.commit()
    return fetch_id


def fetch_job(conn, job: dict, root: Any, *, run_id: str | None, final_try: bool = True,
              resolve_secret: Callable[[dict], str] = secret_resolver,
              open_path: Callable[[str], Any] | None = None,
              run_over: Callable[[str], bool | None] | None = None,
              spec: FeedSpec | None = None, given_url: str | None = None) -> dict:
    """Fetch one feed and decide new / unchanged / not-modified / skipped / error.

    ``spec`` is the feed's full registry entry (default: read from the run's registry again;
    the job holds only its redacted copy) and ``given_url`` the run's ``url`` param, for a
    job of kind 'given'. Feed-level problems (404, not a zip, too large, an address the
    network policy refuses) come back as outcome 'error' so the other feeds carry on;
    transient ones (network, 5xx) raise FetchError while retries remain, so Airflow retries
    with backoff. Before the hashes are compared, the feed's abandoned versions are
    recovered: bytes whose version never finished are new again.
    """
    out = _fetch(conn, FetchJob.from_xcom(job), root, run_id=run_id, final_try=final_try,
                 resolve_secret=resolve_secret, open_path=open_path, run_over=run_over or airflow_run_over,
                 spec=spec, given_url=given_url)
    return out.to_xcom()


def batches(jobs: list[dict], size: int) -> list[list[dict]]:
    """The run's jobs cut into the fetch tasks' batches of ``size`` (GTFS_FETCH_BATCH_SIZE), in
    their order (feed ids): under the LocalExecutor starting a task costs seconds while a 304
    costs milliseconds, so a thousand feeds take forty tasks instead of a thousand."""
    if size < 1:
        raise GtfsPipelineError(f"a fetch batch holds at least one feed, not {size}")
    return [jobs[i:i + size] for i in range(0, len(jobs), size)]


def batch_label(batch: list[dict]) -> str:
    """A fetch task's label in the UI: ``feed (kind)`` for one feed, else first … last (N feeds)."""
    if len(batch) == 1:
        return f"{batch[0]['feed_id']} ({batch[0]['kind']})"
    return f"{batch[0]['feed_id']} … {batch[-1]['feed_id']} ({len(batch)} feeds)"


def fetch_batch(jobs: list[dict], root: Any, *, run_id: str | None, final_try: bool = True,
                connect: Callable[[], Any] | None = None, threads: int | None = None,
                per_host: int | None = None, spec_of: Callable[[str], FeedSpec | None] | None = None,
                **fetch_kw: Any) -> list[dict]:
    """``fetch_job`` for each job of a batch, several at once; one FetchResult (XCom form) per job,
    in the jobs' order.

    At most ``threads`` feeds (GTFS_FETCH_THREADS) are fetched at a time, and at most ``per_host``
    (GTFS_FETCH_PER_HOST) from one host; each thread has its own database connection (``connect``:
    a context manager, default ``connection``); ``spec_of(feed_id)`` gives a feed's full registry
    entry (default: the run's registry, read once), the other keywords go to ``fetch_job``.
    A feed's failure stays with that feed: its error is
    in its result and in the fetch log, and the others carry on. Only transient errors (network,
    5xx, 429, or anything unforeseen) while retries remain make the task fail, after every other
    feed of the batch is done, so that Airflow retries it; the retry fetches the whole batch again (the others answer 304 or
    with known bytes: cheap), and the run's summary takes each feed's last fetch.
    """
    s = settings.current()
    threads, per_host = threads or s.fetch_threads, per_host or s.fetch_per_host
    spec_of = spec_of or _batch_registry()
    pool = _ThreadConnections(connect or connection)
    hosts = _HostLimits(per_host)

    def one(job: dict) -> dict | FetchError:
        with hosts.slot(_job_host(job)):
            conn = pool.get()
            try:
                return fetch_job(conn, job, root, run_id=run_id, final_try=final_try,
                                 spec=spec_of(job["feed_id"]), **fetch_kw)
            except FetchError as exc:  # transient, retries left: the task raises once the batch is done
                return exc
            except Exception as exc:  # noqa: BLE001 - a bug or a lost database must not hide the other feeds
                pool.discard(conn)
                return _unexpected(job, run_id, exc, pool, final_try=final_try)

    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(max_workers=max(1, min(threads, len(jobs))), thread_name_prefix="fetch") as ex:
            got = list(ex.map(one, jobs))
    finally:
        pool.close()
    retry = [(job["feed_id"], r) for job, r in zip(jobs, got) if isinstance(r, FetchError)]
    for job, r in zip(jobs, got):
        if not isinstance(r, FetchError):
            log.info("feed %s: %s: %s", job["feed_id"], r["outcome"], r["message"])
    if retry:
        names = "; ".join(str(exc) for _, exc in retry)
        raise FetchError(f"{len(retry)} of {len(jobs)} feed(s) of this batch will be fetched again: {names}",
                         transient=True)
    return got


def _batch_registry() -> Callable[[str], FeedSpec | None]:
    """The run's registry, read once for the whole batch (not once per feed: parsing a registry of
    a thousand feeds a thousand times would cost more than the fetches). When it cannot be read,
    each feed's fetch reads it again and records the error as that feed's."""
    try:
        feeds = run_registry().feeds
    except GtfsPipelineError:
        return lambda feed_id: None
    return feeds.get


def _unexpected(job: dict, run_id: str | None, exc: Exception, pool: "_ThreadConnections", *,
                final_try: bool) -> dict | FetchError:
    """A feed whose fetch raised something unforeseen (a lost database connection, a bug): while
    retries remain, a transient FetchError (the task is retried, as a one-feed task would be);
    on the last try an error result for that feed. Either is recorded in the fetch log when the
    database still answers (else the summary says the fetch recorded no result). The recorded
    message names only the exception's class: its text might quote a resolved secret (a header
    value), and only the task log, where Airflow masks the secrets fetch_job resolved, gets it."""
    j = FetchJob.from_xcom(job)
    reason = f"the fetch failed unexpectedly ({type(exc).__name__}; the fetch task's log has the details)"
    message = f"feed {j.feed_id}: {reason}"
    log.error("feed %s: the fetch failed unexpectedly", j.feed_id, exc_info=exc)
    try:
        log_fetch(pool.get(), j, run_id, "error", message + ("" if final_try else " (will retry)"))
    except Exception as again:  # noqa: BLE001 - no database: the summary reports the missing result
        log.error("feed %s: the error could not be recorded in the fetch log: %s", j.feed_id,
                  type(again).__name__)
    if not final_try:
        return FetchError(reason, feed_id=j.feed_id, transient=True)
    return FetchResult(feed_id=j.feed_id, kind=j.kind, as_of=j.as_of, force=j.force, run_id=run_id,
                       outcome="error", message=message).to_xcom()


def _job_host(job: dict) -> str | None:
    """The host a job's fetch goes to first (its URL's; a path or a skipped job: none)."""
    try:
        return urlsplit(job.get("url") or "").hostname if not job.get("skip_reason") else None
    except ValueError:
        return None


class _HostLimits:
    """At most ``per_host`` fetches at a time to one host, within one fetch task."""

    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._sems: dict[str, threading.Semaphore] = {}

    @contextmanager
    def slot(self, host: str | None) -> Iterator[None]:
        if host is None:
            yield
            return
        with self._lock:
            sem = self._sems.setdefault(host.lower(), threading.Semaphore(self.per_host))
        with sem:
            yield


class _ThreadConnections:
    """One database connection per worker thread, opened on first use, all closed at the end."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Any] = []  # the context managers, to close

    def get(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(conn, "closed", 0):
            cm = self._connect()
            conn = cm.__enter__()
            with self._lock:
                self._open.append(cm)
            self._local.conn = conn
        return conn

    def discard(self, conn: Any) -> None:
        """After an unexpected error the connection may be in a failed transaction: start afresh."""
        try:
            conn.rollback()
        except Exception:  # noqa: BLE001 - a broken connection: the next get() opens another
            self._local.conn = None

    def close(self) -> None:
        with self._lock:
            opened, self._open = self._open, []
        for cm in opened:
            try:
                cm.__exit__(None, None, None)
            except Exception:  # noqa: BLE001 - closing a broken connection
                pass


def _fetch(conn, job: FetchJob, root: Any, *, run_id: str | None, final_try: bool,
           resolve_secret: Callable[[dict], str], open_path: Callable[[str], Any] | None,
           run_over: Callable[[str], bool | None], spec: FeedSpec | None,
           given_url: str | None) -> FetchResult:
    feed_id = job.feed_id
    shown = FeedSpec.from_dict(job.spec)  # the redacted copy resolve_feeds passed on
    result = FetchResult(feed_id=feed_id, kind=job.kind, as_of=job.as_of, force=job.force, run_id=run_id,
                         source_url=shown.url, name=shown.name, block_on=shown.option("block_on"))
    if job.skip_reason:
        log_fetch(conn, job, run_id, "skipped", job.skip_reason)
        return result.but(outcome="skipped", message=job.skip_reason)
    scrub = Scrubber()
    limits = Limits.from_options(shown.options)
    fetched_at = dt.datetime.now(dt.timezone.utc)
    try:
        spec = spec or _registry_spec(feed_id)
        url = job_url(job, spec, given_url)

        def known_bytes(sha256: str) -> bool:  # these bytes are a version already: no content hash
            return not job.force and lifecycle.known_version(conn, feed_id, sha256, None) is not None

        scrub.secrets += [u for u in netpolicy.split_userinfo(url)[1] or () if u]
        if job.kind == "given" and not url.startswith(("http://", "https://")):
            source = netpolicy.check_import_path(url, settings.current().import_dir)
            got = copy_to_archive(source, root, feed_id=feed_id, limits=limits,
                                  opener=open_path or storage_path, known=known_bytes)
            prior = None
        else:
            headers, query = {}, {}
            if job.kind != "given":  # registry secrets go only to the registry's own URLs
                headers = {k: _value(v, resolve_secret, scrub) for k, v in spec.headers.items()}
                query = {k: _value(v, resolve_secret, scrub) for k, v in spec.query.items()}
            etag, last_modified, prior = (None, None, None) if job.force or job.kind == "given" \
                else last_validators(conn, feed_id, job.url)
            policy = netpolicy.NetworkPolicy(spec.allow_private_network
                                             or settings.current().fetch_allow_private_network)
            got = fetch_to_archive(url, root, feed_id=feed_id, limits=limits, headers=headers,
                                   query=query, etag=etag, last_modified=last_modified, scrub=scrub,
                                   policy=policy, require_credentials=spec.require_credentials,
                                   known=known_bytes)
    except FetchError as exc:
        message = scrub(str(exc))
        if exc.transient and not final_try:
            log_fetch(conn, job, run_id, "error", message + " (will retry)", Fetched(exc.http_status))
            raise FetchError(scrub(exc.reason), feed_id=feed_id, transient=True) from None
        log_fetch(conn, job, run_id, "error", message, Fetched(exc.http_status))
        return result.but(outcome="error", message=message)
    except GtfsPipelineError as exc:  # a secret that cannot be resolved, a path outside the import folder, ...
        message = scrub(str(exc))
        log_fetch(conn, job, run_id, "error", message)
        return result.but(outcome="error", message=message)
    known = {f.name for f in fields(FetchResult)}
    result = result.but(**{k: v for k, v in got.as_dict().items() if k in known}, fetched_at=fetched_at.isoformat())
    recovered = lifecycle.recover_abandoned(conn, feed_id, by=run_id or "a DAG run", run_over=run_over)
    result = result.but(recovered=[r.to_xcom() for r in recovered])
    for r in recovered:
        log.warning("feed %s: %s", feed_id, r.describe())
    noted = "".join(f"; {n}" for n in got.notes)  # e.g. a redirect to another origin
    if got.not_modified:
        msg = "HTTP 304 Not Modified: same as the last fetch" + noted
        log_fetch(conn, job, run_id, "not-modified", msg, got, prior)
        return result.but(outcome="not-modified", message=msg, feed_version_id=prior)
    match = None if job.force else lifecycle.known_version(conn, feed_id, got.sha256, got.content_sha256)
    if match is not None:
        msg = f"same bytes or contents as version {match}" + noted
        log_fetch(conn, job, run_id, "unchanged", msg, got, match)
        return result.but(outcome="unchanged", message=msg, feed_version_id=match)
    if job.kind == "given" and not job.force:
        refused = _other_feed(conn, feed_id, got.archive_path, open_path or storage_path)
        if refused:
            log_fetch(conn, job, run_id, "error", refused, got)
            return result.but(outcome="error", message=refused)
    msg = ("forced reload" if job.force else "new contents") + noted
    fetch_id = log_fetch(conn, job, run_id, "new", msg, got)
    return result.but(outcome="new", message=msg, fetch_id=fetch_id)


def _other_feed(conn, feed_id: str, archive_path: str, open_path: Callable[[str], Any]) -> str | None:
    """Why a zip given with the url param is not taken as the feed's next version (its agencies
    or publisher differ from the current version's: identity.py), or None."""
    current = identity.current_version(conn, feed_id)
    if current is None:
        return None
    try:
        with archive.open_stored(open_path(archive_path)) as fh:
            given = identity.of_zip(fh, feed_id)
    except FeedError:
        return None  # not this check's business: registering the version names the fault
    differs = identity.differences(identity.of_version(conn, current), given)
    if not differs:
        return None
    return (f"the given zip does not look like feed {feed_id}: {'; '.join(differs)} (version {current}); "
            "nothing was loaded; trigger again with force to load it as this feed's version anyway")


def _registry_spec(feed_id: str) -> FeedSpec:
    registry = run_registry()
    if feed_id not in registry.feeds:
        raise GtfsPipelineError(f"feed {feed_id} is no longer in the registry {registry.source}")
    return registry.feeds[feed_id]


def _value(value: Any, resolve: Callable[[dict], str], scrub: Scrubber) -> str:
    if isinstance(value, dict):
        secret = resolve(value)
        scrub.secrets.append(secret)
        return secret
    return str(value)


# --- 3. skip unchanged / start versions ---------------------------------------------------------

def start_versions(conn, fetched: list[dict | None], open_path: Callable[[str], Any] | None = None,
                   run_over: Callable[[str], bool | None] | None = None) -> list[dict]:
    """Register a version for every new fetch, owned by the fetch's run; returns one
    StartedVersion (XCom form) per version, its members in load order (``load_items``).

    Under the feed's lock the hashes are checked again: a concurrent run may
    have registered the same bytes since this run fetched them.
    """
    open_path = open_path or storage_path
    out_versions = []
    for raw in fetched:
        if not raw or raw.get("outcome") != "new":
            continue
        r = FetchResult.from_xcom(raw)
        feed_id = r.feed_id
        with lifecycle.feed_lock(conn, feed_id):
            lifecycle.recover_abandoned(conn, feed_id, by=r.run_id or "a DAG run",
                                        run_over=run_over or airflow_run_over)
            match = None if r.force else lifecycle.known_version(conn, feed_id, r.sha256, r.content_sha256)
            if match is not None:
                _update_fetch_log(conn, r, outcome="unchanged", feed_version_id=match,
                                  message=f"version {match} with the same contents was registered meanwhile "
                                          "by another run")
                continue
            # The fetch task hashed the members already (same function, same bytes): the version
            # takes that content hash instead of decompressing the whole zip a second time.
            known = r.content_sha256
            try:
                with archive.open_stored(open_path(r.archive_path)) as fh:
                    plan = versions.start_version(
                        conn, feed_id, fh, source_label=r.archive_path, feed_name=r.name,
                        source_url=r.source_url, as_of=dt.date.fromisoformat(r.as_of),
                        fetched_at=dt.datetime.fromisoformat(r.fetched_at) if r.fetched_at else None,
                        owner=Owner.run(r.run_id), defer_content_hash=bool(known),
                        run_over=run_over or airflow_run_over)
            except FeedError as exc:
                _update_fetch_log(conn, r, outcome="error", message=str(exc))
                continue
            if known:
                _set_content_hash(conn, plan, r.sha256, known)
        _update_fetch_log(conn, r, feed_version_id=plan.feed_version_id)
        version = StartedVersion(feed_id=feed_id, feed_version_id=plan.feed_version_id, as_of=r.as_of,
                                 kind=r.kind, block_on=r.block_on, run_id=r.run_id, archive_path=r.archive_path,
                                 members=_largest_first(plan),
                                 sizes={m["name"]: m.get("size") or 0 for m in plan.members})
        out_versions.append(version.to_xcom())
    return out_versions


def _set_content_hash(conn, plan: versions.VersionPlan, fetched_sha256: str, content_sha256: str) -> None:
    """Record the fetch's content hash on the new version (still under the feed's lock, so a
    concurrent run's re-check sees it). The archived bytes must be the fetched ones."""
    if plan.sha256 != fetched_sha256:
        raise FeedError(f"the archived zip's sha256 {plan.sha256} is not the fetched {fetched_sha256}",
                        feed_id=plan.feed_id)
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET content_sha256 = %s WHERE feed_version_id = %s",
                    (content_sha256, plan.feed_version_id))
    conn.commit()


def _largest_first(plan: versions.VersionPlan) -> list[str]:
    """Members in the order their load tasks should start: the largest (stop_times) first, so it
    is not left for last behind the small files while the pool has few slots."""
    sizes = {m["name"]: m.get("size") or 0 for m in plan.members}
    return sorted(versions._load_order(plan), key=lambda n: -sizes[n])


def load_items(started: list[dict]) -> list[dict]:
    """One load task's input (LoadItem, XCom form) per (version, member), the largest file of the
    whole run first: with two feeds, the big feed's stop_times starts before the small feed's files
    (the mapped load tasks are queued in this order). Ties keep the versions' own order."""
    ranked = []
    for k, raw in enumerate(started):
        v = StartedVersion.from_xcom(raw)
        ranked += [(-(v.sizes.get(name) or 0), k, i, LoadItem(v.feed_id, v.feed_version_id, v.archive_path, name))
                   for i, name in enumerate(v.members)]
    ranked.sort(key=lambda r: r[:3])
    items = [r[3].to_xcom() for r in ranked]
    if items:
        log.info("%d load tasks, largest first: %s", len(items),
                 ", ".join(f"{r[3].feed_id}/{r[3].member} ({-r[0]:,} bytes)" for r in ranked[:5])
                 + (", ..." if len(ranked) > 5 else ""))
    return items


def _update_fetch_log(conn, r: FetchResult, *, outcome: str | None = None, feed_version_id: int | None = None,
                      message: str | None = None) -> None:
    if not r.fetch_id:
        return
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.fetch_log SET outcome = COALESCE(%s, outcome),"
                    " feed_version_id = COALESCE(%s, feed_version_id), message = COALESCE(%s, message)"
                    " WHERE fetch_id = %s", (outcome, feed_version_id, message, r.fetch_id))
    conn.commit()


# --- 4. load ------------------------------------------------------------------------------------

def plan_from_db(conn, feed_version_id: int) -> versions.VersionPlan:
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, sha256, content_sha256, members, status FROM gtfs.feed_version"
                    " WHERE feed_version_id = %s", (feed_version_id,))
        row = cur.fetchone()
    if row is None:
        raise GtfsPipelineError(f"no feed version {feed_version_id}")
    if row[4] != State.LOADING:
        raise FeedError(f"version {feed_version_id} is {row[4]}, no longer loading", feed_id=row[0])
    return versions.VersionPlan(row[0], feed_version_id, row[1], row[2], list(row[3].values()))


def load_file(conn, item: dict, open_path: Callable[[str], Any] | None = None) -> dict:
    """Load one member of a version from the archive; safe to retry (the loader replaces
    an earlier attempt's partition). A failure is noted on the version for finalize.
    The task holds the version (lifecycle.working_on) while it loads."""
    it = LoadItem.from_xcom(item)
    open_path = open_path or storage_path
    try:
        with lifecycle.working_on(conn, it.feed_version_id, State.LOADING):
            plan = plan_from_db(conn, it.feed_version_id)
            with _open_archived(it, open_path) as zf:
                result = versions.load_member(conn, plan, zf, it.member)
    except Exception as exc:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute("UPDATE gtfs.feed_version SET error = left(concat_ws('; ', error, %s), 4000)"
                        " WHERE feed_version_id = %s AND status = 'loading'",
                        (f"{it.member}: {exc}", it.feed_version_id))
        conn.commit()
        raise
    by_code = file_notices(conn, it.feed_version_id, it.member)
    log.info("feed %s version %s: %s loaded: %s rows in %.2f s, %s path, encoding %s, %s notice(s)%s",
             it.feed_id, it.feed_version_id, it.member, f"{result.rows:,}", result.seconds, result.load_path,
             result.encoding, f"{result.notices:,}", "".join(f"\n  {sev:<7} {code} {n:,}" for code, sev, n in by_code))
    return FileLoaded(it.feed_id, it.feed_version_id, it.member, result.rows, result.load_path,
                      result.notices, round(result.seconds, 3), result.encoding).to_xcom()


def file_notices(conn, feed_version_id: int, filename: str) -> list[tuple[str, str, int]]:
    """(code, severity, count) of the notices the loader wrote for one file, most first."""
    with conn.cursor() as cur:
        cur.execute("SELECT code, severity, count(*) FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s"
                    " AND source = 'loader' GROUP BY 1, 2 ORDER BY 3 DESC, 1", (feed_version_id, filename))
        rows = [(c, s, int(n)) for c, s, n in cur.fetchall()]
    conn.rollback()
    return rows


@contextmanager
def _open_archived(item: LoadItem, open_path: Callable[[str], Any]) -> Iterator[zipfile.ZipFile]:
    """The version's zip from the archive; a missing or unreadable object is a FeedError naming
    the feed, the file being loaded and the archive path."""
    path, feed_id, member = item.archive_path, item.feed_id, item.member
    try:
        fh = archive.open_stored(open_path(path))
    except FileNotFoundError:
        raise FeedError(f"the archived zip {path} is missing (deleted or moved after the fetch); "
                        "the next run fetches the feed again", feed_id=feed_id, filename=member) from None
    except OSError as exc:
        raise FeedError(f"cannot read the archived zip {path}: {exc.strerror or exc}", feed_id=feed_id,
                        filename=member) from None
    except Exception as exc:  # noqa: BLE001 - object storage's own errors (botocore: endpoint unreachable, ...)
        raise FeedError(f"cannot read the archived zip {path}: {type(exc).__name__}: {exc}", feed_id=feed_id,
                        filename=member) from None
    with fh:
        try:
            zf = archive.open_zip(fh, feed_id=feed_id)
        except FeedError as exc:
            raise FeedError(f"the archived zip {path} is unusable: {exc.reason}", feed_id=feed_id,
                            filename=member) from None
        with zf:
            yield zf


# --- 5. per version: finalize, geometry, validation, publish ------------------------------------

def finalize(conn, version: dict) -> dict:
    """All files there? Then keys, stats (versions.finish_version): the version is 'validating';
    else it fails, naming the load tasks' errors."""
    v = StartedVersion.from_xcom(version)
    vid = v.feed_version_id
    with lifecycle.working_on(conn, vid, State.LOADING, State.VALIDATING):
        try:
            files = versions.finish_version(conn, vid)
        except GtfsPipelineError as exc:
            conn.rollback()
            with conn.cursor() as cur:
                cur.execute("SELECT error FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
                row = cur.fetchone()
            detail = f" ({row[0]})" if row and row[0] else ""
            message = f"{getattr(exc, 'reason', exc)}{detail}"
            versions.fail_version(conn, vid, message, step=State.LOADING.value)
            raise FeedError(f"version {vid} not loaded: {message}", feed_id=v.feed_id) from None
    rows = sum(f["rows"] or 0 for f in files.values())
    log.info("feed %s version %s: all %d files loaded, %s rows; keys and statistics done, now validating%s",
             v.feed_id, vid, len(files), f"{rows:,}",
             "".join(f"\n  {name:<24} {f['rows'] or 0:>12,} rows  {f['load_path'] or ''}"
                     for name, f in sorted(files.items(), key=lambda kv: -(kv[1]["rows"] or 0))))
    return VersionProgress.started(v, rows=rows, files=len(files)).to_xcom()


def _optional(module: str) -> Any | None:
    if importlib.util.find_spec(module) is None:
        return None
    return importlib.import_module(module)


def run_geometry(conn, version: dict) -> dict:
    v = VersionProgress.from_xcom(version)
    mod = _optional("gtfs_pipeline.geometry")
    if mod is None:
        log.info("feed %s: geometry step not installed (gtfs_pipeline.geometry): skipped", v.feed_id)
        return v.but(geometry=None).to_xcom()
    with lifecycle.working_on(conn, v.feed_version_id, State.VALIDATING):
        counts = versions.run_step(conn, v.feed_id, v.feed_version_id, "geometry", mod.build_geometry)
    built = ", ".join(f"{k} {n:,}" for k, n in (counts or {}).items() if isinstance(n, int) and k != "feed_version_id")
    took = f" in {counts['seconds']:.1f} s" if isinstance((counts or {}).get("seconds"), (int, float)) else ""
    log.info("feed %s version %s: geometry built%s: %s", v.feed_id, v.feed_version_id, took, built or "nothing")
    return v.but(geometry=_small(counts)).to_xcom()


def run_validation(conn, version: dict, *, report: bool = True) -> dict:
    """Validate (gtfs_pipeline.validation, when installed); the publish decision is the publish
    task's (lifecycle.decide), so a version is judged once, under its feed's lock.

    With ``report=False`` the HTML report is left to ``write_report_step`` (the DAG runs
    geometry alongside validation and writes the report after both, so it lists geometry's
    notices too).
    """
    v = VersionProgress.from_xcom(version)
    mod = _optional("gtfs_pipeline.validation")
    if mod is None:
        log.info("feed %s: validation is not installed (gtfs_pipeline.validation): version %s not validated",
                 v.feed_id, v.feed_version_id)
        return v.but(validation=None, blocked=None).to_xcom()
    with lifecycle.working_on(conn, v.feed_version_id, State.VALIDATING):
        result = versions.run_step(conn, v.feed_id, v.feed_version_id, "validation", mod.validate_version)
    by_severity = result.get("by_severity") or {}
    log.info("feed %s version %s validated: %s\n%s", v.feed_id, v.feed_version_id,
             ", ".join(f"{by_severity.get(s, 0):,} {s}" for s in mod.SEVERITIES), mod.format_summary(result))
    v = v.but(validation=_small(result.get("by_severity")) or {})
    if report:
        v = VersionProgress.from_xcom(write_report_step(conn, v.to_xcom()))
    return v.to_xcom()


def write_report_step(conn, version: dict) -> dict:
    """The HTML report of a validated version whose report is not written yet."""
    v = VersionProgress.from_xcom(version)
    if v.validation is None or v.report:
        return v.to_xcom()
    with lifecycle.working_on(conn, v.feed_version_id, State.VALIDATING, State.PUBLISHING, State.LOADED):
        path = versions.run_step(conn, v.feed_id, v.feed_version_id, "report",
                                 lambda c, _vid: write_validation_report(c, v.to_xcom()))
    log.info("feed %s: validation report %s", v.feed_id, path)
    return v.but(report=path).to_xcom()


def write_validation_report(conn, version: dict) -> str:
    """The version's HTML report, next to its archived zip (local folder or object storage).

    Rendered into a local temporary file, then copied: the report module writes
    local files, the archive may be s3:// and the like.
    """
    import shutil
    import tempfile
    from pathlib import Path

    from .report import write_report

    v = VersionProgress.from_xcom(version)
    name = f"{v.feed_id}-v{int(v.feed_version_id)}-validation.html"
    dest = storage_path(v.archive_path).parent / name
    with tempfile.TemporaryDirectory(prefix="gtfs-report-") as tmp:
        local = write_report(conn, v.feed_version_id, Path(tmp) / name)
        with open(local, "rb") as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out)
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET report_path = %s WHERE feed_version_id = %s",
                    (archive.stored_url(dest), v.feed_version_id))
    conn.commit()
    return archive.stored_url(dest)


def refresh_report(conn, version: dict) -> None:
    """After publish: the stored report's status block says what publish decided. A failure
    here is logged, not raised: the version is published (or kept) either way."""
    from .report import refresh_after_publish

    v = VersionProgress.from_xcom(version)
    if not v.report:
        return
    try:
        status = refresh_after_publish(conn, v.feed_version_id)
    except Exception as exc:  # noqa: BLE001 - the report is a by-product of the publish decision
        conn.rollback()
        log.warning("feed %s version %s: the report %s keeps its old status (%s: %s)", v.feed_id,
                    v.feed_version_id, v.report, type(exc).__name__, exc)
        return
    log.info("feed %s version %s: validation report %s (status %s)", v.feed_id, v.feed_version_id, v.report, status)


def _small(value: Any) -> Any:
    """JSON-safe copy for XCom (dates become text)."""
    import json

    return json.loads(json.dumps(value, default=str)) if value is not None else None


def publish_version(conn, version: dict) -> dict:
    """The publish decision (lifecycle.publish_step: the feed's block_on policy, then the
    historical rule), applied in one transaction under the feed's lock.

    A lock timeout (readers of gtfs_current) raises LockTimeout so Airflow retries the task;
    the version is kept 'loaded' meanwhile, and a retry decides again.
    """
    v = VersionProgress.from_xcom(version)
    with lifecycle.working_on(conn, v.feed_version_id, State.VALIDATING, State.PUBLISHING, State.LOADED):
        try:
            decision = lifecycle.publish_step(conn, v.feed_version_id, block_on=v.block_on,
                                              validated=v.validation is not None)
        except LockTimeout as exc:
            _note_on_fetch_log(conn, v, f"not published: {exc}")
            raise
    reason = None if decision.publish else decision.reason
    if decision.kind == NotCurrent.BLOCKED:
        log.warning("feed %s version %s: not published: %s (policy block_on=%s)", v.feed_id, v.feed_version_id,
                    decision.reason, v.block_on or "the default")
    elif decision.publish:
        log.info("feed %s version %s: published, now current%s (policy block_on=%s; notices %s)", v.feed_id,
                 v.feed_version_id, f": {decision.reason}" if decision.reason else "", v.block_on or "the default",
                 ", ".join(f"{n:,} {s}" for s, n in (v.validation or {}).items()) if v.validation is not None
                 else "not validated")
    else:
        log.info("feed %s version %s: not published: %s", v.feed_id, v.feed_version_id, decision.reason)
    _note_on_fetch_log(conn, v, reason or "published")
    return v.but(published=decision.publish, reason=reason,
                 blocked=decision.reason.removeprefix("blocked by validation: ")
                 if decision.kind == NotCurrent.BLOCKED else None).to_xcom()


def _note_on_fetch_log(conn, v: VersionProgress, note: str) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.fetch_log SET message = concat_ws('; ', message, %s)"
                    " WHERE feed_version_id = %s AND run_id IS NOT DISTINCT FROM %s AND outcome = 'new'",
                    (note, v.feed_version_id, v.run_id))
    conn.commit()


def asset_uri(feed_id: str) -> str:
    return ASSET_URI.format(feed_id=feed_id)


# --- 6. summary ---------------------------------------------------------------------------------

def run_summary(conn, run_id: str, jobs: list[dict] | None = None) -> tuple[list[dict], list[str]]:
    """Per feed of this run: its final state, reason, rows and the versions its registration
    recovered; and the list of failures."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT ON (l.feed_id) l.feed_id, l.outcome, l.message, l.source_kind, l.as_of,"
            " l.feed_version_id, v.status, v.error, v.not_current_kind, v.not_current_reason, v.blocked_reason,"
            " f.current_version_id = v.feed_version_id,"
            " (SELECT sum(rows) FROM gtfs.feed_version_file x WHERE x.feed_version_id = v.feed_version_id),"
            " v.report_path"
            " FROM gtfs.fetch_log l LEFT JOIN gtfs.feed_version v ON v.feed_version_id = l.feed_version_id"
            " LEFT JOIN gtfs.feed f ON f.feed_id = l.feed_id"
            " WHERE l.run_id = %s ORDER BY l.feed_id, l.fetch_id DESC", (run_id,))
        rows = cur.fetchall()
    conn.rollback()
    recovered: dict[str, list[str]] = {}
    for r in lifecycle.recovered_by(conn, run_id):
        recovered.setdefault(r.feed_id, []).append(f"version {r.feed_version_id} ({r.message})")
    seen = {r[0] for r in rows}
    report, failures = [], []
    for (feed_id, outcome, message, kind, as_of, vid, status, error, not_current, why, policy, current, nrows,
         report_path) in rows:
        state = outcome
        if outcome == "new":
            if status == State.PUBLISHED and current:
                state = "published"
            elif status == State.LOADED and not_current == NotCurrent.BLOCKED:
                state, message = "blocked", f"not published: {policy or why}"
            elif status == State.LOADED and not_current == NotCurrent.PUBLISH_TIMEOUT:
                state, message = "failed", f"not published: {why}"
            elif status == State.LOADED:
                state = "loaded"
            elif status == State.SUPERSEDED:  # published, then replaced by a newer version (another run's)
                state = "superseded"
            elif status == State.FAILED:
                state, message = "failed", error or message
            else:
                state, message = "failed", f"version {vid} did not finish ({status or 'not started'})"
        elif outcome == "error":
            state = "failed"
        entry = {"feed_id": feed_id, "state": state, "kind": kind, "as_of": str(as_of) if as_of else None,
                 "feed_version_id": vid, "rows": int(nrows) if nrows is not None and outcome == "new" else None,
                 "message": message, "report": report_path if outcome == "new" else None,
                 "recovered": recovered.get(feed_id, []),
                 "changes": _changes(conn, vid) if state == "published" else None}
        report.append(entry)
        if state in ("failed", "blocked"):
            failures.append(f"{feed_id}: {message}")
    for raw in jobs or []:
        job = FetchJob.from_xcom(raw)
        if job.feed_id not in seen:
            report.append({"feed_id": job.feed_id, "state": "failed", "kind": job.kind,
                           "as_of": job.as_of, "feed_version_id": None, "rows": None,
                           "message": "the fetch task did not record a result", "report": None,
                           "recovered": recovered.get(job.feed_id, [])})
            failures.append(f"{job.feed_id}: the fetch task did not record a result")
    return report, failures


def _changes(conn, feed_version_id: int) -> str | None:
    """What a published version changed against the one it superseded (timetable.summary_line)."""
    from . import timetable

    with conn.cursor() as cur:
        line = timetable.summary_line(cur, feed_version_id)
    conn.rollback()
    return line


REPORTS_PREFIX = "/gtfs-reports"  # = gtfs_reports_plugin.URL_PREFIX (the plugin's app)


def reports_url() -> str:
    """The reports index the plugin serves: [api] base_url + /gtfs-reports/ (a path when no base
    URL is configured)."""
    try:
        from airflow.configuration import conf

        base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    except Exception:  # noqa: BLE001 - no Airflow here
        base = ""
    return f"{base}{REPORTS_PREFIX}/"


SUMMARY_FEEDS_NAMED = 20  # feeds named per state in summary's return value


def summary_counts(report: list[dict]) -> dict:
    """What the summary task returns (its XCom): feeds by state, the first few of each named.
    The per-feed lines are in the task log; with a thousand feeds the whole report would be a
    large XCom row in Airflow's database for every run."""
    states: dict[str, dict] = {}
    for e in report:
        entry = states.setdefault(e["state"], {"count": 0, "feeds": []})
        entry["count"] += 1
        if len(entry["feeds"]) < SUMMARY_FEEDS_NAMED:
            entry["feeds"].append(e["feed_id"])
    return {"feeds": len(report), "states": dict(sorted(states.items()))}


def log_summary(report: list[dict], resolve_error: str | None = None, index_url: str | None = None) -> str:
    """The run summary through ``logging`` (top level of the task log, not the collapsed stdout
    group), one line per feed, then where the reports index is; returns the text."""
    text = format_summary(report, resolve_error, index_url)
    for line in text.splitlines():
        log.info("%s", line)
    return text


def format_summary(report: list[dict], resolve_error: str | None = None, index_url: str | None = None) -> str:
    counts: dict[str, int] = {}
    for e in report:
        counts[e["state"]] = counts.get(e["state"], 0) + 1
    lines = ["gtfs_feeds run: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no feeds")]
    if resolve_error:
        lines.append(f"  resolve_feeds failed, no feed was fetched: {resolve_error}")
    for e in sorted(report, key=lambda e: e["feed_id"]):
        rows = f", {e['rows']} rows" if e["rows"] is not None else ""
        version = f" version {e['feed_version_id']}" if e["feed_version_id"] else ""
        lines.append(f"  {e['feed_id']}: {e['state']}{version} ({e['kind']}, as of {e['as_of']}{rows})"
                     f"{': ' + e['message'] if e['message'] else ''}")
        for r in e.get("recovered") or []:
            lines.append(f"    recovered {r}")
        if e.get("changes"):
            lines.append(f"    {e['changes']}")
        if e.get("report"):
            where = f"{index_url}{e['feed_version_id']} (" if index_url and e.get("feed_version_id") else ""
            lines.append(f"    validation report: {where}{e['report']}{')' if where else ''}")
    if index_url:
        lines.append(f"validation reports of every feed and version: {index_url}")
    return "\n".join(lines)


def open_member_zip(path: str) -> zipfile.ZipFile:
    """A stored archive as a ZipFile (for ad-hoc use and tests)."""
    return zipfile.ZipFile(storage_path(path).open("rb"))
