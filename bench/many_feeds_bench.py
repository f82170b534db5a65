"""A registry of many small feeds, all unchanged, through the gtfs_feeds DAG under a real scheduler.

    python bench/many_feeds_bench.py --feeds 10,100,1000 [--mode 304|200|both] [--changed 1]
                                     [--batch-size N] [--parallelism 8] [--json out.json]

Issue 18, goal 5: how long a morning's run takes when nothing changed, for N registered feeds,
and how that grows with N. Everything runs on this machine and is stopped at the end:

* a PostgreSQL + PostGIS cluster of its own (gtfs_pipeline.localpg) holding the GTFS database and
  Airflow's metadata database (one fresh pair per N);
* the tests' FeedServer on 127.0.0.1 serving N small feeds (one agency, two stops, one trip; each
  zip differs in its agency name), with ETag and Last-Modified (mode 304) or ignoring the
  client's validators and sending the same bytes again (mode 200);
* Airflow as scripts/airflow.sh starts it (gtfs_pipeline.localairflow: api-server, dag-processor,
  scheduler, LocalExecutor).

Before the timed runs every feed is loaded once and fetched once by the library's own functions
(versions.load_feed, pipeline.fetch_job: the state a previous morning leaves), so the DAG run
finds each feed's validators in the fetch log and its bytes among the loaded versions. Then the
fetches alone are timed in this process (one after another, and through pipeline.fetch_batch),
to set the library's cost beside the DAG's. Then, per
mode, one run with all N feeds in feed_ids is timed from the run's start to its end (metadata DB),
and its fetch tasks' durations summed. With --changed K, K feeds get new bytes before one more run.
The 1-minute load average is printed beside each figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "tests")]

import psycopg2  # noqa: E402

from gtfs_pipeline import db, localairflow, pipeline, versions  # noqa: E402
from gtfs_pipeline.localpg import start_cluster  # noqa: E402
from gtfs_pipeline.registry import parse_registry  # noqa: E402
from httpserver import FeedServer  # noqa: E402

FILES = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,{name},https://a.example,Europe/Berlin\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WD,1,1,1,1,1,0,0,20240101,20301231\n",
}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


def feed_zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, text in FILES.items():
            info = zipfile.ZipInfo(member, date_time=(2024, 1, 1, 0, 0, 0))
            zf.writestr(info, text.format(name=name) if member == "agency.txt" else text)
    return buf.getvalue()


def registry_text(srv: FeedServer, feed_ids: list[str]) -> str:
    # Disabled: unpausing the DAG starts the day's scheduled run, which then finds nothing to do.
    return "feeds:\n" + "".join(
        f"  - feed_id: {f}\n    url: {srv.url(f'/{f}.zip')}\n    allow_private_network: true\n"
        f"    enabled: false\n    options: {{block_on: never}}\n" for f in feed_ids)


def seed(dsn: str, srv: FeedServer, registry_path: Path, feed_ids: list[str], work: Path, archive: Path) -> None:
    """Every feed loaded and fetched once, as a previous morning leaves them."""
    reg = parse_registry(registry_path.read_text())
    conn = psycopg2.connect(dsn)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        for i, feed_id in enumerate(feed_ids):
            path = work / f"{feed_id}.zip"
            path.write_bytes(srv.routes[f"/{feed_id}.zip"].body)
            versions.load_feed(conn, path, feed_id, geometry=False, validate=False)
            [job] = pipeline.resolve_jobs(reg, {"feed_ids": [feed_id]}, logical_date=None, run_after=now)
            got = pipeline.fetch_job(conn, job, archive, run_id="seed/0", spec=reg.feeds[feed_id], given_url=None)
            if got["outcome"] != "unchanged":
                raise SystemExit(f"seeding {feed_id}: expected unchanged, got {got['outcome']}: {got['message']}")
            if (i + 1) % 100 == 0:
                log(f"seeded {i + 1} feeds")
    finally:
        conn.close()


def probe(dsn: str, registry_path: Path, feed_ids: list[str], archive: Path) -> dict:
    """The library's own cost of the unchanged fetches, without Airflow: every feed fetched once in
    this process, one after another (304), then all at once through pipeline.fetch_batch with the
    default threads. The difference to a DAG run is what the tasks around the fetches cost."""
    reg = parse_registry(registry_path.read_text())
    now = dt.datetime.now(dt.timezone.utc)
    jobs = pipeline.resolve_jobs(reg, {"feed_ids": feed_ids}, logical_date=None, run_after=now)
    conn = psycopg2.connect(dsn)
    try:
        t0 = time.monotonic()
        for job in jobs:
            got = pipeline.fetch_job(conn, job, archive, run_id="probe/seq", spec=reg.feeds[job["feed_id"]],
                                     given_url=None)
            assert got["outcome"] == "not-modified", got
        seq = time.monotonic() - t0
    finally:
        conn.close()
    t0 = time.monotonic()
    got = pipeline.fetch_batch(jobs, archive, run_id="probe/batch", connect=lambda: db.connection(dsn),
                               spec_of=reg.feeds.get, given_url=None)
    batch = time.monotonic() - t0
    assert {r["outcome"] for r in got} == {"not-modified"}, got
    return {"sequential_ms_per_feed": round(seq * 1000 / len(jobs), 1),
            "fetch_batch_ms_per_feed": round(batch * 1000 / len(jobs), 1), "loadavg": loadavg()}


def timed_run(af: localairflow.LocalAirflow, feed_ids: list[str], run_id: str, timeout: float) -> dict:
    la = loadavg()
    af.trigger({"feed_ids": feed_ids}, run_id)
    state = af.wait_run(run_id, timeout)
    [(start, end)] = af._query("SELECT start_date, end_date FROM dag_run WHERE dag_id = %s AND run_id = %s",
                               (localairflow.DAG_ID, run_id))
    tis = af.task_instances(run_id)
    fetch = [t for t in tis if t["task_id"] == "fetch" and t["start_date"] and t["end_date"]]
    fetch_s = sum((t["end_date"] - t["start_date"]).total_seconds() for t in fetch)
    return {"run_id": run_id, "state": state, "seconds": round((end - start).total_seconds(), 1),
            "fetch_tasks": len(fetch), "fetch_task_seconds_sum": round(fetch_s, 1),
            "fetch_task_seconds_mean": round(fetch_s / len(fetch), 2) if fetch else None,
            "task_instances": len(tis), "loadavg_before": la, "loadavg_after": loadavg()}


def outcomes(dsn: str, run_id: str) -> dict[str, int]:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT outcome, count(*) FROM gtfs.fetch_log WHERE run_id = %s GROUP BY 1",
                    (f"{localairflow.DAG_ID}/{run_id}",))
        rows = dict(cur.fetchall())
    conn.close()
    return rows


def bench_n(n: int, args, work: Path) -> list[dict]:
    cluster = start_cluster(work / "pg")
    base = cluster.dsn.rsplit("/", 1)[0]
    admin = psycopg2.connect(base + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("CREATE DATABASE airflow")  # the cluster comes with its gtfs database
    admin.close()
    dsn = base + "/gtfs"
    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    conn.cursor().execute("CREATE EXTENSION IF NOT EXISTS postgis")
    conn.autocommit = False
    db.init_db(conn)
    conn.close()
    meta_url = "postgresql+psycopg2://" + base.split("://", 1)[1] + "/airflow"
    feed_ids = [f"feed{i:04d}" for i in range(n)]
    results = []
    with FeedServer() as srv:
        for f in feed_ids:
            srv.serve(f"/{f}.zip", feed_zip(f"Agency {f}"))
        registry = work / "feeds.yml"
        registry.write_text(registry_text(srv, feed_ids))
        archive = work / "archive"
        t0 = time.monotonic()
        seed(dsn, srv, registry, feed_ids, work, archive)
        log(f"N={n}: seeded in {time.monotonic() - t0:.0f} s")
        probed = probe(dsn, registry, feed_ids, archive)
        log(f"N={n}: the fetches alone, in this process: {json.dumps(probed)}")
        af = localairflow.LocalAirflow(
            work / "airflow", meta_url, REPO / "dags", REPO / "plugins", parallelism=args.parallelism,
            extra_env={"GTFS_FEEDS_REGISTRY": str(registry), "GTFS_ARCHIVE_URL": archive.as_uri(),
                       "GTFS_FETCH_RETRIES": "0", "PYTHONPATH": str(REPO / "plugins"),
                       **({"GTFS_FETCH_BATCH_SIZE": str(args.batch_size)} if args.batch_size else {})})
        try:
            af.prepare(pool_slots=args.pool_slots, conn_uri=dsn)
            af.start()
            af.wait_ready()
            af.airflow("dags", "unpause", localairflow.DAG_ID)
            af.wait_idle()
            modes = ["304", "200"] if args.mode == "both" else [args.mode]
            for mode in modes:
                for f in feed_ids:
                    srv.routes[f"/{f}.zip"].conditional = mode == "304"
                run_id = f"n{n}-{mode}-{uuid.uuid4().hex[:6]}"
                got = timed_run(af, feed_ids, run_id, args.timeout)
                got.update({"feeds": n, "mode": mode, "outcomes": outcomes(dsn, run_id), "probe": probed})
                log(json.dumps(got, default=str))
                results.append(got)
            if args.changed:
                for f in feed_ids:
                    srv.routes[f"/{f}.zip"].conditional = True
                for f in feed_ids[: args.changed]:
                    srv.serve(f"/{f}.zip", feed_zip(f"Agency {f} (new timetable)"))
                run_id = f"n{n}-changed{args.changed}-{uuid.uuid4().hex[:6]}"
                got = timed_run(af, feed_ids, run_id, args.timeout)
                got.update({"feeds": n, "mode": f"304 + {args.changed} changed", "outcomes": outcomes(dsn, run_id)})
                log(json.dumps(got, default=str))
                results.append(got)
        finally:
            af.stop()
            cluster.stop()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", default="10,100", help="comma-separated feed counts")
    ap.add_argument("--mode", choices=["304", "200", "both"], default="both")
    ap.add_argument("--changed", type=int, default=0, help="feeds given new bytes for one more run")
    ap.add_argument("--parallelism", type=int, default=8)
    ap.add_argument("--pool-slots", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=0,
                    help="GTFS_FETCH_BATCH_SIZE for the DAG (default: the setting's default)")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    results = []
    for n in [int(x) for x in args.feeds.split(",")]:
        with tempfile.TemporaryDirectory(prefix=f"gtfs-many-{n}-") as tmp:
            results += bench_n(n, args, Path(tmp))
    print("\nfeeds | mode | run seconds | fetch tasks | mean fetch task s | outcomes | load avg before/after")
    for r in results:
        print(f"{r['feeds']} | {r['mode']} | {r['seconds']} | {r['fetch_tasks']} | {r['fetch_task_seconds_mean']} | "
              f"{r['outcomes']} | {r['loadavg_before']}/{r['loadavg_after']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
