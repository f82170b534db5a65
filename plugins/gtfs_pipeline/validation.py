"""Validation of a loaded feed version, in the database, with the MobilityData codes.

Each rule is one SQL file ``include/sql/validation/<code>.sql`` named after the
notice code of the canonical GTFS validator (MobilityData/gtfs-validator). A
file starts with comment lines that describe it::

    -- severity: ERROR
    -- meaning: one line, shown in docs/validation.md and in the report

and then inserts the notices of one version into ``gtfs.notice`` with
``source`` = the code, for ``%(feed_version_id)s``. A rerun first deletes the
rule's own notices (``source`` = its code), so validating twice leaves one set;
the loader's notices (``source = 'loader'``) are never touched.

Files whose name starts with ``_`` are preparation steps: each of their
``CREATE TABLE v_<name> AS`` statements (with the ``CREATE INDEX ON v_<name>`` and
``ANALYZE v_<name>`` that follow it) builds one table shared by several rules (one
pass over stop_times instead of one per rule). Rules must not depend on one another.

The work runs on ``GTFS_VALIDATION_CONNECTIONS`` connections at once (default 2: the
caller's and one more with the same parameters). A rule or table waits for the
``v_*`` tables its SQL names and runs on whichever connection is free; each one
commits on its own. With more than one connection the ``v_*`` tables are unlogged
tables in a schema of the run's own (``gtfs_validation_<pid>``, dropped at the end;
``search_path`` finds them), else temporary tables. A step whose SQL names
``%(trip_lo)s`` and ``%(trip_hi)s`` runs in one part per connection, each on its own
range of trip_id (``trip_id >= trip_lo AND trip_id < trip_hi``; NULL: open end), into
``v_<name>_p<i>``; ``v_<name>`` is then a view of the parts (UNION ALL).

Parameters available to a rule: ``feed_version_id``, ``today`` (the date
expiry rules compare with: the version's ``as_of`` date, else the current
date) and ``header_<table>`` for each file of the reference (its header
columns, empty when the version lacks the file).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import psycopg2.extensions

from . import db, rulegen
from .errors import GtfsPipelineError
from .paths import SQL_DIR
from .reference import FILES

log = logging.getLogger(__name__)

RULE_DIR: Path = SQL_DIR / "validation"
SEVERITIES = ("ERROR", "WARNING", "INFO")
BLOCK_ON = ("fatal", "error", "never")
# The default policy: publish unless the version is unusable. Real feeds nearly all
# carry some ERROR notices (foreign keys to missing shapes, one bad colour, ...);
# keeping them out would leave riders with an older, expired timetable.
DEFAULT_BLOCK_ON = "fatal"

# Codes the loader writes (source = 'loader'); validation never writes or deletes them.
LOADER_CODES: dict[str, str] = {
    "invalid_integer": "ERROR",
    "invalid_float": "ERROR",
    "invalid_date": "ERROR",
    "invalid_time": "ERROR",
    "invalid_currency_amount": "ERROR",
    "invalid_row_length": "ERROR",
    "invalid_character": "ERROR",
    "duplicate_key": "ERROR",
    "missing_required_field": "ERROR",
    "duplicated_column": "ERROR",
    "empty_column_name": "ERROR",
    "missing_required_column": "ERROR",
    "malformed_json": "ERROR",
    "empty_file": "ERROR",
    "csv_parsing_failed": "ERROR",
    "empty_row": "WARNING",
    "leading_or_trailing_whitespaces": "WARNING",
    "non_utf8_encoding": "WARNING",
    "unknown_column": "INFO",
    "unknown_file": "INFO",
    "ignored_member": "INFO",
}


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    meaning: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()


_META = re.compile(r"^--\s*(severity|meaning):\s*(.+?)\s*$", re.M)


def _parse(path: Path) -> Rule:
    text = path.read_text()
    meta = {k: v for k, v in _META.findall(text)}
    code = path.stem
    severity = meta.get("severity", "")
    if severity not in SEVERITIES:
        raise GtfsPipelineError(f"validation rule {path.name}: '-- severity:' must be one of {SEVERITIES}")
    if f"'{code}'" not in text:
        raise GtfsPipelineError(f"validation rule {path.name} does not write its own code '{code}'")
    return Rule(code, severity, meta.get("meaning", ""), path)


def rules(rule_dir: Path | None = None) -> list[Rule]:
    """All rules, in code order."""
    folder = rule_dir or RULE_DIR
    return [_parse(p) for p in sorted(folder.glob("[a-z]*.sql"))]


def preparation_steps(rule_dir: Path | None = None) -> list[Path]:
    folder = rule_dir or RULE_DIR
    return sorted(folder.glob("_*.sql"))


def rule_by_code() -> dict[str, Rule]:
    return {r.code: r for r in rules()}


def _today(cur, feed_version_id: int) -> dt.date:
    cur.execute("SELECT as_of FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
    row = cur.fetchone()
    if row is None:
        raise GtfsPipelineError(f"no feed version {feed_version_id}")
    return row[0] or dt.date.today()


def _statements(text: str) -> list[str]:
    """The statements of a preparation file: split at a semicolon that ends a line (the files
    hold no function bodies), comment-only pieces dropped."""
    pieces = re.split(r";[ \t]*(?:--[^\n]*)?\n", text + "\n")
    return [p for p in pieces if re.sub(r"--[^\n]*", "", p).strip()]


CONNECTIONS_ENV = "GTFS_VALIDATION_CONNECTIONS"
DEFAULT_CONNECTIONS = 2
SCRATCH_PREFIX = "gtfs_validation_"
_MAKES = re.compile(r"^\s*CREATE\s+TABLE\s+(v_\w+)\s+AS\b", re.I | re.M)
_NAMES = re.compile(r"\bv_\w+\b")
# Rules that read a big table whole (or wait on the longest chain) start first: the others fill in.
_BIG = re.compile(r"\bgtfs\.(stop_times|shapes)\b|\bv_block_trip\b")
# A preparation step that asks for JIT compilation (a comment line "-- JIT on: why"): the passes that
# evaluate expressions on millions of rows, where compiling pays (0.5 s on 3 M stop times); on the
# others the compile time (0.1-0.3 s) is lost.
_JIT_STEP = re.compile(r"^--\s*JIT on\b", re.M)


@dataclass
class _Task:
    name: str                      # "_prepare/v_st" or a rule's code
    statements: list[str]
    makes: str | None = None       # the v_* table a preparation step builds
    rule: Rule | None = None
    needs: set[str] = field(default_factory=set)
    rank: int = 0
    bounds: dict = field(default_factory=dict)   # trip_lo / trip_hi of a part
    view_of: list[str] = field(default_factory=list)  # the parts a UNION ALL view joins


def _names(*sql: str) -> set[str]:
    """The v_* tables that SQL text names outside its comments."""
    return set(_NAMES.findall(re.sub(r"--[^\n]*", "", "\n".join(sql))))


def _split(steps: list[_Task], bounds: list) -> list[_Task]:
    """Steps that read a trip_id range: one per range (v_x_p<i>), then the view v_x of them."""
    out: list[_Task] = []
    for t in steps:
        if "%(trip_lo)s" not in re.sub(r"--[^\n]*", "", t.statements[0]) or not bounds:
            out.append(t)
            continue
        parts = []
        for i, (lo, hi) in enumerate(zip([None, *bounds], [*bounds, None])):
            name = f"{t.makes}_p{i}"
            rename = re.compile(rf"\b{t.makes}\b")
            out.append(_Task(f"{t.name}#{i}", [rename.sub(name, x) for x in t.statements], makes=name,
                             needs=set(t.needs), bounds={"trip_lo": lo, "trip_hi": hi}))
            parts.append(name)
        out.append(_Task(t.name, [], makes=t.makes, needs=set(parts), view_of=parts))
    return out


def _plan(selected: list[Rule], bounds: list | None = None) -> list[_Task]:
    """Preparation steps (one per v_* table) and rules, each with the v_* tables it needs, in
    the order they should start when ready. Only the tables the selected rules need are built;
    ``bounds``: trip_id values that split the steps that read a range of trips."""
    steps: list[_Task] = []
    for path in preparation_steps():
        for statement in _statements(path.read_text()):
            made = _MAKES.search(statement)
            if made:
                steps.append(_Task(f"{path.stem}/{made.group(1)}", [statement], makes=made.group(1)))
            elif steps:  # CREATE INDEX ON v_x / ANALYZE v_x: with the step that built v_x
                owner = next((t for t in reversed(steps) if t.makes in _names(statement)), steps[-1])
                owner.statements.append(statement)
            else:
                raise GtfsPipelineError(f"{path.name}: a statement before any CREATE TABLE v_... AS")
    tables = {t.makes for t in steps}
    for t in steps:
        t.needs = _names(*t.statements) & tables - {t.makes}
    rule_tasks = [_Task(r.code, [r.sql], rule=r, needs=_names(r.sql) & tables)
                  for r in selected]
    wanted: set[str] = set()
    todo = [n for t in rule_tasks for n in t.needs]
    by_table = {t.makes: t for t in steps}
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo.extend(by_table[name].needs)
    steps = _split([t for t in steps if t.makes in wanted], bounds or [])
    for i, t in enumerate(steps):
        t.rank = i
    for i, t in enumerate(sorted(rule_tasks, key=lambda t: (not _BIG.search(t.statements[0]), t.name))):
        t.rank = len(steps) + i
    return steps + rule_tasks


class _Scheduler:
    """Hands out tasks whose v_* tables are built, best rank first, to the connections' threads."""

    def __init__(self, tasks: list[_Task]):
        self.pending = sorted(tasks, key=lambda t: t.rank)
        self.built: set[str] = set()
        self.running = 0
        self.error: BaseException | None = None
        self.cond = threading.Condition()

    def take(self) -> _Task | None:
        with self.cond:
            while True:
                if self.error is not None:
                    return None
                for task in self.pending:
                    if task.needs <= self.built:
                        self.pending.remove(task)
                        self.running += 1
                        return task
                if not self.pending or not self.running:
                    return None
                self.cond.wait()

    def done(self, task: _Task, error: BaseException | None = None) -> None:
        with self.cond:
            self.running -= 1
            if error is not None:
                self.error = self.error or error
            elif task.makes:
                self.built.add(task.makes)
            self.cond.notify_all()


