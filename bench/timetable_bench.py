#!/usr/bin/env python3
"""Timetable benchmark (issue 13): build cost of the timetable at finalize and the departures
query with and without the indexes, next to a raw psql \\copy of stop_times.txt in the same run.

Usage:
    python bench/timetable_bench.py FEED.zip --dsn postgresql://.../DB [--feed-id seq] [--runs 15]

The database must exist (with PostGIS); the script runs init-db, loads the feed with
`gtfs-pipeline load` (no validation, no geometry: only the load and finalize count here), then:

1. the timetable's steps as finalize ran them (gtfs.feed_version_timetable.step_seconds), and each
   index of include/sql/timetable/indexes.sql dropped and built again, timed alone;
2. a raw `psql \\copy` of the zip's stop_times.txt into an all-text table without keys (the
   yardstick of docs/benchmarks.md), in the same run;
3. "departures from one stop in the next 2 hours" at 08:00 local on a weekday inside the feed's
   service, for the busiest stop and a median stop: gtfs.departures (by version id),
   gtfs_current.departures (by feed id), and gtfs_current.arrivals_departures filtered on stop and
   date; each warm (one run to warm up, then the median of --runs runs);
4. the same with the stop_times index dropped (in a transaction rolled back afterwards);
5. the trips of the busiest route and of the busiest service through gtfs_current, with the
   trips(route_id) / trips(service_id) index and without it.

--version N measures a version already loaded (the 30 M runs of docs/benchmarks.md: load the
feed once with `gtfs-pipeline load FEED --no-validate --no-geometry`, then pass its id).

It prints one JSON document; docs/benchmarks.md has the numbers and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from gtfs_pipeline import db  # noqa: E402

INDEXES = {  # name suffix -> (table, columns) as include/sql/timetable/indexes.sql builds them
    "stop_departure_idx": ("stop_times", "(stop_id, departure_time)"),
    "route_idx": ("trips", "(route_id)"),
    "service_idx": ("trips", "(service_id)"),
    "parent_idx": ("stops", "(parent_station)"),
}


def timed(cur, query: str, args=()) -> float:
    started = time.perf_counter()
    cur.execute(query, args)
    cur.fetchall() if cur.description else None
    return time.perf_counter() - started


def median_ms(cur, query: str, args, runs: int) -> tuple[float, int]:
    cur.execute(query, args)
    n = len(cur.fetchall())  # warm-up, and the row count
    return round(statistics.median(timed(cur, query, args) for _ in range(runs)) * 1000, 2), n


def raw_copy_seconds(dsn: str, zip_path: Path) -> float:
    work = Path(tempfile.mkdtemp(prefix="tt-bench-"))
    try:
        with zipfile.ZipFile(zip_path) as zf:
            name = next(n for n in zf.namelist() if n.endswith("stop_times.txt"))
            zf.extract(name, work)
            path = work / name
            header = zf.open(name).readline().decode("utf-8-sig").strip().split(",")
        cols = ", ".join(f'"{c}" text' for c in header)
        subprocess.run(["psql", dsn, "-q", "-c", "DROP TABLE IF EXISTS public.tt_rawcopy",
                        "-c", f"CREATE TABLE public.tt_rawcopy ({cols})"], check=True)
        started = time.perf_counter()
        subprocess.run(["psql", dsn, "-q", "-c",
                        f"\\copy public.tt_rawcopy FROM '{path}' WITH (FORMAT csv, HEADER)"], check=True)
        seconds = time.perf_counter() - started
        subprocess.run(["psql", dsn, "-q", "-c", "DROP TABLE public.tt_rawcopy"], check=True)
        return round(seconds, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--feed-id", default="ttbench")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--version", type=int, help="use this loaded version instead of loading the feed")
    args = parser.parse_args()
    out: dict = {"feed": str(args.feed), "loadavg_start": os.getloadavg()}

    conn = db.connect(args.dsn)
    db.init_db(conn)
    if args.version:
        vid = args.version
    else:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", args.dsn, "load", str(args.feed),
                        "--feed-id", args.feed_id, "--no-validate", "--no-geometry"],
                       check=True, env={**os.environ, "PYTHONPATH": str(REPO / "plugins")},
                       stdout=subprocess.DEVNULL)
        out["load_seconds"] = round(time.perf_counter() - started, 2)
        with conn.cursor() as cur:
            cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", (args.feed_id,))
            vid = cur.fetchone()[0]
    out["feed_version_id"] = vid
    cur = conn.cursor()
    cur.execute("SELECT feed_id FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
    feed_id = cur.fetchone()[0]
    cur.execute("SELECT step_seconds, service_days, timezone FROM gtfs.feed_version_timetable"
                " WHERE feed_version_id = %s", (vid,))
    out["finalize_step_seconds"], out["service_days"], timezone = cur.fetchone()
    cur.execute("SELECT rows FROM gtfs.feed_version_file WHERE feed_version_id = %s AND filename = 'stop_times.txt'",
                (vid,))
    out["stop_times_rows"] = cur.fetchone()[0]
    conn.commit()

    # 1. Each index alone, rebuilt.
    out["index_build_seconds"] = {}
    for suffix, (table, columns) in INDEXES.items():
        name = f"{table}_v{vid}_{suffix}"
        cur.execute(f"DROP INDEX IF EXISTS gtfs_part.{name}")
        conn.commit()
        started = time.perf_counter()
        cur.execute(f"CREATE INDEX {name} ON gtfs_part.{table}_v{vid} {columns}")
        conn.commit()
        out["index_build_seconds"][name] = round(time.perf_counter() - started, 3)

    # 1b. What a publish's diff costs for the largest file: stop_times.txt compared row by row with
    # itself (a real diff takes the same plan; identical bytes would skip it).
    from gtfs_pipeline import timetable
    from gtfs_pipeline.reference import FILE_BY_NAME
    started = time.perf_counter()
    cur.execute(timetable._file_diff_sql(FILE_BY_NAME["stop_times.txt"]), {"old": vid, "new": vid})
    out["diff_stop_times_row_by_row"] = {"seconds": round(time.perf_counter() - started, 2),
                                         "counts": list(cur.fetchone())}
    conn.commit()

    # 2. The yardstick, in the same run.
    out["raw_copy_stop_times_seconds"] = raw_copy_seconds(args.dsn, args.feed)

    # 3. The queries. A weekday (Tuesday) in the middle of the service, 08:00 local.
    cur.execute("SELECT date FROM gtfs.service_days WHERE feed_version_id = %s AND extract(isodow FROM date) = 2"
                " GROUP BY date ORDER BY count(*) DESC, date LIMIT 1", (vid,))
    day = cur.fetchone()[0]
    cur.execute("SELECT ((%s::date + time '08:00') AT TIME ZONE %s)", (day, timezone))
    t_from = cur.fetchone()[0]
    cur.execute(f"SELECT stop_id, count(*) FROM gtfs_part.stop_times_v{vid} GROUP BY stop_id ORDER BY 2 DESC")
    counts = cur.fetchall()
    stops = {"busiest": counts[0], "median": counts[len(counts) // 2]}
    out.update(date=str(day), from_=str(t_from), stops={k: {"stop_id": s, "stop_times": n} for k, (s, n) in stops.items()})
    conn.commit()

    def queries(stop_id: str) -> dict:
        window = (t_from, t_from)
        return {
            "gtfs.departures": median_ms(cur, "SELECT * FROM gtfs.departures(%s, %s, %s, %s + interval '2 hours')",
                                         (vid, stop_id, *window), args.runs),
            "gtfs_current.departures": median_ms(
                cur, "SELECT * FROM gtfs_current.departures(%s, %s, %s, %s + interval '2 hours')",
                (feed_id, stop_id, *window), args.runs),
            "gtfs_current.arrivals_departures (stop, date)": median_ms(
                cur, "SELECT * FROM gtfs_current.arrivals_departures WHERE stop_id = %s AND date = %s",
                (stop_id, day), args.runs),
        }

    out["with_indexes_ms"] = {k: queries(s) for k, (s, _) in stops.items()}
    conn.commit()
    cur.execute(f"DROP INDEX gtfs_part.stop_times_v{vid}_stop_departure_idx")
    out["without_stop_times_index_ms"] = {k: queries(s) for k, (s, _) in stops.items()}
    conn.rollback()  # the index is back

    # 5. The trips indexes: the trips of the busiest route and of the busiest service through
    # gtfs_current, with each index and without it (dropped in a transaction rolled back afterwards).
    out["trips_indexes_ms"] = {}
    for suffix, column in (("route_idx", "route_id"), ("service_idx", "service_id")):
        cur.execute(f"SELECT {column}, count(*) FROM gtfs_part.trips_v{vid} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1")
        value, n = cur.fetchone()
        query = f"SELECT trip_id FROM gtfs_current.trips WHERE {column} = %s"
        with_index = median_ms(cur, query, (value,), args.runs)
        cur.execute(f"DROP INDEX gtfs_part.trips_v{vid}_{suffix}")
        without = median_ms(cur, query, (value,), args.runs)
        conn.rollback()
        out["trips_indexes_ms"][f"trips of one {column} ({value}, {n} trips)"] = {
            "with index": with_index, "without": without}
    out["loadavg_end"] = os.getloadavg()
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
