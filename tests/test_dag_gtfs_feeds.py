"""The gtfs_feeds DAG end to end: real PostGIS, real HTTP on 127.0.0.1, dag.test().

The Airflow metadata DB is reset once per session; each test has its own GTFS
database, archive folder and registry, and each scenario is one dag.test() run.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from airflow_support import REPO, airflow_metadb, asset_events, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from conftest import end_session
from feedbuilder import MINIMAL, write_feed
from httpserver import FeedServer

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


def registry(env, srv, feeds: dict[str, dict]) -> None:
    """feeds: feed_id -> extra YAML fields (url defaults to /<feed_id>.zip on the server)."""
    lines = ["feeds:"]
    for feed_id, extra in feeds.items():
        lines.append(f"  - feed_id: {feed_id}")
        lines.append(f"    name: Feed {feed_id}")
        lines.append(f"    url: {extra.pop('url', srv.url(f'/{feed_id}.zip'))}")
        lines.append("    allow_private_network: true")  # the test server is on 127.0.0.1
        for k, v in extra.items():
            lines.append(f"    {k}: {v}")
    env.write_registry("\n".join(lines) + "\n")


def q(conn, sql, *args):
    """Query and end the transaction: an open one would hold locks that publishing waits for."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.rollback()


def versions(conn):
    return q(conn, "SELECT feed_id, feed_version_id, status, as_of FROM gtfs.feed_version ORDER BY feed_version_id")


def outcomes(conn, run_id):
    return dict(q(conn, "SELECT DISTINCT ON (feed_id) feed_id, outcome FROM gtfs.fetch_log WHERE run_id = %s"
                        " ORDER BY feed_id, fetch_id DESC", f"gtfs_feeds/{run_id}"))