def _connections_wanted() -> int:
    try:
        return max(1, int(os.environ.get(CONNECTIONS_ENV, DEFAULT_CONNECTIONS)))
    except ValueError:
        return DEFAULT_CONNECTIONS


def _second_connection(conn):
    """Another connection with the caller's parameters (and password), set up as db.connect does."""
    params = dict(conn.info.dsn_parameters)
    if conn.info.password:
        params["password"] = conn.info.password
    return db.connect(psycopg2.extensions.make_dsn(**params))


def _drop_stale_scratch(cur) -> None:
    """Schemas of runs whose connection is gone (a crash): drop them."""
    cur.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ %s"
                " AND substr(nspname, %s)::int NOT IN (SELECT pid FROM pg_stat_activity)",
                (f"^{SCRATCH_PREFIX}[0-9]{{1,9}}$", len(SCRATCH_PREFIX) + 1))
    for (name,) in cur.fetchall():
        cur.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def _run_task(conn, task: _Task, params: dict, scratch: str | None, timings: dict, failed: dict) -> None:
    started = time.monotonic()
    with conn.cursor() as cur:
        # Per transaction: memory generous for sorts; JIT only where the step asks for it.
        jit = "on" if task.rule is None and _JIT_STEP.search("\n".join(task.statements)) else "off"
        # The v_* tables' ANALYZE needs row counts and rough distinct counts, not fine histograms:
        # a sample of 3 000 rows instead of the default 30 000 (0.1 s less per table).
        cur.execute(f"SET LOCAL work_mem = '256MB'; SET LOCAL jit = {jit}; SET LOCAL default_statistics_target = 10")
        if scratch:
            cur.execute(f'SET LOCAL search_path = "{scratch}", public')
        if task.rule is None:
            kind = "UNLOGGED TABLE" if scratch else "TEMP TABLE"
            try:
                for statement in task.statements:
                    cur.execute(_MAKES.sub(lambda m: f"CREATE {kind} {m.group(1)} AS", statement),
                                {"trip_lo": None, "trip_hi": None, **params, **task.bounds})
                if task.view_of:
                    cur.execute(f"CREATE {'' if scratch else 'TEMP '}VIEW {task.makes} AS "
                                + " UNION ALL ".join(f"SELECT * FROM {p}" for p in task.view_of))
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
        else:
            try:
                cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %(feed_version_id)s"
                            " AND source = %(code)s", {**params, "code": task.name})
                cur.execute(task.statements[0], params)
                conn.commit()
            except psycopg2.Error as exc:
                conn.rollback()
                failed[task.name] = (exc.pgerror or str(exc)).strip()
    timings[task.name] = round(time.monotonic() - started, 3)


