"""Load benchmark: raw `psql \\copy` against `gtfs-pipeline load`, in one run, one server.

    python bench/run_bench.py FEED.zip [FEED.zip ...] [--dsn URL] [--repeat 1]

For each feed, in this order and on the same database:
1. raw: every GTFS member is extracted to a temporary folder (not timed), then
   `psql \\copy` loads it into an all-text table with the file's own header
   columns (no types, no keys): the floor any loader is measured against;
2. load: `gtfs-pipeline load FEED --no-publish` under `/usr/bin/time -v`
   (all files, typed, keyed, with notices), reporting wall time and peak RSS;
3. geometry: `gtfs_pipeline.geometry.build_geometry` on the loaded version;
4. validation: `gtfs_pipeline.validation.validate_version` (unless --no-validation).
Prints one JSON document with the figures and the ratios; docs/benchmarks.md
records runs of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from gtfs_pipeline import db  # noqa: E402
from gtfs_pipeline.archive import inspect, open_zip  # noqa: E402


def raw_copy(dsn: str, feed: Path, workdir: Path) -> dict:
    """Time psql \\copy of each GTFS member into an all-text table."""
    members = {}
    with open_zip(feed) as zf:
        layout = inspect(zf)
        for name, member in layout.members.items():
            if member.kind != "gtfs":
                continue
            target = workdir / name
            with zf.open(member.archive_name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            members[name] = target
    script = ["\\set ON_ERROR_STOP on", "DROP SCHEMA IF EXISTS bench_raw CASCADE;", "CREATE SCHEMA bench_raw;"]
    timed = []
    for name, path in sorted(members.items()):
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
            header = next(csv.reader(fh), [])
        cols = ", ".join('"' + re.sub(r'"', '""', h.strip()) + f'_{i}" text' for i, h in enumerate(header))
        table = f'bench_raw."{name[:-4]}"'
        script.append(f"CREATE TABLE {table} ({cols});")
        timed.append(f"\\copy {table} FROM '{path}' WITH (FORMAT csv, HEADER true)")
    setup = subprocess.run(["psql", dsn, "-q", "-c", "\n".join(script[1:])], capture_output=True, text=True)
    if setup.returncode:
        raise SystemExit(setup.stderr)
    started = time.monotonic()
    proc = subprocess.run(["psql", dsn, "-q", "-v", "ON_ERROR_STOP=1"], input="\n".join(timed),
                          capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"raw copy failed: {proc.stderr}")
    subprocess.run(["psql", dsn, "-q", "-c", "DROP SCHEMA bench_raw CASCADE"], check=True)
    return {"seconds": round(seconds, 2), "files": len(members),
            "bytes": sum(p.stat().st_size for p in members.values())}


def timed_load(dsn: str, feed: Path, feed_id: str) -> dict:
    cli = shutil.which("gtfs-pipeline") or str(Path(sys.executable).parent / "gtfs-pipeline")
    cmd = ["/usr/bin/time", "-v", cli, "--dsn", dsn, "load", str(feed), "--feed-id", feed_id, "--no-publish", "--no-geometry", "--no-validate",
           "--json"]
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"load failed: {proc.stderr[-2000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", proc.stderr).group(1))
              for kind in ("User", "System"))
    result = json.loads(proc.stdout)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss_kb / 1024, 1), "client_cpu_s": round(cpu, 2),
            "feed_version_id": result["feed_version_id"],
            "files": {f["filename"]: {"rows": f["rows"], "seconds": f["seconds"], "path": f["load_path"],
                                      "stages": f.get("stages", {})}
                      for f in result["files"]}}


def geometry(dsn: str, version_id: int) -> dict:
    from gtfs_pipeline.geometry import build_geometry

    with db.connection(dsn) as conn:
        started = time.monotonic()
        counts = build_geometry(conn, version_id)
        return {"seconds": round(time.monotonic() - started, 2), "counts": counts}


def validation(dsn: str, version_id: int) -> dict:
    from gtfs_pipeline.validation import validate_version

    with db.connection(dsn) as conn:
        started = time.monotonic()
        result = validate_version(conn, version_id)
        slowest = sorted(result["timings"].items(), key=lambda kv: -kv[1])[:5]
        return {"seconds": round(time.monotonic() - started, 2), "by_severity": result["by_severity"],
                "slowest_rules": dict(slowest)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feeds", nargs="+", type=Path)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--keep", action="store_true", help="keep the loaded versions")
    parser.add_argument("--no-validation", action="store_true", help="do not time validation")
    args = parser.parse_args()
    if not args.dsn:
        raise SystemExit(f"pass --dsn or set {db.DSN_ENV}")
    with db.connection(args.dsn) as conn:
        db.init_db(conn)
    report = {"machine": {"cores": os.cpu_count()}, "feeds": []}
    for feed in args.feeds:
        with tempfile.TemporaryDirectory(prefix="gtfs-bench-") as tmp:
            raw = raw_copy(args.dsn, feed, Path(tmp))
        load = timed_load(args.dsn, feed, "bench-" + re.sub(r"[^A-Za-z0-9_.-]", "-", feed.stem)[:80])
        geom = geometry(args.dsn, load["feed_version_id"])
        entry = {"feed": feed.name, "zip_bytes": feed.stat().st_size, "raw_copy": raw, "load": load,
                 "load_to_raw_ratio": round(load["seconds"] / raw["seconds"], 2),
                 "geometry": geom, "geometry_to_raw_ratio": round(geom["seconds"] / raw["seconds"], 2)}
        if not args.no_validation:
            val = validation(args.dsn, load["feed_version_id"])
            entry["validation"] = val
            entry["validation_to_raw_ratio"] = round(val["seconds"] / raw["seconds"], 2)
        report["feeds"].append(entry)
        if not args.keep:
            subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", args.dsn, "drop-version",
                            str(load["feed_version_id"]), "--force"], check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
        print(json.dumps(entry), file=sys.stderr)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
