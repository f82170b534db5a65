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

Files whose name starts with ``_`` are preparation steps, run first in name
order: they build temporary tables shared by several rules (one pass over
stop_times instead of one per rule). Rules must not depend on one another.

Parameters available to a rule: ``feed_version_id`` and ``today`` (the date
expiry rules compare with: the version's ``as_of`` date, else the current
date).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from .errors import GtfsPipelineError
from .paths import SQL_DIR

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


def validate_version(conn, feed_version_id: int, *, only: list[str] | None = None,
                     today: dt.date | None = None) -> dict:
    """Run the validation rules on one loaded version; idempotent.

    Returns ``{"feed_version_id", "today", "counts": {code: n}, "by_severity":
    {severity: n}, "timings": {code: seconds}, "failed": {code: message},
    "seconds"}``. ``counts`` and ``by_severity`` include the loader's notices.
    A rule whose SQL fails is reported in ``failed`` (its notices are left as
    they were) and the others still run. Everything commits at the end.
    """
    started = time.monotonic()
    selected = [r for r in rules() if only is None or r.code in only]
    timings: dict[str, float] = {}
    failed: dict[str, str] = {}
    with conn.cursor() as cur:
        today = today or _today(cur, feed_version_id)
        params = {"feed_version_id": int(feed_version_id), "today": today}
        # The rules read many tables: keep plans simple and memory generous for sorts.
        cur.execute("SET LOCAL work_mem = '256MB'")
        # Many short queries over large tables: JIT compilation costs more than it saves.
        cur.execute("SET LOCAL jit = off")
        for step in preparation_steps():
            mark = time.monotonic()
            for statement in _statements(step.read_text()):
                started_statement = time.monotonic()
                cur.execute(statement, params)
                # Per temporary table too ("_prepare/v_st"): where a slow preparation spends its time.
                made = re.search(r"CREATE TEMP TABLE (v_\w+)", statement)
                if made:
                    timings[f"{step.stem}/{made.group(1)}"] = round(time.monotonic() - started_statement, 3)
            timings[step.stem] = round(time.monotonic() - mark, 3)
        for rule in selected:
            mark = time.monotonic()
            cur.execute("SAVEPOINT rule")
            try:
                cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %(feed_version_id)s"
                            " AND source = %(code)s", {**params, "code": rule.code})
                cur.execute(rule.sql, params)
                cur.execute("RELEASE SAVEPOINT rule")
            except psycopg2.Error as exc:
                cur.execute("ROLLBACK TO SAVEPOINT rule")
                failed[rule.code] = (exc.pgerror or str(exc)).strip()
            timings[rule.code] = round(time.monotonic() - mark, 3)
        for step in preparation_steps():
            # Temporary tables of the preparation steps are named v_*; drop them.
            for name in re.findall(r"CREATE TEMP TABLE (v_\w+)", step.read_text()):
                cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")
        cur.execute("UPDATE gtfs.feed_version SET validated_at = now() WHERE feed_version_id = %s",
                    (feed_version_id,))
        counts, by_severity = _counts(cur, feed_version_id)
    conn.commit()
    return {"feed_version_id": int(feed_version_id), "today": today, "counts": counts,
            "by_severity": by_severity, "timings": timings, "failed": failed,
            "seconds": round(time.monotonic() - started, 3)}


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