def _worker(conn, scheduler: _Scheduler, params: dict, scratch: str | None, timings: dict, failed: dict) -> None:
    while True:
        task = scheduler.take()
        if task is None:
            return
        try:
            _run_task(conn, task, params, scratch, timings, failed)
        except BaseException as exc:  # a preparation step failed: stop everyone
            scheduler.done(task, exc)
            return
        scheduler.done(task)


def validate_version(conn, feed_version_id: int, *, only: list[str] | None = None,
                     today: dt.date | None = None, connections: int | None = None) -> dict:
    """Run the validation rules on one loaded version; idempotent.

    Returns ``{"feed_version_id", "today", "counts": {code: n}, "by_severity":
    {severity: n}, "timings": {code: seconds}, "failed": {code: message},
    "seconds", "connections"}``. ``timings`` also has one entry per preparation
    table (``"_prepare/v_st"``) and their sum (``"_prepare"``). ``counts`` and
    ``by_severity`` include the loader's notices. A rule whose SQL fails is reported
    in ``failed`` (its notices are left as they were) and the others still run.
    The caller's open transaction is committed first (the other connection must see
    its rows); each rule commits its notices on its own.
    """
    started = time.monotonic()
    selected = [r for r in rules() if only is None or r.code in only]
    timings: dict[str, float] = {}
    failed: dict[str, str] = {}
    with conn.cursor() as cur:
        today = today or _today(cur, feed_version_id)
    conn.commit()
    params = {"feed_version_id": int(feed_version_id), "today": today, **_headers(conn, feed_version_id)}
    wanted = connections or _connections_wanted()
    extra: list = []
    scratch: str | None = None
    if wanted > 1:
        try:
            with conn.cursor() as cur:
                _drop_stale_scratch(cur)
                cur.execute("SELECT pg_backend_pid()")
                scratch = f"{SCRATCH_PREFIX}{cur.fetchone()[0]}"
                cur.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE; CREATE SCHEMA "{scratch}"')
            conn.commit()
            for _ in range(wanted - 1):
                extra.append(_second_connection(conn))
        except (psycopg2.Error, GtfsPipelineError) as exc:
            conn.rollback()
            log.warning("validation of version %s on one connection: %s", feed_version_id, exc)
            for other in extra:
                other.close()
            extra = []
            if scratch:
                _drop_scratch(conn, scratch)
            scratch = None
    tasks = _plan(selected, _trip_bounds(conn, feed_version_id, 1 + len(extra)))
    if scratch is None:
        _drop_temp(conn, tasks)  # left by a run on this connection that was interrupted
    scheduler = _Scheduler(tasks)
    try:
        threads = [threading.Thread(target=_worker, args=(c, scheduler, params, scratch, timings, failed),
                                    name=f"validation-{i}", daemon=True)
                   for i, c in enumerate(extra, 1)]
        for t in threads:
            t.start()
        _worker(conn, scheduler, params, scratch, timings, failed)
        for t in threads:
            t.join()
    finally:
        for other in extra:
            other.close()
        if scratch:
            _drop_scratch(conn, scratch)
        else:
            _drop_temp(conn, tasks)
    if scheduler.error is not None:
        raise scheduler.error
    if scheduler.pending:  # cannot happen with a well-formed plan
        raise GtfsPipelineError(f"validation: tasks never became ready: {[t.name for t in scheduler.pending]}")
    timings["_prepare"] = round(sum(v for k, v in timings.items() if "/" in k), 3)
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET validated_at = now() WHERE feed_version_id = %s",
                    (feed_version_id,))
        counts, by_severity = _counts(cur, feed_version_id)
    conn.commit()
    return {"feed_version_id": int(feed_version_id), "today": today, "counts": counts,
            "by_severity": by_severity, "timings": timings, "failed": failed,
            "seconds": round(time.monotonic() - started, 3), "connections": 1 + len(extra)}


