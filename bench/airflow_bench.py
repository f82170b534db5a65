"""The gtfs_feeds DAG under a real Airflow (no Docker), against the CLI and raw `psql \\copy`.

    python bench/airflow_bench.py [--main /tmp/seq3m.zip] [--extra 1000000,300000,100000]
                                  [--executor local|celery] [--workers 2] [--pool-slots 2]
                                  [--parallelism 4] [--rounds 1] [--json out.json]

Everything runs on this machine and is stopped at the end (also on Ctrl-C / errors):

* a PostgreSQL + PostGIS cluster of its own (gtfs_pipeline.localpg) holding the GTFS
  database and Airflow's metadata database;
* an HTTP server on 127.0.0.1 serving the feeds: --main (the ~3 M stop_times feed) and
  --extra generated ones (bench/generate_feed.py, cached under /tmp/gtfs-airflow-bench-feeds);
* Airflow 3 as a user starts it without Docker, by gtfs_pipeline.localairflow (what
  scripts/airflow.sh runs): `airflow db migrate`, the `gtfs_db` pool, then `airflow
  dag-processor`, `airflow scheduler --skip-serve-logs` and `airflow api-server` (LocalExecutor,
  parallelism for 2 cores), its own AIRFLOW_HOME in a temp dir; with --executor celery also
  `redis-server` (Debian package) and --workers `airflow celery worker --skip-serve-logs` processes, each with
  its own working directory, AIRFLOW_HOME and TMPDIR.

Then, in one run: raw `psql \\copy` of each feed (bench/run_bench.raw_copy), `gtfs-pipeline
load` of each feed (the same work the DAG does: load, geometry, validation, report, publish)
under /usr/bin/time -v, the DAG triggered for the main feed alone (--rounds times, each
followed by the CLI again, both while Airflow idles) and once for all feeds. The DAG's figures
come from the task instances' start/end times in the metadata database: per stage, per feed,
the gaps between stages (what the scheduler adds), per-task start-up (task duration minus the
library's own seconds), how many load tasks ran at once and whether the pool bounded the
database-heavy tasks. Prints a readable report and (with --json) writes every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

import psycopg2  # noqa: E402

from gtfs_pipeline import db, localairflow  # noqa: E402
from gtfs_pipeline.localpg import start_cluster  # noqa: E402

# Every child process imports the library from this tree (not whatever copy is installed).
CHILD_PYTHONPATH = os.pathsep.join([str(REPO / "plugins"), str(REPO / "bench")])
FEED_CACHE = Path(os.environ.get("GTFS_BENCH_FEEDS", "/tmp/gtfs-airflow-bench-feeds"))
DAG_ID = "gtfs_feeds"
STAGES = ["resolve_feeds", "fetch", "skip_unchanged", "plan_loads", "load", "version_steps.finalize",
          "version_steps.geometry", "version_steps.validate", "version_steps.publish", "summary"]

def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


free_port = localairflow.free_port


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


Procs = localairflow.Processes  # processes in their own sessions, stopped by process group


class PeakRss(threading.Thread):
    """Peak RSS (VmHWM) of every task process, by task instance id: LocalExecutor names its task
    processes `airflow worker -- <ti id>`. Polled from /proc while a run goes on."""

    def __init__(self, every: float = 0.25):
        super().__init__(daemon=True)
        self.every, self.peaks, self.done = every, {}, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
                    m = re.fullmatch(r"airflow worker -- ([0-9a-f-]{36})", title)
                    if not m:
                        continue
                    hwm = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
                except OSError:
                    continue
                if hwm:
                    self.peaks[m.group(1)] = max(self.peaks.get(m.group(1), 0), int(hwm.group(1)))
            self.done.wait(self.every)

    def stop(self) -> dict:
        self.done.set()
        self.join()
        return self.peaks


# --- feeds and the HTTP server ----------------------------------------------------------------

def feed_files(main: Path, extra: list[int]) -> dict[str, Path]:
    """feed_id -> zip: the main feed and generated ones (cached between runs)."""
    feeds = {re.sub(r"[^A-Za-z0-9_.-]", "-", main.stem): main}
    FEED_CACHE.mkdir(parents=True, exist_ok=True)
    for i, n in enumerate(extra):
        path = FEED_CACHE / f"synthetic-{n}-seed{20 + i}.zip"
        if not path.exists():
            log(f"generating {path}")
            subprocess.run([sys.executable, str(REPO / "bench" / "generate_feed.py"), str(path), "--stop-times",
                            str(n), "--seed", str(20 + i)], check=True, capture_output=True)
        feeds[f"synthetic-{n // 1000}k"] = path
    return feeds


def write_registry(path: Path, feeds: dict[str, Path], port: int) -> None:
    # Disabled: unpausing the DAG starts the day's scheduled run (catchup=False still runs the latest
    # 05:00), which then finds no feed; the benchmark's runs name their feeds in feed_ids.
    lines = ["# written by bench/airflow_bench.py", "feeds:"]
    for feed_id, zip_path in feeds.items():
        lines += [f"  - feed_id: {feed_id}", f"    url: http://127.0.0.1:{port}/{zip_path.name}",
                  "    allow_private_network: true", "    enabled: false", "    options: {block_on: never}"]
    path.write_text("\n".join(lines) + "\n")


# --- the CLI and the raw copy -------------------------------------------------------------------

def cli_load(dsn: str, zip_path: Path, feed_id: str, report_dir: Path) -> dict:
    """`gtfs-pipeline load` with everything the DAG does (geometry, validation, report, publish)."""
    cmd = ["/usr/bin/time", "-v", sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", dsn, "load", str(zip_path),
           "--feed-id", feed_id, "--block-on", "never", "--report-dir", str(report_dir), "--json"]
    la = loadavg()
    started = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": CHILD_PYTHONPATH})
    seconds = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(f"CLI load failed: {proc.stderr[-3000:]}")
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    out = json.loads(proc.stdout)
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        # created -> loaded: the files (and checks); loaded -> published: geometry, validation, publish
        cur.execute("SELECT extract(epoch FROM loaded_at - created_at), extract(epoch FROM published_at - loaded_at)"
                    " FROM gtfs.feed_version WHERE feed_version_id = %s", (out["feed_version_id"],))
        stages = [round(float(x), 1) if x is not None else None for x in cur.fetchone()]
    conn.close()
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss_kb / 1024, 1), "loadavg": la,
            "feed_version_id": out["feed_version_id"],
            "stages": {"files": stages[0], "geometry_validation_publish": stages[1]},
            "cli_stages": out.get("stages"),  # the CLI's own wall seconds per stage (files, finish, ...)
            "load_seconds_by_file": {f["filename"]: f["seconds"] for f in out["files"]}}


def raw_copy(dsn: str, zip_path: Path) -> dict:
    from run_bench import raw_copy as _raw_copy

    la = loadavg()
    with tempfile.TemporaryDirectory(prefix="gtfs-raw-") as tmp:
        out = _raw_copy(dsn, zip_path, Path(tmp))
    return {**out, "loadavg": la}


# --- Airflow ------------------------------------------------------------------------------------

class Airflow(localairflow.LocalAirflow):
    """The local Airflow of gtfs_pipeline.localairflow (what scripts/airflow.sh starts), configured for
    the benchmark: its own AIRFLOW_HOME in the work dir, the GTFS database as AIRFLOW_CONN_GTFS_DB,
    the library imported from this tree, optionally Celery with redis and workers."""

    def __init__(self, args, work: Path, procs: Procs, gtfs_dsn: str, meta_url: str, registry: Path):
        self.args, self.work = args, work
        extra = {
            "AIRFLOW_CONN_GTFS_DB": gtfs_dsn,
            "GTFS_FEEDS_REGISTRY": str(registry),
            "GTFS_ARCHIVE_URL": (work / "archive").as_uri(),
            "GTFS_DB_POOL": "gtfs_db",
            "PYTHONPATH": CHILD_PYTHONPATH,
        }
        if args.executor == "celery":
            self.redis_port = free_port()
            extra.update({
                "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta_url.replace("postgresql+psycopg2://", "postgresql://"),
                "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(args.worker_concurrency),
            })
        base = {k: v for k, v in os.environ.items() if not k.startswith("GTFS_")}
        super().__init__(work / "airflow-home", meta_url, REPO / "dags", REPO / "plugins",
                         executor="CeleryExecutor" if args.executor == "celery" else "LocalExecutor",
                         parallelism=args.parallelism, fast=not args.defaults, extra_env=extra, base_env=base,
                         procs=procs)

    def start(self) -> None:
        t0 = time.monotonic()
        self.prepare(pool_slots=self.args.pool_slots)
        log(f"metadata DB migrated, pool gtfs_db = {self.args.pool_slots} ({time.monotonic() - t0:.0f} s)")
        if self.args.executor == "celery":
            self.start_redis(self.redis_port)
        super().start()
        if self.args.executor == "celery":
            for i in range(1, self.args.workers + 1):
                name = f"worker{i}"
                # the worker's name as its hostname: which worker ran a task (task_instance.hostname)
                self.start_worker(name, self.work / name, concurrency=self.args.worker_concurrency,
                                  extra_env={"GTFS_BENCH_WORKER_NAME": name,
                                             "AIRFLOW__CORE__HOSTNAME_CALLABLE": "celery_worker_name.hostname"})
        self.wait_ready(DAG_ID)
        self.airflow("dags", "unpause", DAG_ID)
        self.wait_idle(DAG_ID)
        log(f"Airflow up in {time.monotonic() - t0:.0f} s")

    def trigger(self, conf: dict, run_id: str) -> None:
        super().trigger(conf, run_id, DAG_ID)

    def wait_run(self, run_id: str, timeout: float) -> str:
        return super().wait_run(run_id, timeout, DAG_ID)

    def run_facts(self, run_id: str) -> dict:
        with self.meta() as conn, conn.cursor() as cur:
            cur.execute("SELECT state, run_type, queued_at, start_date, end_date FROM dag_run"
                        " WHERE dag_id = %s AND run_id = %s", (DAG_ID, run_id))
            state, run_type, queued_at, start, end = cur.fetchone()
            cur.execute("SELECT count(*) FROM dag_run WHERE dag_id = %s AND run_id <> %s AND end_date > %s"
                        " AND start_date < %s", (DAG_ID, run_id, start, end))
            other_runs = cur.fetchone()[0]
        conn.close()
        return {"state": state, "run_type": run_type, "queued_at": queued_at, "start": start, "end": end,
                "tis": self.task_instances(run_id, DAG_ID), "other_runs_meanwhile": other_runs}


# --- analysis -----------------------------------------------------------------------------------

def _feed_of(ti: dict) -> str | None:
    label = ti["rendered_map_index"]
    if not label:
        return None
    return re.split(r" \(| v\d|/", label)[0]


def max_overlap(intervals: list[tuple[dt.datetime, dt.datetime]]) -> int:
    events = sorted([(s, 1) for s, e in intervals] + [(e, -1) for s, e in intervals], key=lambda x: (x[0], x[1]))
    cur = best = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


def analyse(facts: dict, gtfs_dsn: str, pool_slots: int) -> dict:
    start, end = facts["start"], facts["end"]
    tis = [t for t in facts["tis"] if t["start_date"] and t["end_date"]]
    sec = lambda a, b: round((b - a).total_seconds(), 2)  # noqa: E731
    stages = {}
    for name in STAGES:
        group = [t for t in tis if t["task_id"] == name]
        if not group:
            continue
        durations = [sec(t["start_date"], t["end_date"]) for t in group]
        stages[name] = {"n": len(group), "from": sec(start, min(t["start_date"] for t in group)),
                        "to": sec(start, max(t["end_date"] for t in group)),
                        "busy": round(sum(durations), 2), "max": max(durations),
                        "queued_to_start_max": max(sec(t["queued_dttm"], t["start_date"]) for t in group
                                                   if t["queued_dttm"])
                        if any(t["queued_dttm"] for t in group) else None}
    feeds: dict[str, dict] = {}
    for t in tis:
        f = _feed_of(t)
        if f is None:
            continue
        e = feeds.setdefault(f, {"first_start": t["start_date"], "last_end": t["end_date"], "tasks": {}})
        e["first_start"] = min(e["first_start"], t["start_date"])
        e["last_end"] = max(e["last_end"], t["end_date"])
        e["tasks"].setdefault(t["task_id"], []).append((t["start_date"], t["end_date"], t["rendered_map_index"],
                                                        t["hostname"]))
    per_feed = {}
    for f, e in feeds.items():
        steps = {k: {"from": sec(start, min(s for s, _, _, _ in v)), "to": sec(start, max(x for _, x, _, _ in v)),
                     "n": len(v)} for k, v in e["tasks"].items()}
        # the gaps between consecutive stages of this feed: what scheduling adds
        ordered = [steps[k] for k in STAGES if k in steps]
        gaps = [round(b["from"] - a["to"], 2) for a, b in zip(ordered, ordered[1:])]
        per_feed[f] = {"seconds": sec(e["first_start"], e["last_end"]), "stages": steps,
                       "gaps_between_stages": round(sum(g for g in gaps if g > 0), 2)}
    rss = facts.get("peak_rss_kb") or {}
    load_rss = sorted((rss[t["id"]], t["rendered_map_index"]) for t in tis if t["task_id"] == "load" and t["id"] in rss)
    all_rss = sorted(rss[t["id"]] for t in tis if t["id"] in rss)
    loads = [(t["start_date"], t["end_date"]) for t in tis if t["task_id"] == "load"]
    pooled = [(t["start_date"], t["end_date"]) for t in tis if t["pool"] == "gtfs_db"]
    hosts: dict[str, int] = {}
    for t in tis:
        if t["task_id"] == "load":
            hosts[t["hostname"]] = hosts.get(t["hostname"], 0) + 1
    # task start-up: a load task's duration minus the loader's own seconds for that file
    overhead = []
    with psycopg2.connect(gtfs_dsn) as conn, conn.cursor() as cur:
        for t in tis:
            if t["task_id"] != "load" or t["state"] != "success":
                continue
            label = t["rendered_map_index"]  # feed/member
            feed_id, member = label.split("/", 1)
            cur.execute("SELECT f.seconds FROM gtfs.feed_version_file f JOIN gtfs.fetch_log l"
                        " USING (feed_version_id) WHERE l.feed_id = %s AND f.filename = %s"
                        " AND l.run_id LIKE %s AND l.outcome = 'new'",
                        (feed_id, member, f"%/{facts['run_id']}"))
            row = cur.fetchone()
            if row and row[0] is not None:
                overhead.append(sec(t["start_date"], t["end_date"]) - float(row[0]))
    conn.close()
    overhead.sort()
    return {
        "state": facts["state"], "loadavg": facts.get("loadavg"),
        "total_seconds": sec(start, end), "queued_to_end_seconds": sec(facts["queued_at"], end),
        "stages": stages, "feeds": per_feed,
        "load_tasks": len(loads), "max_concurrent_load_tasks": max_overlap(loads) if loads else 0,
        "max_concurrent_pool_tasks": max_overlap(pooled) if pooled else 0, "pool_slots": pool_slots,
        "pool_respected": (max_overlap(pooled) if pooled else 0) <= pool_slots,
        "load_tasks_by_host": hosts,
        "load_task_overhead_s": {"median": overhead[len(overhead) // 2], "max": overhead[-1]} if overhead else None,
        "other_runs_meanwhile": facts["other_runs_meanwhile"],
        "task_peak_rss_mb": {"smallest_task": round(all_rss[0] / 1024, 1),
                             "load_max": round(load_rss[-1][0] / 1024, 1), "load_max_task": load_rss[-1][1],
                             "load_median": round(load_rss[len(load_rss) // 2][0] / 1024, 1)}
        if load_rss else None,
    }


def run_dag(af: Airflow, conf: dict, label: str, gtfs_dsn: str, timeout: float) -> dict:
    run_id = f"bench-{label}-{int(time.time())}"
    la = loadavg()
    sampler = PeakRss()
    sampler.start()
    af.trigger(conf, run_id)
    try:
        state = af.wait_run(run_id, timeout)
    finally:
        peaks = sampler.stop()
    facts = af.run_facts(run_id)
    facts["peak_rss_kb"] = peaks
    facts["run_id"] = run_id
    facts["loadavg"] = f"{la} -> {loadavg()}"
    out = analyse(facts, gtfs_dsn, af.args.pool_slots)
    out["run_id"] = run_id
    if state != "success":
        failed = [f"{t['task_id']}[{t['rendered_map_index']}]={t['state']}" for t in facts["tis"]
                  if t["state"] not in ("success", "skipped")]
        out["failed_tasks"] = failed
        log(f"run {run_id} ended {state}: {failed}")
    return out


# --- the database after the runs: size, and a typical query -----------------------------------

DEPARTURES = """
WITH day AS (SELECT %(day)s::date AS d),
services AS (
    SELECT c.service_id FROM gtfs_current.calendar c, day
     WHERE c.feed_version_id = %(v)s AND day.d BETWEEN c.start_date AND c.end_date
       AND (ARRAY[c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday])
           [extract(isodow FROM day.d)::int] = 1
    UNION
    SELECT cd.service_id FROM gtfs_current.calendar_dates cd, day
     WHERE cd.feed_version_id = %(v)s AND cd.date = day.d AND cd.exception_type = 1
    EXCEPT
    SELECT cd.service_id FROM gtfs_current.calendar_dates cd, day
     WHERE cd.feed_version_id = %(v)s AND cd.date = day.d AND cd.exception_type = 2)
