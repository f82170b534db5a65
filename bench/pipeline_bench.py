"""The whole pipeline against the raw copy, stage by stage (issue 18, goal 3).

    python bench/pipeline_bench.py FEED.zip [--rounds 3] [--before DIR/plugins] [--dsn URL]

Each round runs, in an order that alternates between rounds:
- raw: `psql \\copy` of every GTFS member (unzipped beforehand, not timed) into all-text tables
  without keys (run_bench.raw_copy), the floor;
- ours: `gtfs-pipeline load FEED --json` with everything a default load does (all files typed and
  keyed, notices, timetable indexes, geometry, validation, report, publish) in its own process;
  its `stages` (wall seconds per stage) come from its JSON;
- before (with --before): the same command with the package imported from another checkout's
  `plugins/` (PYTHONPATH), e.g. `git archive COMMIT plugins include | tar -x -C DIR`.
Each figure has its wall time, the machine's CPU seconds over the run (all processes, from
/proc/stat: client and server together, for raw and ours alike; run it on a quiet machine) and
the 1-minute load average read before it. After each load the version it superseded is dropped.
Prints one JSON document and a Markdown table (stderr) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
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
from quirks_bench import load_average  # noqa: E402
from run_bench import raw_copy  # noqa: E402

FEED_ID = "bench-pipeline"


def machine_cpu_seconds() -> float:
    """Non-idle CPU time of the whole machine so far (user, nice, system, irq, softirq, steal)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measured(fn) -> dict:
    load = load_average()
    cpu, started = machine_cpu_seconds(), time.monotonic()
    result = fn()
    return {"seconds": round(time.monotonic() - started, 2), "cpu_s": round(machine_cpu_seconds() - cpu, 2),
            "load": load, **result}


def full_load(dsn: str, feed: Path, plugins: Path | None, report_dir: Path) -> dict:
    """`gtfs-pipeline load FEED` (publish included) with the package from ``plugins``."""
    env = {**os.environ, "PYTHONPATH": str(plugins or REPO / "plugins")}
    cmd = [sys.executable, "-c", "import sys; from gtfs_pipeline.cli import main; sys.exit(main())",
           "--dsn", dsn, "load", str(feed), "--feed-id", FEED_ID, "--json", "--report-dir", str(report_dir)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(f"load failed: {proc.stderr[-2000:]}")
    out = json.loads(proc.stdout)
    return {"feed_version_id": out["feed_version_id"], "status": out["status"], "own_seconds": out["seconds"],
            "stages": out.get("stages")}


def drop_superseded(dsn: str, everything: bool = False) -> None:
    """Drop the bench feed's versions but the current one (``everything``: that one too; a version left
    by an earlier run has its report in that run's temporary folder)."""
    with db.connection(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT feed_version_id FROM gtfs.feed_version v JOIN gtfs.feed f USING (feed_id)"
                    " WHERE feed_id = %s AND (%s OR feed_version_id IS DISTINCT FROM f.current_version_id)",
                    (FEED_ID, everything))
        old = [r[0] for r in cur.fetchall()]
        conn.commit()
    for vid in old:
        subprocess.run([sys.executable, "-c", "import sys; from gtfs_pipeline.cli import main; sys.exit(main())",
                        "--dsn", dsn, "drop-version", str(vid), "--force"], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="plugins/ of another checkout to run beside this one")
    args = parser.parse_args()
    if not args.dsn:
        raise SystemExit(f"give --dsn or set {db.DSN_ENV}")
    names = ["raw", "ours"] + (["before"] if args.before else [])
    rounds = []
    drop_superseded(args.dsn, everything=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = {"raw": lambda: raw_copy(args.dsn, args.feed, work),
                "ours": lambda: full_load(args.dsn, args.feed, None, work / "reports"),
                "before": lambda: full_load(args.dsn, args.feed, args.before, work / "reports")}
        for i in range(args.rounds):
            order = names if i % 2 == 0 else names[::-1]
            figures = {}
            for name in order:
                figures[name] = measured(runs[name])
                if name != "raw":
                    drop_superseded(args.dsn)
                print(f"round {i + 1} {name}: {figures[name]['seconds']} s, cpu {figures[name]['cpu_s']} s"
                      f" (load {figures[name]['load']})", file=sys.stderr)
            rounds.append(figures)
    print(json.dumps({"feed": str(args.feed), "rounds": rounds}, indent=1))
    stage_names = list((rounds[0]["ours"].get("stages") or {}).keys())
    print("| round | raw `\\copy` (cpu) | ours (cpu) | " + " | ".join(stage_names)
          + (" | before (cpu) |" if args.before else " |") + " ours / raw | cpu ours / raw | load |", file=sys.stderr)
    print("|---" * (5 + len(stage_names) + (1 if args.before else 0)) + "|---|", file=sys.stderr)
    for i, f in enumerate(rounds, 1):
        raw, ours = f["raw"], f["ours"]
        stages = " | ".join(f"{ours['stages'].get(s, 0):.2f} s" for s in stage_names)
        before = f" | {f['before']['seconds']} s ({f['before']['cpu_s']} s)" if args.before else ""
        loads = "-".join(f"{f[n]['load']:.1f}" for n in names)
        print(f"| {i} | {raw['seconds']} s ({raw['cpu_s']} s) | {ours['seconds']} s ({ours['cpu_s']} s) | {stages}{before}"
              f" | {ours['seconds'] / raw['seconds']:.2f} | {ours['cpu_s'] / raw['cpu_s']:.2f} | {loads} |",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