def _headers(conn, feed_version_id: int) -> dict[str, list[str]]:
    """``header_<table>``: the header columns of each file of the reference (empty: no such file).
    Constants in the rules' SQL, so the planner drops the checks of absent columns."""
    with conn.cursor() as cur:
        cur.execute("SELECT filename, columns FROM gtfs.feed_version_file WHERE feed_version_id = %s",
                    (feed_version_id,))
        found = dict(cur.fetchall())
    conn.commit()
    return {rulegen.header_param(f): list(found.get(f.name, [])) for f in FILES}


def _trip_bounds(conn, feed_version_id: int, parts: int) -> list:
    """trip_id values that cut the version's trips into ``parts`` ranges of about equal size."""
    if parts < 2:
        return []
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT unnest(percentile_disc(%s) WITHIN GROUP (ORDER BY trip_id))"
                    " FROM gtfs.trips WHERE feed_version_id = %s ORDER BY 1",
                    ([i / parts for i in range(1, parts)], feed_version_id))
        bounds = [r[0] for r in cur.fetchall() if r[0] is not None]
    conn.commit()
    return bounds


def _drop_scratch(conn, scratch: str) -> None:
    try:
        conn.rollback()
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
        conn.commit()
    except psycopg2.Error:
        conn.rollback()


def _drop_temp(conn, tasks: list[_Task]) -> None:
    try:
        conn.rollback()
        with conn.cursor() as cur:
            for t in tasks:
                if t.makes:
                    kind = "VIEW" if t.view_of else "TABLE"
                    cur.execute(f"DROP {kind} IF EXISTS pg_temp.{t.makes} CASCADE")
        conn.commit()
    except psycopg2.Error:
        conn.rollback()


