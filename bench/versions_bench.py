"""Many versions in one database: does loading, querying or dropping slow down as versions pile up?

    python bench/versions_bench.py FEED.zip --versions 100 [--dsn URL]

Loads the same feed N times as N versions of one feed (each a new version, as a
daily feed with small changes would be), timing each load, a typical query on
the published version (departures at one stop), and at the end the drop of
the oldest version. Validation is left out (it does not touch other versions).
Prints JSON; docs/benchmarks.md records runs of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from gtfs_pipeline import db, versions  # noqa: E402

QUERY = """
SELECT st.trip_id, st.departure_time FROM gtfs_current.stop_times st
WHERE st.feed_version_id = (SELECT current_version_id FROM gtfs.feed WHERE feed_id = %(feed)s)
  AND st.stop_id = (SELECT stop_id FROM gtfs_current.stops s
                    WHERE s.feed_version_id = (SELECT current_version_id FROM gtfs.feed WHERE feed_id = %(feed)s)
                    ORDER BY stop_id LIMIT 1)
ORDER BY st.departure_time
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--feed-id", default="many-versions")
    args = parser.parse_args()
    conn = db.connect(args.dsn)
    db.init_db(conn)
    loads, queries, ids = [], [], []
    for i in range(args.versions):
        started = time.monotonic()
        vid, _ = versions.load_feed(conn, args.feed, args.feed_id, validate=False)
        loads.append(time.monotonic() - started)
        ids.append(vid)
        with conn.cursor() as cur:
            started = time.monotonic()
            cur.execute(QUERY, {"feed": args.feed_id})
            cur.fetchall()
            queries.append(time.monotonic() - started)
        conn.rollback()
        print(f"version {i + 1}: load {loads[-1]:.2f} s, query {queries[-1] * 1000:.1f} ms", file=sys.stderr)
    started = time.monotonic()
    versions.drop_version(conn, ids[0])
    drop = time.monotonic() - started
    tenth = max(1, args.versions // 10)
    print(json.dumps({
        "feed": args.feed.name, "versions": args.versions,
        "load_seconds_first_10pct_median": round(statistics.median(loads[:tenth]), 3),
        "load_seconds_last_10pct_median": round(statistics.median(loads[-tenth:]), 3),
        "query_ms_first_10pct_median": round(1000 * statistics.median(queries[:tenth]), 2),
        "query_ms_last_10pct_median": round(1000 * statistics.median(queries[-tenth:]), 2),
        "drop_oldest_version_seconds": round(drop, 3),
    }, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
