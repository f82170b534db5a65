"""Every ``GTFS_*`` environment variable the package reads, in one place.

``current()`` returns a frozen :class:`Settings` built from the environment *at
the time of the call*. It is deliberately not cached: building it is a few
dictionary look-ups, an Airflow worker or a test that changes the environment
sees the change on the next call without a reset hook, and no module holds a
copy that silently disagrees with another's. The few values that shape
something built once (the DAG's pool, retries and timeout at parse time, the
folder SQL files are read from) are taken at import by their module; the
table in docs/configuration.md says which.

A value that does not parse raises GtfsPipelineError naming the variable.
This module imports only the standard library, so the DAG file can use it
without slowing its parse.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable, Mapping

from .errors import GtfsPipelineError

_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|min|mins|minutes?|m|h|hours?|d|days?)?\s*", re.I)
_UNIT_SECONDS = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60, "mins": 60,
                 "minute": 60, "minutes": 60, "h": 3600, "hour": 3600, "hours": 3600, "d": 86400,
                 "day": 86400, "days": 86400}


def parse_duration(text: str) -> dt.timedelta:
    """'12 hours', '90 minutes', '45s', '2h' or a number of seconds: a positive timedelta."""
    m = _DURATION.fullmatch(text)
    if not m:
        raise ValueError("a duration such as '12 hours', '90 minutes' or '45s'")
    seconds = float(m.group(1)) * _UNIT_SECONDS[(m.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError("a duration longer than zero")
    return dt.timedelta(seconds=seconds)


def describe_duration(value: dt.timedelta) -> str:
    """'12 hours', '90 minutes', '45 seconds': how messages and docs spell a duration."""
    seconds = value.total_seconds()
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError("a whole number of at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError("a whole number of at least 0")
    return value


def _pg_lock_timeout(text: str) -> str:
    """A PostgreSQL lock_timeout value: a number with an optional ms/s/min/h unit."""
    if not re.fullmatch(r"\d+\s*(ms|s|min|h)?", text.strip()):
        raise ValueError("a PostgreSQL duration such as '30s', '500ms' or '2min'")
    return text.strip()


def _pg_memory(text: str) -> str:
    if not re.fullmatch(r"\d+\s*(kB|MB|GB|TB)?", text.strip()):
        raise ValueError("a PostgreSQL memory size such as '256MB' or '1GB'")
    return text.strip()


def _flag(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("1 or 0 (true or false)")


@dataclass(frozen=True)
class Variable:
    """One environment variable: what docs/configuration.md lists for it."""

    env: str
    field: str
    default: object
    parse: Callable[[str], object]
    doc: str
    default_doc: str | None = None  # how the docs spell a default computed at run time
    aliases: tuple[str, ...] = ()  # older names still honoured


VARIABLES: tuple[Variable, ...] = (
    Variable("GTFS_DATABASE_URL", "database_url", None, str,
             "The GTFS database for the CLI and library (`postgresql://user:pass@host:5432/gtfs`); the way to "
             "give a password to the CLI (with `GTFS_DATABASE_URL_FILE`), rather than `--dsn`, which other "
             "users see in `ps`. `--dsn` / `--dsn-file` win over it; the DAG uses the Airflow connection "
             "`gtfs_db` first."),
    Variable("GTFS_DATABASE_URL_FILE", "database_url_file", None, Path,
             "A file holding the database URL (one line; e.g. a mounted secret), used when "
             "`GTFS_DATABASE_URL` is not set."),
    Variable("GTFS_FEEDS_REGISTRY", "feeds_registry", None, Path,
             "The feed registry file (YAML). In the DAG the Airflow Variable `gtfs_feeds_registry` wins.",
             "`include/feeds.yml` of the checkout; none when the package is installed"),
    Variable("GTFS_ARCHIVE_URL", "archive_url", None, str,
             "Where the DAG archives fetched zips and writes validation reports (`file://`, `s3://`, ...); "
             "must be one place all workers reach.", "`data/archive` of the checkout (file://); none when the package is installed"),
    Variable("GTFS_ARCHIVE_CONN_ID", "archive_conn_id", None, str,
             "Airflow connection used for a non-`file://` archive: for `s3://` an `aws` connection (keys as "
             "login and password, or none for the machine's own AWS credentials; `endpoint_url` in its extra "
             "for an S3-compatible server), best given as `AIRFLOW_CONN_<ID>` or by a secrets backend so the "
             "keys stay out of Airflow's database (docs/dag.md, The archive on object storage)."),
    Variable("GTFS_ARCHIVE_READ_BLOCK_BYTES", "archive_read_block_bytes", 4 << 20, _positive_int,
             "Bytes per ranged read from an object-storage archive (`s3://`, ...): a task reading an archived "
             "zip holds about this much of it, plus the 1 MiB the loader reads at a time, never the whole zip. "
             "Not used for `file://`.", "4 MiB"),
    Variable("GTFS_FETCH_ALLOW_PRIVATE_NETWORK", "fetch_allow_private_network", False, _flag,
             "`1` lets every feed's fetches (and the DAG's `url` param) reach loopback, private, link-local "
             "and other non-public addresses; by default only a registry feed with "
             "`allow_private_network: true` may (docs/dag.md, Fetching safely).", "`0`"),
    Variable("GTFS_IMPORT_DIR", "import_dir", None, str,
             "The folder (or storage URL prefix, `s3://bucket/import/`) below which the DAG's `url` param may "
             "name a zip by path; not set: paths are refused, only http(s) URLs are fetched."),
    Variable("GTFS_DB_POOL", "db_pool", "gtfs_db", str,
             "The Airflow pool the DAG's database-heavy tasks run in (read when the DAG file is parsed; "
             "the pool must exist)."),
    Variable("GTFS_FETCH_RETRIES", "fetch_retries", 3, _non_negative_int,
             "Retries of the DAG's fetch task on a transient network error (read when the DAG file is parsed)."),
    Variable("GTFS_FETCH_BATCH_SIZE", "fetch_batch_size", 25, _positive_int,
             "Feeds one mapped `fetch` task of the DAG fetches (`resolve_feeds` cuts the run's feeds into "
             "batches of this many, in feed-id order): under the LocalExecutor a task costs seconds to start, "
             "a 304 a few milliseconds, so 1 000 feeds in 40 tasks instead of 1 000 (docs/dag.md, Fetching many "
             "feeds). `1` = one task per feed."),
    Variable("GTFS_FETCH_THREADS", "fetch_threads", 4, _positive_int,
             "Feeds one `fetch` task fetches at the same time (threads, each with its own database connection)."),
    Variable("GTFS_FETCH_PER_HOST", "fetch_per_host", 2, _positive_int,
             "Most feeds one `fetch` task fetches at the same time from one host (the host of the feed's URL), "
             "so a batch of feeds of one agency does not open `GTFS_FETCH_THREADS` connections to it."),
    Variable("GTFS_STALE_VERSION_AFTER", "stale_version_after", dt.timedelta(hours=12), parse_duration,
             "How long a version registered by a DAG run may stay unfinished (loading, validating, "
             "publishing) before the next registration of its feed treats the run as dead and fails the "
             "version. The DAG's `dagrun_timeout` is derived from it (5/6 of it: 10 hours by default), so a "
             "live run never reaches it. CLI loads are recovered as soon as their process is gone, whatever "
             "this says.", "`12 hours`", aliases=("GTFS_LOADING_STALE_AFTER",)),
    Variable("GTFS_PUBLISH_LOCK_TIMEOUT", "publish_lock_timeout", "30s", _pg_lock_timeout,
             "How long publishing (and any rewrite of the `gtfs_current` views) waits for readers of "
             "`gtfs_current` before giving up with nothing changed."),
    Variable("GTFS_MAX_MEMBER_BYTES", "max_member_bytes", 8 * 1024**3, _positive_int,
             "Largest decompressed size of one zip member, in bytes.", "8 GiB"),
    Variable("GTFS_MAX_TOTAL_BYTES", "max_total_bytes", 32 * 1024**3, _positive_int,
             "Largest decompressed size of all members of a zip, in bytes.", "32 GiB"),
    Variable("GTFS_MAX_MEMBERS", "max_members", 10_000, _positive_int, "Most members a zip may have."),
    Variable("GTFS_MAX_EXPANSION_RATIO", "max_expansion_ratio", 300, _positive_int,
             "Largest expansion (decompressed / compressed bytes) of a zip member, and of the whole archive "
             "(all members decompressed / the zip's size), once past `GTFS_EXPANSION_CHECK_BYTES`: checked on "
             "the sizes the archive declares and again while a member streams, so a zip bomb is refused before "
             "it is inflated (real feeds stay below 60).", "`300`"),
    Variable("GTFS_EXPANSION_CHECK_BYTES", "expansion_check_bytes", 4 << 20, _non_negative_int,
             "Decompressed size from which `GTFS_MAX_EXPANSION_RATIO` applies (small, very regular files may "
             "compress better).", "4 MiB"),
    Variable("GTFS_MAX_LINE_BYTES", "max_line_bytes", 16 << 20, _positive_int,
             "Longest line, record or value of a CSV member, in bytes (a value may span lines inside quotes): "
             "the most of one the loader holds in memory. Longer is refused, naming feed, file and line.",
             "16 MiB"),
    Variable("GTFS_MAX_COLUMNS", "max_columns", 10_000, _positive_int,
             "Most columns (header names, or fields of one row) of a CSV member; more is refused, naming feed, "
             "file and line."),
    Variable("GTFS_MAINTENANCE_WORK_MEM", "maintenance_work_mem", "256MB", _pg_memory,
             "`maintenance_work_mem` of the session building a loaded file's key."),
    Variable("GTFS_COPY_STREAMS", "copy_streams", 1, _positive_int,
             "COPY streams (server processes) one large file is split over; 1 = not split."),
    Variable("GTFS_SPLIT_COPY_BYTES", "split_copy_bytes", 64 << 20, _non_negative_int,
             "Files at least this large (bytes) are split when `GTFS_COPY_STREAMS` > 1.", "64 MiB"),
    Variable("GTFS_VALIDATION_CONNECTIONS", "validation_connections", 2, _positive_int,
             "Connections the validation rules run on at once."),
    Variable("GTFS_SQL_DIR", "sql_dir", None, Path,
             "The folder of the project's SQL files (migrations, geometry, validation rules); read at import.",
             "the package's own SQL (`gtfs_pipeline/sql`, installed from `include/sql`); from a checkout, its `include/sql`"),
    Variable("GTFS_PAUSE_AT", "pause_at", None, str,
             "Test hook: a one-process load stops for good at this point (`geometry`, `validation`, `report`, "
             "`publish`) after printing `gtfs-pipeline: paused at <point>`, so the crash tests can kill it "
             "there (docs/reliability.md). Never set it in production."),
    Variable("GTFS_PG_BINDIR", "pg_bindir", Path("/usr/lib/postgresql/15/bin"), Path,
             "PostgreSQL binaries used by the local test/demo cluster (localpg)."),
)


@dataclass(frozen=True)
class Settings:
    """The package's configuration (see VARIABLES for each field's variable and meaning)."""

    database_url: str | None
    database_url_file: Path | None
    feeds_registry: Path | None
    archive_url: str | None
    archive_conn_id: str | None
    archive_read_block_bytes: int
    fetch_allow_private_network: bool
    import_dir: str | None
    db_pool: str
    fetch_retries: int
    fetch_batch_size: int
    fetch_threads: int
    fetch_per_host: int
    stale_version_after: dt.timedelta
    publish_lock_timeout: str
    max_member_bytes: int
    max_total_bytes: int
    max_members: int
    max_expansion_ratio: int
    expansion_check_bytes: int
    max_line_bytes: int
    max_columns: int
    maintenance_work_mem: str
    copy_streams: int
    split_copy_bytes: int
    validation_connections: int
    sql_dir: Path | None
    pause_at: str | None
    pg_bindir: Path

    @property
    def dagrun_timeout(self) -> dt.timedelta:
        """The DAG run's timeout: 5/6 of the stale-version limit. A run still going is then always
        younger than the limit, so recovery never fails a version a live run can still finish; the
        remaining sixth covers Airflow ending the timed-out run's tasks."""
        return self.stale_version_after * 5 / 6

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        values = {}
        for var in VARIABLES:
            name, raw = next(((n, environ[n]) for n in (var.env, *var.aliases) if environ.get(n, "").strip()),
                             (var.env, None))
            if raw is None:
                values[var.field] = var.default
                continue
            try:
                values[var.field] = var.parse(raw.strip())
            except ValueError as exc:
                hint = str(exc) if not str(exc).startswith("invalid literal") else "a whole number"
                raise GtfsPipelineError(f"environment variable {name}={raw!r} is not valid: expected {hint}") \
                    from None
        return cls(**values)


assert {f.name for f in fields(Settings)} == {v.field for v in VARIABLES}


def current() -> Settings:
    """The settings as the environment says now (see the module docstring for why not cached)."""
    return Settings.from_environ()


def _default_text(var: Variable) -> str:
    if var.default_doc:
        return var.default_doc
    if var.default is None:
        return "(not set)"
    if isinstance(var.default, dt.timedelta):
        return f"`{describe_duration(var.default)}`"
    return f"`{var.default}`"


def configuration_table() -> str:
    """The table of docs/configuration.md (a test checks the file holds exactly this)."""
    lines = ["| Variable | Default | What it changes |", "|---|---|---|"]
    for var in VARIABLES:
        also = f" (older name `{'`, `'.join(var.aliases)}` still read)" if var.aliases else ""
        lines.append(f"| `{var.env}` | {_default_text(var)} | {var.doc}{also} |")
    return "\n".join(lines)