def _counts(cur, feed_version_id: int) -> tuple[dict[str, int], dict[str, int]]:
    cur.execute("SELECT code, severity, notices FROM gtfs.notice_summary WHERE feed_version_id = %s"
                " ORDER BY code", (feed_version_id,))
    counts: dict[str, int] = {}
    by_severity = {s: 0 for s in SEVERITIES}
    for code, severity, n in cur.fetchall():
        counts[code] = counts.get(code, 0) + n
        by_severity[severity] += n
    return counts, by_severity


def summary(conn, feed_version_id: int) -> list[dict]:
    """Counts by code and severity (gtfs.notice_summary), most severe first."""
    with conn.cursor() as cur:
        cur.execute("SELECT severity, code, notices FROM gtfs.notice_summary WHERE feed_version_id = %s"
                    " ORDER BY array_position(ARRAY['ERROR','WARNING','INFO'], severity), notices DESC, code",
                    (feed_version_id,))
        return [{"severity": s, "code": c, "notices": n} for s, c, n in cur.fetchall()]


def format_summary(result_or_rows: dict | list[dict]) -> str:
    """Lines for a task log or the CLI: one per code, most severe first."""
    if isinstance(result_or_rows, dict):
        sev = {r.code: r.severity for r in rules()} | LOADER_CODES
        rows = [{"severity": sev.get(c, "?"), "code": c, "notices": n}
                for c, n in result_or_rows["counts"].items()]
        order = {s: i for i, s in enumerate(SEVERITIES)}
        rows.sort(key=lambda r: (order.get(r["severity"], 9), -r["notices"], r["code"]))
    else:
        rows = result_or_rows
    if not rows:
        return "no notices"
    width = max(len(r["code"]) for r in rows)
    return "\n".join(f"{r['severity']:<7} {r['code']:<{width}} {r['notices']:>9}" for r in rows)


