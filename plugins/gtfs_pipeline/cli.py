"""The `gtfs-pipeline` command: the same library the DAG runs, from a shell."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import psycopg2.errors

from . import db, lifecycle, versions
from .errors import GtfsPipelineError, VersionBlocked
from .loader import FileResult


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _print_table(rows: list[list[str]], header: list[str], out=sys.stdout) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = "  ".join(f"{{:{'>' if i else '<'}{w}}}" for i, w in enumerate(widths))
    print(fmt.format(*header), file=out)
    for r in rows:
        print(fmt.format(*map(str, r)), file=out)


def cmd_init_db(args) -> int:
    with db.connection(args.dsn) as conn:
        done = db.init_db(conn)
    print("\n".join(done) if done else "database is up to date")
    return 0


def cmd_load(args) -> int:
    path = Path(args.path)
    # Checked before anything is read or connected to: a typo in a date must not freeze a feed.
    as_of = lifecycle.parse_as_of(args.as_of) if args.as_of is not None else None
    if not path.exists():
        raise GtfsPipelineError(f"no such file: {path}")
    started = time.monotonic()

    def progress(filename: str, done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty() or args.progress:
            pct = f"{100 * done / total:.0f}%" if total else ""
            print(f"  {filename}: {done / 1e6:.1f} MB read {pct}", file=sys.stderr)

    def on_file(r: FileResult) -> None:
        if not args.json:
            print(f"  loaded {r.filename}: {r.rows} rows in {r.seconds:.2f} s", file=sys.stderr)

    def on_recovered(r: lifecycle.Recovered) -> None:
        print(f"gtfs-pipeline: {r.describe()}", file=sys.stderr)

    report_dir = args.report_dir or _default_report_dir(path)
    with db.connection(args.dsn) as conn:
        db.ensure_schema(conn)  # migrations only when pending: no view rewrite behind readers
        try:
            outcome = versions.load_feed(
                conn, path, args.feed_id, publish_version=not args.no_publish, feed_name=args.name,
                as_of=as_of, progress=progress, geometry=not args.no_geometry, validate=not args.no_validate,
                block_on=args.block_on, dsn=db.resolve_dsn(args.dsn), jobs=args.jobs, on_file=on_file,
                report=None if args.no_validate else lambda c, vid: _write_report(c, vid, report_dir),
                on_recovered=on_recovered)
        except VersionBlocked as exc:
            report = getattr(exc, "outcome", None) and exc.outcome.report
            if report:
                _refresh_report(conn, exc.outcome.feed_version_id)
                print(f"validation report: {report}", file=sys.stderr)
            raise
        if outcome.report:
            _refresh_report(conn, outcome.feed_version_id)
    total = time.monotonic() - started
    decision = outcome.decision
    if args.json:
        print(json.dumps({"feed_id": args.feed_id, "feed_version_id": outcome.feed_version_id,
                          "status": outcome.status, "reason": decision.reason,
                          "seconds": round(total, 3), "stages": outcome.stages,
                          "report": str(outcome.report) if outcome.report else None,
                          "recovered": [r.to_xcom() for r in outcome.recovered],
                          "files": [r.as_dict() for r in outcome.files]},
                         default=_json_default, indent=2))
    else:
        _print_table([[r.filename, r.rows, f"{r.seconds:.2f}", r.notices, r.load_path, r.encoding]
                      for r in outcome.files], ["file", "rows", "seconds", "notices", "path", "encoding"])
        if outcome.report:
            print(f"validation report: {outcome.report}")
        why = f" ({decision.reason})" if decision.reason else ""
        print(f"feed {args.feed_id}: version {outcome.feed_version_id} {outcome.status}{why} in {total:.1f} s")
    return 0


def cmd_publish(args) -> int:
    with db.connection(args.dsn) as conn:
        db.ensure_schema(conn)
        decision = lifecycle.publish_existing(conn, args.feed_version_id, force=args.force, block_on=args.block_on)
        _refresh_report(conn, args.feed_version_id)
    print(f"feed version {args.feed_version_id} is current" + (f" ({decision.reason})" if decision.reason else ""))
    return 0


def _default_report_dir(zip_path: Path) -> Path:
    """Next to the zip when that folder is writable, else the current folder."""
    folder = zip_path.resolve().parent
    return folder if os.access(folder, os.W_OK) else Path.cwd()


def _write_report(conn, version_id: int, out: Path) -> Path:
    """The report into the folder ``out`` (created when missing), as
    ``<feed_id>-v<id>-validation.html``; the version records its absolute path."""
    from .report import write_report

    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise GtfsPipelineError(f"--report-dir {out}: a file of that name exists; give a folder") from None
    return write_report(conn, version_id, out)


def _refresh_report(conn, version_id: int) -> None:
    """The report was written before the publish decision: its status block now says it (and
    the report of the version it superseded says so)."""
    from .report import refresh_after_publish

    refresh_after_publish(conn, version_id)


def cmd_validate(args) -> int:
    from .validation import format_summary, validate_version

    with db.connection(args.dsn) as conn:
        result = validate_version(conn, args.feed_version_id)
        out = args.report_dir or Path.cwd()
        report = _write_report(conn, args.feed_version_id, out)
    if args.json:
        print(json.dumps({**result, "report": str(report)}, default=_json_default, indent=2))
    else:
        print(format_summary(result))
        print(f"validation report: {report}")
    if result.get("failed"):
        raise GtfsPipelineError(f"rules that could not run: {', '.join(sorted(result['failed']))}")
    return 0


def cmd_versions(args) -> int:
    with db.connection(args.dsn) as conn:
        rows = versions.list_versions(conn, args.feed_id)
    if args.json:
        print(json.dumps(rows, default=_json_default, indent=2))
        return 0
    _print_table([[r["feed_version_id"], r["feed_id"], r["status"] + (" *" if r["current"] else ""),
                   r["as_of"] or "", r["service_start_date"] or "", r["service_end_date"] or "",
                   (r["sha256"] or "")[:12], r["loaded_at"].strftime("%Y-%m-%d %H:%M") if r["loaded_at"] else "",
                   r["why_not_current"]] for r in rows],
                 ["version", "feed", "status", "as of", "start", "end", "sha256", "loaded", "why not current"])
    return 0


def cmd_export(args) -> int:
    from .export import export_version

    with db.connection(args.dsn) as conn:
        files = export_version(conn, args.feed_version_id, Path(args.out))
    print(f"wrote {args.out}: {', '.join(files)}")
    return 0


def cmd_build_geometry(args) -> int:
    from .geometry import build_geometry

    with db.connection(args.dsn) as conn:
        counts = build_geometry(conn, args.feed_version_id)
    if args.json:
        print(json.dumps(counts, default=_json_default, indent=2))
    else:
        print(", ".join(f"{k}={v}" for k, v in counts.items() if k not in ("step_seconds",)))
    return 0


def cmd_drop_version(args) -> int:
    with db.connection(args.dsn) as conn:
        versions.drop_version(conn, args.feed_version_id, force=args.force)
    print(f"dropped feed version {args.feed_version_id}")
    return 0


def cmd_diff(args) -> int:
    from . import timetable

    with db.connection(args.dsn) as conn:
        with conn.cursor() as cur:
            diff = timetable.compute_diff(cur, args.old, args.new)
        conn.rollback()
    if args.json:
        print(json.dumps(diff, default=_json_default, indent=2))
    else:
        print("\n".join(timetable.describe_diff(diff)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gtfs-pipeline",
                                     description="Load GTFS Schedule feeds into PostgreSQL/PostGIS.")
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--dsn", help=f"database URL (default: ${db.DSN_ENV}, or the file named by "
                                     "$GTFS_DATABASE_URL_FILE; a password here is visible in ps: prefer those)")
    given.add_argument("--dsn-file", metavar="PATH", help="read the database URL from this file")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init-db", help="create or upgrade the gtfs schemas (idempotent)")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("load", help="load a GTFS zip as a new version of a feed")
    p.add_argument("path")
    p.add_argument("--feed-id", required=True)
    p.add_argument("--name", help="the feed's display name")
    p.add_argument("--as-of", help="the date this version represents (YYYY-MM-DD, not after tomorrow UTC; "
                                   "default: today UTC). A version older than the current one's is kept, "
                                   "not published")
    p.add_argument("--no-publish", action="store_true", help="load but do not make it current")
    p.add_argument("--jobs", type=int, default=2, metavar="N",
                   help="files loaded at once, each on its own connection (default: 2)")
    p.add_argument("--no-geometry", action="store_true", help="skip building stop, shape, trip and route geometry")
    p.add_argument("--no-validate", action="store_true", help="skip validation (and the publish policy)")
    p.add_argument("--block-on", choices=["fatal", "error", "never"],
                   help="publish policy: which notices keep the version unpublished (default: fatal)")
    p.add_argument("--report-dir", type=Path, help="where the HTML validation report goes (default: next to the zip)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--progress", action="store_true", help="report progress even when not on a terminal")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("publish", help="make a loaded version its feed's current one")
    p.add_argument("feed_version_id", type=int)
    p.add_argument("--force", action="store_true",
                   help="also a version the publish policy blocks, or one older than the current version")
    p.add_argument("--block-on", choices=["fatal", "error", "never"],
                   help="publish policy to check (default: fatal)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("versions", help="list feed versions, and why each one that is not current is not")
    p.add_argument("feed_id", nargs="?")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_versions)

    p = sub.add_parser("export", help="write a loaded version back to a GTFS zip")
    p.add_argument("feed_version_id", type=int)
    p.add_argument("out")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("validate", help="run the validation rules on a loaded version; writes an HTML report")
    p.add_argument("feed_version_id", type=int)
    p.add_argument("--report-dir", type=Path, help="where the HTML report goes (default: current folder)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("build-geometry", help="(re)build the geometry of a loaded version")
    p.add_argument("feed_version_id", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_build_geometry)

    p = sub.add_parser("diff", help="what changed between two versions: rows added, removed and changed per "
                                    "file by primary key, routes and stops added or removed, dates gained or lost")
    p.add_argument("old", type=int, help="the earlier version id")
    p.add_argument("new", type=int, help="the later version id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("drop-version", help="delete a version and its rows")
    p.add_argument("feed_version_id", type=int)
    p.add_argument("--force", action="store_true", help="also drop the published version")
    p.set_defaults(func=cmd_drop_version)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.dsn_file:
            args.dsn = db.read_dsn_file(args.dsn_file)
        return args.func(args)
    except GtfsPipelineError as exc:
        print(f"gtfs-pipeline: error: {exc}", file=sys.stderr)
        return 1
    except psycopg2.errors.LockNotAvailable as exc:  # a lock timeout the code did not name itself
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "lock timeout"
        print(f"gtfs-pipeline: error: gave up waiting for a lock ({first}); nothing changed: retry, or end "
              "the long-running transactions", file=sys.stderr)
        return 1
    except zipfile.BadZipFile as exc:
        print(f"gtfs-pipeline: error: not a readable zip: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("gtfs-pipeline: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
