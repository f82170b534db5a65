"""A backfill and the daily run of the same feed at the same moment: the same bytes load once,
different versions both load, and the daily one stays current."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import db, pipeline, versions
from httpserver import FeedServer
from test_dag_faults import fetch_job


def fetched_result(path, feed_id: str, run_id: str) -> dict:
    """What the fetch task hands on for a new download (see pipeline.fetch_job)."""
    sha, content, _ = versions.inspect_archive(path, feed_id)
    return {"feed_id": feed_id, "kind": "current", "as_of": "2024-06-01", "force": False, "run_id": run_id,
            "outcome": "new", "message": "new contents", "feed_version_id": None, "archive_path": str(path),
            "sha256": sha, "content_sha256": content, "fetched_at": None, "source_url": None,
            "name": feed_id, "block_on": "fatal"}


def test_two_runs_registering_the_same_bytes_at_once_make_one_version(dsn, tmp_path):
    path = write_feed(tmp_path / "f.zip", {})
    barrier = threading.Barrier(2)
    started: dict[str, list[dict]] = {}

    def run(run_id: str) -> None:
        conn = db.connect(dsn)
        try:
            barrier.wait()
            started[run_id] = pipeline.start_versions(conn, [fetched_result(path, "f", run_id)],
                                                      open_path=Path)
        finally:
            conn.close()

    threads = [threading.Thread(target=run, args=(r,)) for r in ("daily", "backfill")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(len(v) for v in started.values()) == [0, 1]
    conn = db.connect(dsn)
    assert [(v["feed_id"], v["status"]) for v in versions.list_versions(conn)] == [("f", "loading")]
    conn.close()


# --- a backfill and the daily run, end to end, at the same time ----------------------------------

STOPS_TODAY = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"


def run_in_lockstep(conn, job: dict, root, run_id: str, step: threading.Barrier, before_publish) -> list[dict]:
    """The DAG's task functions for one feed in the DAG's order, waiting for the other run
    at each step boundary so that both runs fetch, register, load, validate at once."""
    step.wait()
    fetched = fetch_job(conn, job, root, run_id=run_id)
    step.wait()
    started = pipeline.start_versions(conn, [fetched])
    step.wait()
    for item in pipeline.load_items(started):
        pipeline.load_file(conn, item)
    step.wait()
    done = [pipeline.run_validation(conn, pipeline.run_geometry(conn, pipeline.finalize(conn, v))) for v in started]
    step.wait()
    before_publish()
    return [pipeline.publish_version(conn, v) for v in done]


@pytest.mark.parametrize("first", ["daily", "backfill"])
def test_backfill_and_daily_run_loading_the_same_feed_at_once(dsn, conn, tmp_path, first):
    """Both versions load completely; the daily one is current whichever publishes first; the
    historical one stays queryable as a loaded (or superseded) version."""
    from test_dag_faults import assert_consistent, make_job, q

    with FeedServer() as server:
        server.serve("/f.zip", write_feed(tmp_path / "today.zip", {"stops.txt": STOPS_TODAY}).read_bytes())
        server.serve("/archive/2024-12-01.zip", write_feed(tmp_path / "old.zip", {}).read_bytes())
        jobs = {"daily": make_job(server.url("/f.zip"), as_of="2025-01-02"),
                "backfill": make_job(server.url("/f.zip"), as_of="2024-12-01", kind="archive",
                                     extra=f"    archive_url: {server.url('/archive/{date:%Y-%m-%d}.zip')}\n")}
        root = pipeline.storage_path((tmp_path / "archive").as_uri())
        step = threading.Barrier(2, timeout=120)
        turn = {"daily": threading.Event(), "backfill": threading.Event()}
        second = "backfill" if first == "daily" else "daily"
        turn[first].set()
        results: dict[str, list[dict]] = {}
        errors: list[BaseException] = []

        def run(name: str) -> None:
            c = db.connect(dsn)
            try:
                def before_publish() -> None:
                    turn[name].wait(120)

                results[name] = run_in_lockstep(c, jobs[name], root, f"{name}-run", step, before_publish)
                turn[second].set()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                step.abort()
            finally:
                c.close()

        threads = [threading.Thread(target=run, args=(n,)) for n in ("daily", "backfill")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    assert errors == []
    daily, backfill = results["daily"][0], results["backfill"][0]
    assert (daily["published"], daily["reason"]) == (True, None)
    current = assert_consistent(conn)
    assert current == daily["feed_version_id"]
    statuses = dict(q(conn, "SELECT feed_version_id, status FROM gtfs.feed_version"))
    if first == "daily":
        assert backfill["published"] is False
        assert backfill["reason"] == (f"historical version (as of 2024-12-01) kept loaded; version {current} "
                                      "(as of 2025-01-02) stays current")
        assert statuses == {current: "published", backfill["feed_version_id"]: "loaded"}
    else:
        assert backfill["published"] is True
        assert statuses == {current: "published", backfill["feed_version_id"]: "superseded"}
    assert q(conn, "SELECT feed_version_id, count(*) FROM gtfs.stops GROUP BY 1 ORDER BY 1") == sorted(
        [(current, 3), (backfill["feed_version_id"], 2)])
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
    # Each run's summary, taken when both have finished, names what became of its version.
    summaries = {name: pipeline.run_summary(conn, f"{name}-run", [jobs[name]]) for name in jobs}
    # Published after the backfill's version, the daily one says what changed against it.
    changes = None if first == "daily" else \
        f"changes against version {backfill['feed_version_id']}: stops.txt +1 -0 ~0; 1 stop added"
    assert summaries["daily"] == ([{
        "feed_id": "f", "state": "published", "kind": "current", "as_of": "2025-01-02", "feed_version_id": current,
        "rows": 9, "message": "new contents; published",
        "report": f"{(tmp_path / 'archive').as_uri()}/f/f-v{current}-validation.html", "recovered": [],
        "changes": changes}], [])
    backfill_state = "loaded" if first == "daily" else "superseded"
    assert [(e["state"], e["kind"], e["as_of"], e["feed_version_id"]) for e in summaries["backfill"][0]] == [
        (backfill_state, "archive", "2024-12-01", backfill["feed_version_id"])]
    assert summaries["backfill"][1] == []