# Fatal: the version cannot be used at all. Required files are checked before a
# version loads (a feed without them fails and never reaches validation); here we
# check what a loaded version may still lack.
_FATAL_CHECKS = (
    ("no trips", "SELECT NOT EXISTS (SELECT 1 FROM gtfs.trips WHERE feed_version_id = %(v)s)"),
    ("no stop times", "SELECT NOT EXISTS (SELECT 1 FROM gtfs.stop_times WHERE feed_version_id = %(v)s)"),
    ("no stops", "SELECT NOT EXISTS (SELECT 1 FROM gtfs.stops WHERE feed_version_id = %(v)s)"
                 " AND NOT EXISTS (SELECT 1 FROM gtfs.locations WHERE feed_version_id = %(v)s)"),
    ("no routes", "SELECT NOT EXISTS (SELECT 1 FROM gtfs.routes WHERE feed_version_id = %(v)s)"),
    ("no service dates (calendar.txt and calendar_dates.txt have no usable rows)",
     "SELECT NOT EXISTS (SELECT 1 FROM gtfs.calendar WHERE feed_version_id = %(v)s)"
     " AND NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates WHERE feed_version_id = %(v)s AND exception_type = 1)"),
)


def fatal_problems(conn, feed_version_id: int) -> list[str]:
    """Why the version is unusable (empty list: it is usable)."""
    problems = []
    with conn.cursor() as cur:
        cur.execute("SELECT status, error FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
        row = cur.fetchone()
        if row is None:
            raise GtfsPipelineError(f"no feed version {feed_version_id}")
        if row[0] == "failed":
            return [f"the version failed to load: {row[1]}"]
        for label, query in _FATAL_CHECKS:
            cur.execute(query, {"v": feed_version_id})
            if cur.fetchone()[0]:
                problems.append(label)
    return problems


def policy_allows_publish(conn, feed_version_id: int, block_on: str | None = None) -> tuple[bool, str]:
    """Whether the publish policy lets this validated version become current, and why.

    ``block_on``: ``fatal`` (default) blocks only unusable versions; ``error``
    also blocks any ERROR notice; ``never`` always allows. A blocked version's
    reason is stored in ``gtfs.feed_version.blocked_reason`` (cleared when allowed);
    the caller leaves it unpublished, so the feed's current version stays.
    """
    block_on = block_on or DEFAULT_BLOCK_ON
    if block_on not in BLOCK_ON:
        raise GtfsPipelineError(f"block_on must be one of {', '.join(BLOCK_ON)}, not {block_on!r}")
    reason = ""
    if block_on != "never":
        fatal = fatal_problems(conn, feed_version_id)
        if fatal:
            reason = "fatal: " + "; ".join(fatal)
        elif block_on == "error":
            with conn.cursor() as cur:
                cur.execute("SELECT code, notices FROM gtfs.notice_summary WHERE feed_version_id = %s"
                            " AND severity = 'ERROR' ORDER BY notices DESC, code", (feed_version_id,))
                errors = cur.fetchall()
            if errors:
                total = sum(n for _, n in errors)
                listed = ", ".join(f"{c} ({n})" for c, n in errors[:5])
                more = f", and {len(errors) - 5} more codes" if len(errors) > 5 else ""
                reason = f"block_on=error: {total} ERROR notices: {listed}{more}"
    allowed = not reason
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET blocked_reason = %s WHERE feed_version_id = %s",
                    (None if allowed else reason, feed_version_id))
    conn.commit()
    return allowed, ("allowed (block_on=%s)" % block_on) if allowed else reason
