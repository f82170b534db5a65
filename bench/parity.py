"""Parity of our validation with reference implementations of MobilityData's rules, per feed and code.

    python bench/parity.py [FEED.zip ...] [--date 2025-01-01] [--dsn URL] [--oracle-timeout 600]
                           [--cache /tmp/gtfs-parity] [--write-doc]

The oracles (PyPI, used here only, never at run time): ``gtfs-validator`` (pure Python; its notice
schema is MobilityData's 181 codes with their severities) run as its CLI, and ``gtfs-guru`` (Rust)
through its Python module. Each oracle runs once per feed with the same validation date as ours;
its counts by code are cached in ``--cache`` (keyed by the feed's size and mtime, the oracle and
its version) so that a rerun after a rule change only reloads and validates with ours. An oracle
that does not finish within ``--oracle-timeout`` seconds on a feed is recorded as "timeout".

Ours: each feed is loaded (without geometry) into a database (``--dsn``, else a throwaway cluster
of gtfs_pipeline.localpg in a temporary folder) and validated with ``validate_version`` on the
same date; the version is dropped afterwards.

Prints, per feed, every code where the three counts are not all equal (ours | gtfs-validator |
gtfs-guru), and one JSON document with all counts (stdout). ``--write-doc`` rewrites the table
between the parity markers of docs/validation.md (``--from-json FILE`` renders a saved run instead). Only
MobilityData's current codes are compared: the project's extras (gtfs_pipeline.notice_codes) and codes of
an oracle's own (gtfs-guru has a few) are left out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from gtfs_pipeline import db  # noqa: E402

FEEDS = Path("/work/shared/feeds")
DOC = REPO / "docs" / "validation.md"
BEGIN, END = "<!-- parity:begin -->", "<!-- parity:end -->"
ORACLES = ("gtfs-validator", "gtfs-guru")


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def _cache_file(cache: Path, feed: Path, oracle: str, date: dt.date) -> Path:
    st = feed.stat()
    return cache / f"{feed.stem}.{st.st_size}.{int(st.st_mtime)}.{oracle}-{_version(oracle)}.{date}.json"


def run_gtfs_validator(feed: Path, date: dt.date, timeout: float) -> dict:
    cli = Path(sys.executable).parent / "gtfs-validator"
    with tempfile.TemporaryDirectory(prefix="parity-gv-") as out:
        started = time.monotonic()
        try:
            proc = subprocess.run([str(cli), "-i", str(feed), "-o", out, "-d", date.isoformat(), "-t", "1"],
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "seconds": timeout, "counts": {}}
        seconds = round(time.monotonic() - started, 2)
        report = Path(out) / "report.json"
        if proc.returncode or not report.exists():
            return {"status": f"failed: {proc.stderr.strip()[-300:]}", "seconds": seconds, "counts": {}}
        notices = json.loads(report.read_text())["notices"]
    return {"status": "ok", "seconds": seconds, "counts": {n["code"]: n["totalNotices"] for n in notices}}


def run_gtfs_guru(feed: Path, date: dt.date, timeout: float) -> dict:
    # In a subprocess: a timeout can stop it, and its threads do not share our process.
    code = ("import json, sys, collections, gtfs_guru\n"
            "r = gtfs_guru.validate(sys.argv[1], date=sys.argv[2])\n"
            "print(json.dumps(collections.Counter(n.code for n in r.notices)))\n")
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-c", code, str(feed), date.isoformat()],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "seconds": timeout, "counts": {}}
    seconds = round(time.monotonic() - started, 2)
    if proc.returncode:
        return {"status": f"failed: {proc.stderr.strip()[-300:]}", "seconds": seconds, "counts": {}}
    return {"status": "ok", "seconds": seconds, "counts": json.loads(proc.stdout.strip().splitlines()[-1])}


RUNNERS = {"gtfs-validator": run_gtfs_validator, "gtfs-guru": run_gtfs_guru}


def oracle_counts(feed: Path, oracle: str, date: dt.date, timeout: float, cache: Path) -> dict:
    path = _cache_file(cache, feed, oracle, date)
    if path.exists():
        return json.loads(path.read_text())
    result = RUNNERS[oracle](feed, date, timeout)
    result["version"] = _version(oracle)
    if result["status"] in ("ok", "timeout"):
        path.write_text(json.dumps(result))
    return result


def ours(dsn: str, feed: Path, date: dt.date) -> dict:
    from gtfs_pipeline import validation, versions

    feed_id = "parity-" + re.sub(r"[^A-Za-z0-9_.-]", "-", feed.stem)[:80]
    with db.connection(dsn) as conn:
        started = time.monotonic()
        vid, _ = versions.load_feed(conn, feed, feed_id, publish_version=False, geometry=False)
        loaded = time.monotonic()
        result = validation.validate_version(conn, vid, today=date)
        done = time.monotonic()
        with conn.cursor() as cur:
            cur.execute("SELECT status, error FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
            status, error = cur.fetchone()
    subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", dsn, "drop-version", str(vid), "--force"],
                   check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    return {"status": "ok" if status != "failed" else f"failed: {error}", "load_seconds": round(loaded - started, 2),
            "seconds": round(done - loaded, 2), "counts": result["counts"], "failed_rules": result["failed"]}


def differences(entry: dict) -> list[tuple[str, list]]:
    """(code, [ours, oracle...]) for every canonical code where the available counts disagree."""
    from gtfs_pipeline import notice_codes

    sources = [entry["ours"]] + [entry[o] for o in ORACLES if o in entry]
    codes = sorted({c for s in sources for c in s["counts"]})
    out = []
    for code in codes:
        if code not in notice_codes.CANONICAL:  # extras (ours) and an oracle's codes MobilityData lacks
            continue
        row = [s["counts"].get(code, 0) if s["status"] == "ok" else None for s in sources]
        known = {v for v in row if v is not None}
        if len(known) > 1:
            out.append((code, row))
    return out


def markdown(report: dict) -> str:
    lines = [BEGIN, "", f"Validation date {report['date']}; {', '.join(f'{o} {v}' for o, v in report['oracles'].items())};"
             f" `python bench/parity.py --write-doc`, {report['generated']}.", "",
             "| feed | code | ours | " + " | ".join(ORACLES) + " |", "|---|---|---:|" + "---:|" * len(ORACLES)]
    agree = []
    for entry in report["feeds"]:
        diff = differences(entry)
        status = {o: entry[o]["status"] for o in ORACLES if o in entry}
        if not diff:
            agree.append(entry["feed"])
        for code, row in diff:
            cells = ["–" if v is None else str(v) for v in row]
            lines.append(f"| {entry['feed']} | `{code}` | " + " | ".join(cells) + " |")
        for o, s in status.items():
            if s != "ok":
                lines.append(f"| {entry['feed']} | ({o}: {s}) | | |" + " |" * (len(ORACLES) - 1))
    lines += ["", f"No difference on: {', '.join(agree) if agree else '(none)'}.", "", END]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", nargs="*", type=Path)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--oracle-timeout", type=float, default=600)
    parser.add_argument("--oracles", default=",".join(ORACLES))
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "gtfs-parity")
    parser.add_argument("--only-oracles", action="store_true", help="run (and cache) the oracles only")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--from-json", type=Path, help="write the doc table from a saved run's JSON")
    args = parser.parse_args()
    if args.from_json:
        text = DOC.read_text()
        table = markdown(json.loads(args.from_json.read_text()))
        DOC.write_text(text[:text.index(BEGIN)] + table + text[text.index(END) + len(END):])
        return 0
    feeds = args.feeds or sorted(FEEDS.glob("*.zip"))
    oracles = [o for o in args.oracles.split(",") if o]
    args.cache.mkdir(parents=True, exist_ok=True)
    cluster = None
    dsn = args.dsn
    tmp = None
    if not dsn and not args.only_oracles:
        from gtfs_pipeline.localpg import start_cluster

        tmp = tempfile.mkdtemp(prefix="parity-pg-")
        cluster = start_cluster(Path(tmp) / "pg")
        dsn = cluster.dsn
    try:
        if dsn:
            with db.connection(dsn) as conn:
                db.init_db(conn)
        report = {"date": args.date.isoformat(), "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "oracles": {o: _version(o) for o in oracles}, "feeds": []}
        for feed in feeds:
            entry = {"feed": feed.stem}
            for o in oracles:
                entry[o] = oracle_counts(feed, o, args.date, args.oracle_timeout, args.cache)
            if not args.only_oracles:
                entry["ours"] = ours(dsn, feed, args.date)
                for code, row in differences(entry):
                    print(f"{feed.stem:40} {code:55} " + " ".join(f"{'-' if v is None else v:>7}" for v in row),
                          file=sys.stderr)
            print(f"{feed.stem}: " + ", ".join(f"{k} {v.get('status')} {v.get('seconds')} s"
                                               for k, v in entry.items() if isinstance(v, dict)), file=sys.stderr)
            report["feeds"].append(entry)
        print(json.dumps(report, indent=1))
        if args.write_doc and not args.only_oracles:
            text = DOC.read_text()
            DOC.write_text(text[:text.index(BEGIN)] + markdown(report) + text[text.index(END) + len(END):])
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
