"""Validation speed against the fastest peer and the raw copy, in one run (issue 14, goal 4).

    /tmp/oracle-venv/bin/python bench/validation_speed_bench.py FEED.zip [--rounds 3] [--dsn URL]

Run it with a Python that has both this project's requirements and ``gtfs-guru`` (the oracle venv
of bench/parity.py, which points at the project's .venv). The feed is loaded once with geometry
(not timed, not validated). Then, for each round, in an order that alternates between rounds so a
noisy machine hits all three alike:

- raw: ``psql \\copy`` of every GTFS member into all-text tables (bench/run_bench.py's raw copy);
- ours: ``gtfs-pipeline validate VERSION --json`` in its own process; the figure is its wall time
  (process start and report included) and ``validate_version``'s own seconds beside it;
- gtfs-guru: ``gtfs_guru.validate(FEED, date=...)`` in its own process (bench/parity.py's runner);
- baseline (with ``--baseline-rules DIR``): ``validate_version`` in its own process with the rule files of
  DIR (e.g. ``git archive OLD include/sql/validation | tar -x -C /tmp/old``, then
  ``--baseline-rules /tmp/old/include/sql/validation``), to see what a change of the rules costs.

The 1-minute load average is read before each measurement and printed beside it. Prints one JSON
document and a markdown table (stderr) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from gtfs_pipeline import db  # noqa: E402
from parity import run_gtfs_guru  # noqa: E402
from run_bench import raw_copy  # noqa: E402


def load_average() -> float:
    return os.getloadavg()[0]


def ours(dsn: str, version_id: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", dsn, "validate", str(version_id),
                           "--json"], capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    wall = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"validate failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout)
    slowest = sorted(result.get("timings", {}).items(), key=lambda kv: -kv[1])[:8]
    return {"seconds": round(wall, 2), "validate_seconds": result.get("seconds"), "slowest": dict(slowest)}


BASELINE = ("import json, sys\nfrom pathlib import Path\nimport psycopg2\nfrom gtfs_pipeline import validation\n"
            "validation.RULE_DIR = Path(sys.argv[2])\n"
            "r = validation.validate_version(psycopg2.connect(sys.argv[1]), int(sys.argv[3]))\n"
            "print(json.dumps({'seconds': r['seconds'], 'failed': r['failed']}))\n")


def baseline(dsn: str, version_id: int, rule_dir: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", BASELINE, dsn, str(rule_dir), str(version_id)],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    wall = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"baseline validation failed: {proc.stderr[-2000:]}")
    result = json.loads(proc.stdout)
    if result["failed"]:
        raise SystemExit(f"baseline rules failed: {result['failed']}")
    return {"seconds": round(wall, 2), "validate_seconds": result["seconds"]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2025, 1, 1))
    parser.add_argument("--baseline-rules", type=Path, help="also validate with the rule files of this folder")
    args = parser.parse_args()
    cluster = None
    dsn = args.dsn
    if not dsn:
        from gtfs_pipeline.localpg import start_cluster

        cluster = start_cluster(Path(tempfile.mkdtemp(prefix="valbench-pg-")) / "pg")
        dsn = cluster.dsn
    try:
        from gtfs_pipeline import geometry, versions

        with db.connection(dsn) as conn:
            db.init_db(conn)
            version_id, _ = versions.load_feed(conn, args.feed, "valbench", publish_version=False,
                                               geometry=False, validate=False)
            geometry.build_geometry(conn, version_id)
        steps = {
            "raw": lambda: {"seconds": raw_copy(dsn, args.feed, Path(workdir))["seconds"]},
            "ours": lambda: ours(dsn, version_id),
            "gtfs-guru": lambda: run_gtfs_guru(args.feed, args.date, 3600),
        }
        if args.baseline_rules:
            steps["baseline"] = lambda: baseline(dsn, version_id, args.baseline_rules)
        rounds = []
        with tempfile.TemporaryDirectory(prefix="valbench-raw-") as workdir:
            for i in range(args.rounds):
                order = list(steps) if i % 2 == 0 else list(reversed(steps))
                row = {}
                for name in order:
                    load = load_average()
                    result = steps[name]()
                    row[name] = {"seconds": result["seconds"], "load": round(load, 2),
                                 **{k: result[k] for k in ("validate_seconds", "slowest") if k in result}}
                    print(f"round {i + 1} {name}: {result['seconds']} s (load {load:.2f})", file=sys.stderr)
                rounds.append(row)
        base = " baseline (validate_version) |" if args.baseline_rules else ""
        print(f"| round | raw `\\copy` | ours (validate_version) | gtfs-guru |{base} ours / guru | ours / raw |",
              file=sys.stderr)
        print("|---|---:|---:|---:|" + ("---:|" if base else "") + "---:|---:|", file=sys.stderr)
        for i, r in enumerate(rounds, 1):
            raw, our, guru = r["raw"], r["ours"], r["gtfs-guru"]
            old = r.get("baseline")
            cell = f" {old['seconds']} s ({old['validate_seconds']} s) ({old['load']}) |" if old else ""
            print(f"| {i} | {raw['seconds']} s ({raw['load']}) | {our['seconds']} s ({our['validate_seconds']} s)"
                  f" ({our['load']}) | {guru['seconds']} s ({guru['load']}) |{cell} {our['seconds'] / guru['seconds']:.2f} |"
                  f" {our['seconds'] / raw['seconds']:.2f} |", file=sys.stderr)
        print(json.dumps({"feed": str(args.feed), "rounds": rounds}, indent=1))
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