def test_dag_imports_without_errors_and_parses_cheaply():
    """No import errors; our own parse cost printed, and no DB driver / HTTP client / loader imported."""
    code = textwrap.dedent(f"""
        import sys, time
        sys.path[:0] = [{str(REPO / 'plugins')!r}, {str(REPO / 'dags')!r}]
        import airflow.sdk
        before = set(sys.modules)
        t = time.perf_counter()
        import gtfs_feeds
        took = time.perf_counter() - t
        new = set(sys.modules) - before
        heavy = sorted(m for m in new if m.split('.')[0] in ('psycopg2', 'psycopg', 'requests', 'urllib3')
                       or m in ('gtfs_pipeline.pipeline', 'gtfs_pipeline.versions', 'gtfs_pipeline.loader'))
        print(f"PARSE {{took:.3f}}", heavy, gtfs_feeds.REGISTRY_PROBLEM)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = [x for x in out.stdout.splitlines() if x.startswith("PARSE")][-1]
    print(f"gtfs_feeds.py own parse time (after airflow.sdk import): {line.split()[1]} s")
    assert line.split(" ", 2)[2] == "[] None"


def test_first_run_publishes_then_304_loads_nothing(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    server.serve("/b.zip", write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_V2}).read_bytes())
    registry(gtfs_dag_env, server, {"a": {}, "b": {}})

    first = run_dag(gtfs_dag)
    assert first.state == "success"
    assert outcomes(conn, first.run_id) == {"a": "new", "b": "new"}
    assert [(f, s) for f, _, s, _ in versions(conn)] == [("a", "published"), ("b", "published")]
    assert sorted(label.split(" (")[0] for label in first.labels("load")) == sorted(
        [f"{f}/{n}" for f in "ab" for n in MINIMAL])  # map_index_template: feed/file (rows)
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(5,)]
    events = [e for e in asset_events() if e["run_id"] == first.run_id]
    assert sorted(e["uri"] for e in events) == ["gtfs://feed/a", "gtfs://feed/b"]
    assert {e["extra"]["feed_id"]: e["extra"]["rows"] for e in events} == {"a": 8, "b": 9}
    archived = sorted(p.name for p in gtfs_dag_env.archive.rglob("*.zip"))
    assert len(archived) == 2 and all(len(n) == 68 for n in archived)  # <sha256>.zip

    second = run_dag(gtfs_dag)
    assert second.state == "success"
    assert outcomes(conn, second.run_id) == {"a": "not-modified", "b": "not-modified"}
    assert server.requests_for("/a.zip")[-1].headers.get("If-None-Match")
    assert second.states("load") == ["skipped"]  # no load work at all
    assert len(versions(conn)) == 2
    assert not [e for e in asset_events() if e["run_id"] == second.run_id]


def test_same_bytes_without_conditional_get_and_rezipped_feed_load_nothing(gtfs_dag, gtfs_dag_env, conn, server,
                                                                          tmp_path):
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes(), conditional=False)
    server.serve("/b.zip", write_feed(tmp_path / "b.zip", {}).read_bytes(), conditional=False)
    registry(gtfs_dag_env, server, {"a": {}, "b": {}})
    assert run_dag(gtfs_dag).state == "success"
    # a: the very same bytes again; b: the same files zipped differently (new bytes, same contents)
    rezipped = write_feed(tmp_path / "b2.zip", {}, folder="gtfs/").read_bytes()
    assert rezipped != (tmp_path / "b.zip").read_bytes()
    server.serve("/b.zip", rezipped, conditional=False)

    second = run_dag(gtfs_dag)
    assert second.state == "success"
    assert outcomes(conn, second.run_id) == {"a": "unchanged", "b": "unchanged"}
    assert second.states("load") == ["skipped"]
    assert [s for _, _, s, _ in versions(conn)] == ["published", "published"]
    assert server.requests_for("/b.zip")[-1].headers.get("If-None-Match")  # sent, ignored by the server


def test_bytes_already_loaded_are_not_hashed_again_member_by_member(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    """The zip's sha256 names a loaded version: its content hash (every member decompressed) is not
    computed; new bytes with the same contents still are, which is how they are found unchanged."""
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes(), conditional=False)
    server.serve("/b.zip", write_feed(tmp_path / "b.zip", {}).read_bytes(), conditional=False)
    registry(gtfs_dag_env, server, {"a": {}, "b": {}})
    first = run_dag(gtfs_dag)
    server.serve("/b.zip", write_feed(tmp_path / "b2.zip", {}, folder="gtfs/").read_bytes(), conditional=False)

    second = run_dag(gtfs_dag)

    [(a_content,)] = q(conn, "SELECT content_sha256 FROM gtfs.fetch_log WHERE run_id = %s AND feed_id = 'a'",
                       f"gtfs_feeds/{second.run_id}")
    [(b_content, b_loaded)] = q(conn, "SELECT l.content_sha256, v.content_sha256 FROM gtfs.fetch_log l"
                                      " JOIN gtfs.feed_version v USING (feed_version_id)"
                                      " WHERE l.run_id = %s AND l.feed_id = 'b'", f"gtfs_feeds/{second.run_id}")
    assert outcomes(conn, first.run_id) == {"a": "new", "b": "new"}
    assert outcomes(conn, second.run_id) == {"a": "unchanged", "b": "unchanged"}
    assert a_content is None
    assert b_content == b_loaded and len(b_content) == 64


def test_changed_feed_makes_a_new_version_and_force_reloads(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    registry(gtfs_dag_env, server, {"a": {}})
    assert run_dag(gtfs_dag).state == "success"
    server.serve("/a.zip", write_feed(tmp_path / "a2.zip", {"stops.txt": STOPS_V2}).read_bytes())

    changed = run_dag(gtfs_dag)
    assert changed.state == "success"
    assert outcomes(conn, changed.run_id) == {"a": "new"}
    assert [(v, s) for _, v, s, _ in versions(conn)] == [(1, "superseded"), (2, "published")]
    assert q(conn, "SELECT count(*) FROM gtfs.stops WHERE feed_version_id = 1") == [(2,)]  # old one kept
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]

    forced = run_dag(gtfs_dag, conf={"force": True})
    assert forced.state == "success"
    assert outcomes(conn, forced.run_id) == {"a": "new"}
    assert [(v, s) for _, v, s, _ in versions(conn)] == [(1, "superseded"), (2, "superseded"), (3, "published")]
    # force also skips the conditional headers: the server had to send the bytes
    assert "If-None-Match" not in server.requests_for("/a.zip")[-1].headers


def test_url_param_loads_a_given_file_as_a_version_of_one_feed(gtfs_dag, gtfs_dag_env, conn, server, tmp_path,
                                                               monkeypatch):
    server.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
    server.serve("/b.zip", write_feed(tmp_path / "b.zip", {}).read_bytes())
    registry(gtfs_dag_env, server, {"a": {}, "b": {}})
    (tmp_path / "import").mkdir()
    monkeypatch.setenv("GTFS_IMPORT_DIR", str(tmp_path / "import"))  # paths are read only from there
    given = write_feed(tmp_path / "import" / "given.zip", {"stops.txt": STOPS_V2})

    run = run_dag(gtfs_dag, conf={"feed_ids": ["a"], "url": str(given), "as_of": "2024-05-01"})
    assert run.state == "success"
    assert outcomes(conn, run.run_id) == {"a": "new"}  # b was not asked for
    assert versions(conn) == [("a", 1, "published", dt.date(2024, 5, 1))]
    assert server.requests_for("/a.zip") == []
    source = q(conn, "SELECT source FROM gtfs.feed_version")[0][0]
    assert source.startswith(gtfs_dag_env.archive.as_uri()) and source.endswith(".zip")


def test_html_page_fails_only_that_feed(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    server.serve("/good.zip", write_feed(tmp_path / "g.zip", {}).read_bytes())
    server.serve("/bad.zip", b"<!DOCTYPE html><html><body>Maintenance</body></html>", content_type="text/html")
    registry(gtfs_dag_env, server, {"good": {}, "bad": {}})

    run = run_dag(gtfs_dag)
    assert run.state == "failed"
    assert run.tasks[("summary", -1)][0] == "failed"
    assert outcomes(conn, run.run_id) == {"bad": "error", "good": "new"}
    assert [(f, s) for f, _, s, _ in versions(conn)] == [("good", "published")]
    message = q(conn, "SELECT message FROM gtfs.fetch_log WHERE feed_id = 'bad'")[0][0]
    assert "feed bad" in message and "not a usable GTFS zip" in message and "error page" in message
    assert [e["uri"] for e in asset_events() if e["run_id"] == run.run_id] == ["gtfs://feed/good"]


def test_past_logical_date_takes_the_archive_url_version(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    server.serve("/hist/a-20240301.zip", write_feed(tmp_path / "old.zip", {}).read_bytes())
    server.serve("/a.zip", write_feed(tmp_path / "now.zip", {"stops.txt": STOPS_V2}).read_bytes())
    registry(gtfs_dag_env, server, {
        "a": {"archive_url": f"'{server.url('/hist/{feed_id}-{date:%Y%m%d}.zip')}'"},
        "noarchive": {}})

    run = run_dag(gtfs_dag, logical_date=dt.datetime(2024, 3, 1, 5, tzinfo=dt.timezone.utc))
    assert run.state == "success"
    assert outcomes(conn, run.run_id) == {"a": "new", "noarchive": "skipped"}
    assert versions(conn) == [("a", 1, "published", dt.date(2024, 3, 1))]
    assert server.requests_for("/a.zip") == [] and server.requests_for("/noarchive.zip") == []
    reason = q(conn, "SELECT message FROM gtfs.fetch_log WHERE feed_id = 'noarchive'")[0][0]
    assert "no archive_url" in reason


def test_invalid_params_fail_the_first_task_clearly(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    registry(gtfs_dag_env, server, {"a": {}})
    run = run_dag(gtfs_dag, conf={"feed_ids": ["nope"], "url": "http://127.0.0.1:9/x.zip"})
    assert run.state == "failed"
    assert run.tasks[("resolve_feeds", -1)][0] == "failed"
    assert run.tasks[("summary", -1)][0] == "failed"
    assert q(conn, "SELECT count(*) FROM gtfs.fetch_log") == [(0,)]
    from gtfs_pipeline import pipeline
    from gtfs_pipeline.errors import GtfsPipelineError
    from gtfs_pipeline.registry import load_registry

    with pytest.raises(GtfsPipelineError, match=r"feed_ids: unknown feed\(s\) nope.*url: name exactly one feed"):
        pipeline.parse_params({"feed_ids": ["nope", "a"], "url": "x"}, load_registry(gtfs_dag_env.registry))
    with pytest.raises(Exception, match="force"):  # the trigger form's schema rejects it before any task
        run_dag(gtfs_dag, conf={"force": "yes"})


def test_a_future_as_of_fails_the_run_before_any_fetch(gtfs_dag, gtfs_dag_env, conn, server, tmp_path):
    """2206 for 2026: a date the form's schema accepts; resolve_feeds refuses it (lifecycle.parse_as_of)."""
    registry(gtfs_dag_env, server, {"a": {}})
    run = run_dag(gtfs_dag, conf={"as_of": "2206-12-01"})
    assert run.state == "failed"
    assert run.tasks[("resolve_feeds", -1)][0] == "failed"
    assert q(conn, "SELECT count(*) FROM gtfs.fetch_log") == [(0,)]
    assert q(conn, "SELECT count(*) FROM gtfs.feed_version") == [(0,)]
    assert server.requests_for("/a.zip") == []  # nothing was fetched


def test_an_as_of_with_trailing_text_is_refused_by_the_trigger_form(gtfs_dag, gtfs_dag_env, conn, server):
    """The param's schema (format: date) refuses it before any task; resolve_feeds would too
    (tests/test_lifecycle.py), for a run started another way."""
    from airflow.sdk.exceptions import ParamValidationError

    registry(gtfs_dag_env, server, {"a": {}})
    with pytest.raises(ParamValidationError, match="is not a 'date'"):
        run_dag(gtfs_dag, conf={"as_of": "2024-01-01'; anything"})
    assert q(conn, "SELECT count(*) FROM gtfs.fetch_log") == [(0,)]


def test_a_real_run_recovers_a_version_a_killed_cli_load_left_and_publishes_the_same_bytes(
        gtfs_dag, gtfs_dag_env, conn, server, tmp_path, dsn):
    """A CLI load of the feed's zip died after its files were in ('validating'): the DAG's run does
    not take those bytes for "unchanged"; it recovers the version, loads, publishes, and its summary
    names the recovered version."""
    from gtfs_pipeline import db, lifecycle
    from gtfs_pipeline import versions as lib_versions
    from gtfs_pipeline.archive import open_zip

    path = write_feed(tmp_path / "a.zip", {"stops.txt": STOPS_V2})
    server.serve("/a.zip", path.read_bytes())
    registry(gtfs_dag_env, server, {"a": {}})
    loader = db.connect(dsn)
    dead = lib_versions.start_version(loader, "a", path, hold_lock=True)
    with open_zip(path) as zf:
        for name in lib_versions._load_order(dead):
            lib_versions.load_member(loader, dead, zf, name)
    lib_versions.finish_version(loader, dead.feed_version_id)
    end_session(loader, dsn)  # the process is gone

    run = run_dag(gtfs_dag)
    assert run.state == "success"
    assert outcomes(conn, run.run_id) == {"a": "new"}
    (new,) = [v for f, v, s, _ in versions(conn) if s == "published"]
    assert q(conn, "SELECT status, failed_step, recovered_by FROM gtfs.feed_version WHERE feed_version_id = %s",
             dead.feed_version_id) == [("failed", "validating", f"gtfs_feeds/{run.run_id}")]
    from gtfs_pipeline import pipeline

    report, failures = pipeline.run_summary(conn, f"gtfs_feeds/{run.run_id}")
    assert failures == [] and report[0]["state"] == "published" and report[0]["feed_version_id"] == new
    assert report[0]["recovered"] == [f"version {dead.feed_version_id} "
                                      f"({lifecycle.ABANDONED.format(state='validating')})"]
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