SELECT st.departure_time, t.route_id, t.trip_headsign, st.trip_id
  FROM gtfs_current.stop_times st
  JOIN gtfs_current.trips t ON t.feed_version_id = st.feed_version_id AND t.trip_id = st.trip_id
 WHERE st.feed_version_id = %(v)s AND t.feed_version_id = %(v)s AND st.stop_id = %(stop)s
   AND t.service_id IN (SELECT service_id FROM services)
 ORDER BY st.departure_time
"""


def database_facts(dsn: str, feed_ids: list[str], day: str = "2025-03-12") -> dict:
    """Database size, each published version's size, and 'departures at one stop on one day'
    from gtfs_current (a Wednesday in the generated feeds' calendar): first and median of 5."""
    out: dict = {"day": day, "versions": {}}
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        out["database_mb"] = round(cur.fetchone()[0] / 1e6)
        for feed_id in feed_ids:
            cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", (feed_id,))
            row = cur.fetchone()
            if not row or row[0] is None:
                continue
            vid = row[0]
            cur.execute("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                        " WHERE c.relkind = 'r' AND c.relname ~ %s", (f"_v{vid}$",))
            size = float(cur.fetchone()[0])
            cur.execute(f"SELECT stop_id, count(*) FROM gtfs_current.stop_times WHERE feed_version_id = {int(vid)}"
                        " AND stop_id = (SELECT stop_id FROM gtfs_current.stop_times"
                        f" WHERE feed_version_id = {int(vid)} LIMIT 1) GROUP BY 1")
            stop, visits = cur.fetchone()
            times, rows = [], 0
            for _ in range(5):
                t = time.monotonic()
                cur.execute(DEPARTURES, {"v": vid, "stop": stop, "day": day})
                rows = len(cur.fetchall())
                times.append(round((time.monotonic() - t) * 1000, 1))
            conn.rollback()
            out["versions"][feed_id] = {"feed_version_id": vid, "size_mb": round(size / 1e6), "stop_id": stop,
                                        "stop_times_at_stop": visits, "departures_that_day": rows,
                                        "query_ms_first": times[0], "query_ms_median": sorted(times[1:])[2]}
    conn.close()
    return out


# --- report -------------------------------------------------------------------------------------

def print_report(r: dict) -> None:
    p = print
    p(f"\n== machine: {os.cpu_count()} cores; executor {r['executor']}, parallelism {r['parallelism']}, "
      f"pool gtfs_db {r['pool_slots']} slots, scheduler settings: {'defaults' if r['defaults'] else 'fast'}")
    p("\n== raw psql \\copy / CLI (gtfs-pipeline load: load + geometry + validation + report + publish)")
    for f, e in r["feeds"].items():
        raw, cli = e.get("raw_copy"), e.get("cli") or {"seconds": "-", "peak_rss_mb": "-", "loadavg": "-"}
        p(f"  {f:24s} raw {raw['seconds'] if raw else '-':>6} s   CLI {cli['seconds']:>6} s  "
          f"(peak RSS {cli['peak_rss_mb']} MB, load {cli['loadavg']}; {cli.get('stages')})")
    for run in r["dag_runs"]:
        p(f"\n== DAG run {run['run_id']} ({run['what']}): {run['state']}, total {run['total_seconds']} s "
          f"(queued->end {run['queued_to_end_seconds']} s), load avg {run['loadavg']}"
          f"{'; OTHER RUNS AT THE SAME TIME: ' + str(run['other_runs_meanwhile']) if run['other_runs_meanwhile'] else ''}")
        for name, s in run["stages"].items():
            p(f"  {name:26s} x{s['n']:<3d} {s['from']:7.2f} -> {s['to']:7.2f} s  busy {s['busy']:7.2f} s  "
              f"longest {s['max']:6.2f} s  queued->start max {s['queued_to_start_max']}")
        for f, e in run["feeds"].items():
            p(f"  feed {f}: {e['seconds']} s from its fetch to its publish; gaps between stages "
              f"{e['gaps_between_stages']} s")
        p(f"  load tasks {run['load_tasks']}, at most {run['max_concurrent_load_tasks']} at once; tasks in pool "
          f"gtfs_db at most {run['max_concurrent_pool_tasks']} at once (slots {run['pool_slots']}: "
          f"{'respected' if run['pool_respected'] else 'EXCEEDED'}); load tasks by host {run['load_tasks_by_host']}")
        p(f"  load task start-up (duration - loader seconds): {run['load_task_overhead_s']}")
        p(f"  task processes' peak RSS (MB; Airflow's own share included): {run['task_peak_rss_mb']}")
        if run.get("cli_after"):
            p(f"  CLI right after, same feed: {run['cli_after']['seconds']} s (load {run['cli_after']['loadavg']});"
              f" DAG / CLI = {run['ratio_to_cli_after']}")
        if run.get("ratio_to_cli_before"):
            p(f"  DAG / CLI before Airflow started = {run['ratio_to_cli_before']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--main", type=Path, default=Path("/tmp/seq3m.zip"), help="the ~3 M stop_times feed")
    ap.add_argument("--extra", default="1000000,300000,100000",
                    help="stop_times counts of further generated feeds ('' for none)")
    ap.add_argument("--executor", choices=["local", "celery"], default="local")
    ap.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    ap.add_argument("--worker-concurrency", type=int, default=2, help="task slots per Celery worker")
    ap.add_argument("--parallelism", type=int, default=4, help="[core] parallelism")
    ap.add_argument("--pool-slots", type=int, default=2, help="slots of the gtfs_db pool")
    ap.add_argument("--rounds", type=int, default=1, help="DAG runs of the main feed alone (each then CLI)")
    ap.add_argument("--no-all-feeds-run", action="store_true", help="skip the run with every feed")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw psql copy")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI loads")
    ap.add_argument("--no-cli-after", action="store_true", help="no CLI load after each DAG run")
    ap.add_argument("--defaults", action="store_true", help="Airflow's default scheduler settings")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds to wait for one DAG run")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (logs, archive)")
    ap.add_argument("--measure-db", action="store_true",
                    help="at the end: database size, each published version's size, a typical query")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()
    if not args.main.exists():
        raise SystemExit(f"{args.main} is missing: python bench/generate_feed.py {args.main} --stop-times 3000000")

    work = Path(tempfile.mkdtemp(prefix="gtfs-airflow-bench-"))
    (work / "logs").mkdir()
    (work / "archive").mkdir()
    (work / "reports").mkdir()
    procs = Procs(work)  # logs in work/logs
    cluster = None
    log(f"work dir {work}, load average {loadavg()}")
    report: dict = {"executor": args.executor, "parallelism": args.parallelism, "pool_slots": args.pool_slots,
                    "defaults": args.defaults, "started": dt.datetime.now(dt.timezone.utc).isoformat(),
                    "feeds": {}, "dag_runs": []}
    try:
        extra = [int(x) for x in args.extra.split(",") if x.strip()]
        feeds = feed_files(args.main.resolve(), extra)
        main_id = next(iter(feeds))
        cluster = start_cluster(work / "pg")
        gtfs_dsn = cluster.dsn
        c = psycopg2.connect(gtfs_dsn.rsplit("/", 1)[0] + "/postgres")
        c.autocommit = True
        with c.cursor() as cur:
            cur.execute("CREATE DATABASE airflow")
        c.close()
        with db.connection(gtfs_dsn) as conn:
            db.init_db(conn)
        meta_url = f"postgresql+psycopg2://postgres@127.0.0.1:{cluster.port}/airflow"
        log(f"PostgreSQL: {gtfs_dsn} (GTFS) and database airflow (metadata)")

        www = work / "www"
        www.mkdir()
        for p in feeds.values():
            (www / p.name).symlink_to(p)
        http_port = free_port()
        procs.start("http", [sys.executable, "-m", "http.server", str(http_port), "--bind", "127.0.0.1",
                             "--directory", str(www)], os.environ.copy())
        registry = work / "feeds.yml"
        write_registry(registry, feeds, http_port)

        # 1. raw copy and CLI, before Airflow runs
        for feed_id, path in feeds.items():
            entry = report["feeds"].setdefault(feed_id, {"zip": str(path), "zip_mb": round(path.stat().st_size / 1e6, 1)})
            if not args.no_raw:
                entry["raw_copy"] = raw_copy(gtfs_dsn, path)
                log(f"raw copy {feed_id}: {entry['raw_copy']['seconds']} s")
            if not args.no_cli:
                entry["cli"] = cli_load(gtfs_dsn, path, f"cli-{feed_id}", work / "reports")
                log(f"CLI {feed_id}: {entry['cli']['seconds']} s, RSS {entry['cli']['peak_rss_mb']} MB")

        # 2. Airflow
        af = Airflow(args, work, procs, gtfs_dsn, meta_url, registry)
        af.start()
        for i in range(args.rounds):
            run = run_dag(af, {"feed_ids": [main_id], "force": True}, f"main{i + 1}", gtfs_dsn, args.timeout)
            run["what"] = f"{main_id} alone"
            log(f"DAG {main_id}: {run['total_seconds']} s ({run['state']})")
            if not args.no_cli and not args.no_cli_after:
                run["cli_after"] = cli_load(gtfs_dsn, feeds[main_id], f"cli-{main_id}", work / "reports")
                run["ratio_to_cli_after"] = round(run["total_seconds"] / run["cli_after"]["seconds"], 2)
                run["ratio_to_cli_before"] = round(run["total_seconds"] / report["feeds"][main_id]["cli"]["seconds"], 2)
                log(f"CLI {main_id} again: {run['cli_after']['seconds']} s -> DAG/CLI {run['ratio_to_cli_after']}")
            elif not args.no_cli:
                run["ratio_to_cli_before"] = round(run["total_seconds"] / report["feeds"][main_id]["cli"]["seconds"], 2)
            report["dag_runs"].append(run)
        if not args.no_all_feeds_run and len(feeds) > 1:
            run = run_dag(af, {"feed_ids": list(feeds), "force": True}, "all", gtfs_dsn, args.timeout)
            run["what"] = f"all {len(feeds)} feeds"
            if not args.no_cli:
                run["cli_sum_before"] = round(sum(report["feeds"][f]["cli"]["seconds"] for f in feeds), 2)
                run["ratio_to_cli_sum"] = round(run["total_seconds"] / run["cli_sum_before"], 2)
            log(f"DAG all feeds: {run['total_seconds']} s ({run['state']})")
            report["dag_runs"].append(run)
        if args.measure_db:
            ids = [f for f in feeds] + [f"cli-{f}" for f in feeds]
            try:
                report["database"] = database_facts(gtfs_dsn, ids)
            except Exception as exc:  # noqa: BLE001 - keep the figures measured so far
                log(f"measuring the database failed: {type(exc).__name__}: {exc}")
    finally:
        procs.stop_all()
        if cluster is not None:
            try:
                cluster.stop()
            except Exception as exc:  # noqa: BLE001
                log(f"stopping PostgreSQL failed: {exc}")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept {work}")
    report["loadavg_end"] = loadavg()
    if report.get("database"):
        d = report["database"]
        print(f"\n== database: {d['database_mb']} MB in all; departures at one stop on {d['day']} from gtfs_current:")
        for f, e in d["versions"].items():
            print(f"  {f:24s} version {e['feed_version_id']}: {e['size_mb']} MB, stop {e['stop_id']} "
                  f"({e['stop_times_at_stop']} stop_times, {e['departures_that_day']} departures that day): "
                  f"{e['query_ms_first']} ms first, {e['query_ms_median']} ms median of the next 4")
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if all(r["state"] == "success" for r in report["dag_runs"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
