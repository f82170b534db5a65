"""A backfill and the daily run registering the same feed bytes at the same moment load them once."""

from __future__ import annotations

import threading
from pathlib import Path

from feedbuilder import write_feed
from gtfs_pipeline import db, pipeline, versions


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
