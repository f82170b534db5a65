"""Fetching feeds in batches (issue 18 goal 5): one mapped fetch task fetches several feeds at once.

The real gtfs_feeds DAG runs with dag.test() against the test's own PostgreSQL and a real HTTP
server on 127.0.0.1 (GTFS_FETCH_BATCH_SIZE set per test); pipeline.fetch_batch is also called
directly for the retry path and the concurrency limits, with the same real server and database.
"""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_support import airflow_metadb, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import db, pipeline
from gtfs_pipeline.fetch import FetchError
from gtfs_pipeline.registry import FeedSpec, parse_registry
from httpserver import FeedServer

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


def registry(env, srv, feed_ids: list[str]) -> None:
    env.write_registry("feeds:\n" + "".join(
        f"  - feed_id: {f}\n    url: {srv.url(f'/{f}.zip')}\n    allow_private_network: true\n" for f in feed_ids))


def q(conn, sql, *args):
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.rollback()


def outcomes(conn, run_id):
    return dict(q(conn, "SELECT DISTINCT ON (feed_id) feed_id, outcome FROM gtfs.fetch_log WHERE run_id = %s"
                        " ORDER BY feed_id, fetch_id DESC", f"gtfs_feeds/{run_id}"))


def serve_four(server, tmp_path) -> None:
    """not304 honours conditional GETs, same200 ignores them, changed gets new stops after the first run."""
    server.serve("/not304.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    server.serve("/same200.zip", write_feed(tmp_path / "b.zip", {}).read_bytes(), conditional=False)
    server.serve("/changed.zip", write_feed(tmp_path / "c.zip", {}).read_bytes())
    server.serve("/third.zip", write_feed(tmp_path / "d.zip", {}).read_bytes())


FOUR = ["changed", "not304", "same200", "third"]


def test_a_batch_fetches_its_feeds_and_only_the_changed_one_fans_out_to_load_tasks(
        gtfs_dag, gtfs_dag_env, conn, server, tmp_path, monkeypatch):
    monkeypatch.setenv("GTFS_FETCH_BATCH_SIZE", "3")
    serve_four(server, tmp_path)
    registry(gtfs_dag_env, server, FOUR)
    first = run_dag(gtfs_dag)
    server.serve("/changed.zip", write_feed(tmp_path / "c2.zip", {"stops.txt": STOPS_V2}).read_bytes())

    second = run_dag(gtfs_dag)

    assert (first.state, second.state) == ("success", "success")
    assert first.labels("fetch") == ["changed … same200 (3 feeds)", "third (current)"]
    assert outcomes(conn, second.run_id) == {"changed": "new", "not304": "not-modified", "same200": "unchanged",
                                             "third": "not-modified"}
    assert sorted(label.split(" (")[0] for label in second.labels("load")) == sorted(
        f"changed/{n}" for n in MINIMAL)
    assert q(conn, "SELECT feed_id, status FROM gtfs.feed_version ORDER BY feed_version_id") == [
        ("changed", "superseded"), ("not304", "published"), ("same200", "published"), ("third", "published"),
        ("changed", "published")]


def test_the_summary_lists_each_feed_of_a_batch_with_its_outcome(gtfs_dag, gtfs_dag_env, conn, server, tmp_path,
                                                                 monkeypatch, caplog):
    monkeypatch.setenv("GTFS_FETCH_BATCH_SIZE", "10")
    serve_four(server, tmp_path)
    registry(gtfs_dag_env, server, FOUR)
    run_dag(gtfs_dag)
    v = dict(q(conn, "SELECT feed_id, feed_version_id FROM gtfs.feed_version"))
    server.serve("/changed.zip", write_feed(tmp_path / "c2.zip", {"stops.txt": STOPS_V2}).read_bytes())
    server.serve("/third.zip", b"<!DOCTYPE html><html><body>Maintenance</body></html>", content_type="text/html")
    caplog.clear()
    caplog.set_level("INFO", logger="gtfs_pipeline")

    run = run_dag(gtfs_dag)

    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    lines = [r.getMessage() for r in caplog.records if r.name == "gtfs_pipeline.pipeline"]
    start = lines.index("gtfs_feeds run: 1 failed, 1 not-modified, 1 published, 1 unchanged")
    [(new,)] = q(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'changed'")
    assert new != v["changed"]
    assert run.labels("fetch") == ["changed … third (4 feeds)"]
    assert [x for x in lines[start + 1:] if x.startswith("  ") and not x.startswith("    ")] == [
        f"  changed: published version {new} (current, as of {today}, 9 rows): new contents; published",
        f"  not304: not-modified version {v['not304']} (current, as of {today}): HTTP 304 Not Modified: same as"
        " the last fetch",
        f"  same200: unchanged version {v['same200']} (current, as of {today}): same bytes or contents as version"
        f" {v['same200']}",
        f"  third: failed (current, as of {today}): feed third: HTTP 200 but the body is not a usable GTFS zip: not"
        " a readable zip archive (it starts with b'<!DOCTYPE html><html><body>Mai': an error page or API response,"
        " not a feed)",
    ]


def test_one_failing_feed_fails_the_run_but_not_its_batch_or_the_other_feeds(
        gtfs_dag, gtfs_dag_env, conn, server, tmp_path, monkeypatch):
    monkeypatch.setenv("GTFS_FETCH_BATCH_SIZE", "3")
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    server.serve("/c.zip", write_feed(tmp_path / "c.zip", {}).read_bytes())
    registry(gtfs_dag_env, server, ["a", "b", "c"])  # /b.zip is not served: 404

    run = run_dag(gtfs_dag)

    assert run.state == "failed"
    assert (run.states("fetch"), run.states("summary")) == (["success"], ["failed"])
    assert outcomes(conn, run.run_id) == {"a": "new", "b": "error", "c": "new"}
    assert q(conn, "SELECT feed_id, status FROM gtfs.feed_version ORDER BY feed_id") == [
        ("a", "published"), ("c", "published")]
    [(message,)] = q(conn, "SELECT message FROM gtfs.fetch_log WHERE feed_id = 'b'")
    assert message.startswith("feed b: ") and "HTTP 404" in message


def job(srv, feed_id: str, extra: str = "") -> tuple[dict, FeedSpec]:
    reg = parse_registry(f"feeds:\n  - feed_id: {feed_id}\n    url: {srv.url(f'/{feed_id}.zip')}\n"
                         f"    allow_private_network: true\n{extra}")
    [j] = pipeline.resolve_jobs(reg, {}, logical_date=None, run_after=dt.datetime.now(dt.timezone.utc))
    return j, reg.feeds[feed_id]


def fetch_batch(dsn, srv, root, feed_ids: list[str], extra: dict[str, str] | None = None, **kw) -> list[dict]:
    """pipeline.fetch_batch with each job's registry entry (the DAG's task reads it from the registry file)."""
    pairs = [job(srv, f, (extra or {}).get(f, "")) for f in feed_ids]
    specs = {j["feed_id"]: s for j, s in pairs}
    return pipeline.fetch_batch([j for j, _ in pairs], root, connect=lambda: db.connection(dsn),
                                spec_of=specs.get, **kw)


def test_a_transient_error_with_retries_left_fails_the_task_after_the_other_feeds_are_fetched(
        dsn, conn, server, tmp_path):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    server.serve("/b.zip", write_feed(tmp_path / "b.zip", {}).read_bytes(), fail_first=1, fail_status=503)

    with pytest.raises(FetchError) as err:
        fetch_batch(dsn, server, root, ["a", "b"], run_id="r1", final_try=False)
    last = fetch_batch(dsn, server, root, ["a", "b"], run_id="r1", final_try=True)

    assert str(err.value) == ("1 of 2 feed(s) of this batch will be fetched again: feed b: HTTP 503"
                              f" 'Service Unavailable' from {server.url('/b.zip')}")
    assert err.value.transient
    assert [(r["feed_id"], r["outcome"]) for r in last] == [("a", "new"), ("b", "new")]
    assert q(conn, "SELECT feed_id, outcome, http_status FROM gtfs.fetch_log WHERE run_id = 'r1'"
                   " ORDER BY feed_id, fetch_id") == [("a", "new", 200), ("a", "new", 200), ("b", "error", 503),
                                                      ("b", "new", 200)]


def test_a_batch_keeps_to_the_threads_and_per_host_limits(dsn, server, tmp_path):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    names = [f"f{i}" for i in range(6)]
    for f in names:
        server.serve(f"/{f}.zip", write_feed(tmp_path / f"{f}.zip", {}).read_bytes(), delay=0.5)

    got = fetch_batch(dsn, server, root, names, run_id="r1", threads=4, per_host=2)

    assert [r["outcome"] for r in got] == ["new"] * 6
    assert server.max_in_flight == 2


def test_an_unforeseen_error_in_one_feed_is_that_feeds_error_and_its_text_stays_out_of_the_fetch_log(
        dsn, conn, server, tmp_path):
    """The secrets backend raises something fetch_job does not expect, quoting the secret."""
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    for f in ("a", "b"):
        server.serve(f"/{f}.zip", write_feed(tmp_path / f"{f}.zip", {}).read_bytes())

    def resolve(ref: dict) -> str:
        raise RuntimeError("backend down while reading Bearer s3cret-value")

    got = fetch_batch(dsn, server, root, ["a", "b"], {"b": "    headers: {Authorization: {variable: tok}}\n"},
                      run_id="r1", resolve_secret=resolve)

    assert [(r["feed_id"], r["outcome"], r["message"]) for r in got] == [
        ("a", "new", "new contents"),
        ("b", "error", "feed b: the fetch failed unexpectedly (RuntimeError; the fetch task's log has the details)")]
    assert q(conn, "SELECT feed_id, outcome FROM gtfs.fetch_log WHERE run_id = 'r1' ORDER BY feed_id") == [
        ("a", "new"), ("b", "error")]
    assert q(conn, "SELECT count(*) FROM gtfs.fetch_log WHERE message LIKE %s", "%s3cret%") == [(0,)]
