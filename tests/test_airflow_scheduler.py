"""The gtfs_feeds DAG under a real scheduler, started the way scripts/airflow.sh starts it
(gtfs_pipeline.localairflow: metadata DB, pool, gtfs_db connection in the metadata DB, api-server,
dag-processor, scheduler with the LocalExecutor), not `dags test`, which ignores pools.

Two small feeds in one run with a one-slot pool: the run succeeds, both feeds are published and no
two database tasks ran at once; a second run gets HTTP 304 for both. Then, with the pool deleted,
the first task of a run fails at once, on its first try, with the line that says how to create it.
About a minute, most of it Airflow's start-up.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psycopg2
import pytest

from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import localairflow, pools
from httpserver import FeedServer

REPO = Path(__file__).resolve().parents[1]
POOLED = {"skip_unchanged", "load", "version_steps.finalize", "version_steps.geometry", "version_steps.validate"}


@pytest.fixture
def meta_url(pg_server):
    name = f"airflow_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    yield "postgresql+psycopg2://" + pg_server.split("://", 1)[1].rsplit("/", 1)[0] + "/" + name
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def most_at_once(intervals) -> int:
    """The most intervals (start, end) open at one moment."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    now = best = 0
    for _, step in events:
        now += step
        best = max(best, now)
    return best


def test_two_feeds_under_the_scheduler_with_the_pool_then_304s(tmp_path, dsn, meta_url):
    feeds = {"north": write_feed(tmp_path / "north.zip", {}),
             "south": write_feed(tmp_path / "south.zip", {"agency.txt": MINIMAL["agency.txt"].replace(
                 "Agency,", "South Agency,")})}
    # Disabled feeds, named in each run's conf: unpausing the DAG starts the day's scheduled run,
    # which then has nothing to fetch.
    registry = tmp_path / "feeds.yml"
    with FeedServer() as srv:
        for feed_id, path in feeds.items():
            srv.serve(f"/{feed_id}.zip", path.read_bytes())
        registry.write_text("feeds:\n" + "".join(
            f"  - feed_id: {f}\n    url: {srv.url(f'/{f}.zip')}\n    enabled: false\n"
            f"    allow_private_network: true\n" for f in feeds))
        af = localairflow.LocalAirflow(
            tmp_path / "airflow", meta_url, REPO / "dags", REPO / "plugins",
            extra_env={"GTFS_FEEDS_REGISTRY": str(registry), "GTFS_ARCHIVE_URL": (tmp_path / "archive").as_uri(),
                       "GTFS_FETCH_RETRIES": "0"})
        try:
            af.prepare(pool_slots=1, conn_uri=dsn)
            af.start()
            af.wait_ready()
            af.airflow("dags", "unpause", localairflow.DAG_ID)
            af.wait_idle()

            af.trigger({"feed_ids": ["north", "south"]}, "first")
            assert af.wait_run("first", 600) == "success"
            tis = af.task_instances("first")
            assert {t["state"] for t in tis} == {"success"}
            pooled = [t for t in tis if t["task_id"] in POOLED]
            assert {t["pool"] for t in pooled} == {"gtfs_db"}
            assert len([t for t in pooled if t["task_id"] == "load"]) == 12  # 6 files x 2 feeds
            assert most_at_once([(t["start_date"], t["end_date"]) for t in pooled]) == 1
            with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
                cur.execute("SELECT f.feed_id, v.status FROM gtfs.feed f"
                            " JOIN gtfs.feed_version v ON v.feed_version_id = f.current_version_id ORDER BY 1")
                assert cur.fetchall() == [("north", "published"), ("south", "published")]
            conn.close()

            af.trigger({"feed_ids": ["north", "south"]}, "second")
            assert af.wait_run("second", 600) == "success"
            with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
                cur.execute("SELECT feed_id, http_status, outcome FROM gtfs.fetch_log"
                            " WHERE run_id = 'gtfs_feeds/second' ORDER BY 1")
                assert cur.fetchall() == [("north", 304, "not-modified"), ("south", 304, "not-modified")]
            conn.close()
            # nothing to load: the mapped load task expanded to zero instances (its placeholder is skipped)
            assert [(t["map_index"], t["state"]) for t in af.task_instances("second") if t["task_id"] == "load"] \
                == [(-1, "skipped")]

            # Without the pool, the first task fails at once (no retry) and says how to create it.
            af.airflow("pools", "delete", "gtfs_db")
            af.trigger({"feed_ids": ["north"]}, "no-pool")
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                first = [t for t in af.task_instances("no-pool") if t["task_id"] == "resolve_feeds"]
                if first and first[0]["state"] in ("failed", "up_for_retry", "success"):
                    break
                time.sleep(1)
            assert (first[0]["state"], first[0]["try_number"]) == ("failed", 1)
            (log,) = (tmp_path / "airflow" / "logs").glob("dag_id=gtfs_feeds/run_id=no-pool/task_id=resolve_feeds/*")
            expected = (f"the Airflow pool 'gtfs_db' does not exist, so this run's database tasks would never be "
                        f"scheduled; create it: {pools.create_command('gtfs_db')}")
            assert expected.replace('"', '\\"') in log.read_text() or expected in log.read_text()
        finally:
            af.stop()
