"""What a person reads in the Airflow UI: task logs through ``logging`` (the top level of the task
log, not the collapsed stdout group), the load order across the run, and the report's final status.

The real gtfs_feeds DAG runs with dag.test() against the test's own PostgreSQL; the log records
are the ones the tasks wrote (pytest's caplog sees every record of the gtfs_pipeline loggers).
"""

from __future__ import annotations

import re

import pytest

from airflow_support import airflow_metadb, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import pipeline
from gtfs_pipeline.payloads import StartedVersion
from httpserver import FeedServer

LOOPBACK = "    allow_private_network: true\n"


def started(feed_id: str, vid: int, sizes: dict[str, int]) -> dict:
    members = sorted(sizes, key=lambda n: -sizes[n])
    return StartedVersion(feed_id=feed_id, feed_version_id=vid, as_of="2026-12-02", kind="current",
                          block_on=None, run_id="r", archive_path=f"/a/{feed_id}.zip", members=members,
                          sizes=sizes).to_xcom()


def test_load_tasks_are_ordered_largest_first_across_all_versions_of_the_run():
    small = started("small", 1, {"stops.txt": 300, "stop_times.txt": 900, "agency.txt": 100})
    big = started("big", 2, {"stop_times.txt": 50_000, "trips.txt": 2_000, "agency.txt": 100})

    order = [(i["feed_id"], i["member"]) for i in pipeline.load_items([small, big])]

    assert order == [("big", "stop_times.txt"), ("big", "trips.txt"), ("small", "stop_times.txt"),
                     ("small", "stops.txt"), ("small", "agency.txt"), ("big", "agency.txt")]


def messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gtfs_pipeline.pipeline"]


@pytest.fixture(scope="module")
def module_env(pg_server, template_db, tmp_path_factory):
    """gtfs_dag_env for the whole module: one DAG run serves several tests."""
    import uuid

    import psycopg2

    from airflow_support import DagEnv

    name = f"gtfs_t_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    dsn = pg_server.rsplit("/", 1)[0] + "/" + name
    tmp = tmp_path_factory.mktemp("logs")
    env = DagEnv(dsn, tmp / "archive", tmp / "feeds.yml")
    with pytest.MonkeyPatch.context() as mp:
        for k, v in {"AIRFLOW_CONN_GTFS_DB": dsn, "GTFS_ARCHIVE_URL": env.archive.as_uri(), "GTFS_DATABASE_URL": dsn,
                     "GTFS_FEEDS_REGISTRY": str(env.registry), "GTFS_FETCH_RETRIES": "0"}.items():
            mp.setenv(k, v)
        yield env
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="module")
def module_conn(module_env):
    from gtfs_pipeline import db

    c = db.connect(module_env.dsn)
    yield c
    c.close()


@pytest.fixture(scope="module")
def two_feed_run(gtfs_dag, module_env, tmp_path_factory):
    """Feed 'a' (minimal) and feed 'b', whose stops.txt has a bad latitude (one loader notice);
    returns the run and the messages of the gtfs_pipeline.pipeline logger."""
    import logging

    tmp_path = tmp_path_factory.mktemp("feeds")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("gtfs_pipeline.pipeline")
    handler, level = Keep(logging.INFO), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    bad_stops = MINIMAL["stops.txt"].replace("52.51,", "north,")
    with FeedServer() as feeds:
        feeds.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
        feeds.serve("/b.zip", write_feed(tmp_path / "b.zip", {"stops.txt": bad_stops}).read_bytes())
        module_env.write_registry(
            f"feeds:\n  - feed_id: a\n    url: {feeds.url('/a.zip')}\n{LOOPBACK}"
            f"  - feed_id: b\n    url: {feeds.url('/b.zip')}\n{LOOPBACK}")
        try:
            run = run_dag(gtfs_dag)
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
    return run, [r.getMessage() for r in records]


def version_ids(conn) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, feed_version_id FROM gtfs.feed_version")
        out = dict(cur.fetchall())
    conn.rollback()
    return out


def run_date(conn) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT as_of::text FROM gtfs.feed_version")
        (as_of,), = cur.fetchall()
    conn.rollback()
    return as_of


def test_each_load_task_logs_rows_seconds_path_encoding_and_notices_by_code(two_feed_run, module_conn):
    run, lines = two_feed_run
    vid = version_ids(module_conn)
    loaded = [m for m in lines if f"feed b version {vid['b']}: stops.txt loaded:" in m]

    assert run.state == "success"
    assert len(loaded) == 1
    assert re.fullmatch(rf"feed b version {vid['b']}: stops.txt loaded: 2 rows in \d+\.\d\d s, robust path, "
                        r"encoding utf-8, 1 notice\(s\)\n  ERROR   invalid_float 1", loaded[0]), loaded[0]
    # the grid's label of each load task carries its rows
    assert sorted(run.labels("load"))[:2] == ["a/agency.txt (1 row)", "a/calendar.txt (1 row)"]


def test_version_steps_log_what_they_built_the_notices_and_the_publish_decision(two_feed_run, module_conn):
    _, lines = two_feed_run
    v = version_ids(module_conn)["b"]

    assert (f"feed b version {v}: all 6 files loaded, 8 rows; keys and statistics done, now validating\n"
            "  stop_times.txt                      2 rows  fast\n"
            "  stops.txt                           2 rows  robust\n"
            "  agency.txt                          1 rows  fast\n"
            "  calendar.txt                        1 rows  fast\n"
            "  routes.txt                          1 rows  fast\n"
            "  trips.txt                           1 rows  fast") in lines
    built = [m for m in lines if m.startswith(f"feed b version {v}: geometry built in ")]
    assert len(built) == 1 and ": stops 2, stops_located 1, stops_without_coordinates 1," in built[0]
    (validated,) = [m for m in lines if m.startswith(f"feed b version {v} validated: ")]
    # the ERRORs by code, most severe first (the WARNINGs depend on today's date and the rule set)
    assert validated.startswith(f"feed b version {v} validated: 2 ERROR, ")
    assert re.search(r"\nERROR +invalid_float +1\nERROR +stop_without_location +1\nWARNING ", validated), validated
    assert any(m.startswith(f"feed b version {v}: published, now current (policy block_on=fatal; notices 2 ERROR, ")
               for m in lines)


def test_the_summary_logs_one_line_per_feed_with_its_outcome(two_feed_run, module_conn):
    run, lines = two_feed_run
    v = version_ids(module_conn)
    as_of = run_date(module_conn)

    assert "gtfs_feeds run: 2 published" in lines
    assert f"  a: published version {v['a']} (current, as of {as_of}, 8 rows): new contents; published" in lines
    assert f"  b: published version {v['b']} (current, as of {as_of}, 8 rows): new contents; published" in lines
    assert lines[-1] == f"validation reports of every feed and version: {pipeline.reports_url()}"
    assert f"    validation report: {pipeline.reports_url()}{v['a']} (" in "\n".join(lines)


def test_the_report_written_before_publish_shows_the_final_status(two_feed_run, module_conn):
    with module_conn.cursor() as cur:
        cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_id = 'b'")
        (path,), = cur.fetchall()
    module_conn.rollback()
    text = open(path.removeprefix("file://"), encoding="utf-8").read()

    assert "<td id='status'>published</td>" in text
    assert "<td id='decision'>published: the current version of the feed</td>" in text


def test_when_resolve_feeds_fails_the_summary_repeats_its_error(gtfs_dag, gtfs_dag_env, caplog):
    caplog.set_level("INFO", logger="gtfs_pipeline")
    gtfs_dag_env.write_registry("feeds:\n  - feed_id: a\n    url: https://example.invalid/a.zip\n")

    run = run_dag(gtfs_dag, {"feed_ids": ["nope"]})

    assert run.state == "failed"
    assert run.states("summary") == ["failed"]
    assert (f"  resolve_feeds failed, no feed was fetched: invalid params: feed_ids: unknown feed(s) nope "
            f"(registry {gtfs_dag_env.registry} has: a)") in messages(caplog)



def test_the_summary_returns_only_the_feeds_by_state(two_feed_run):
    """Its XCom stays small at a thousand feeds: counts by state, a few feeds named each (the
    per-feed lines are in the log)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    run, _ = two_feed_run
    with create_session() as session:
        value = session.scalar(select(XComModel.value).where(
            XComModel.run_id == run.run_id, XComModel.task_id == "summary", XComModel.key == "return_value"))
    assert value == {"feeds": 2, "states": {"published": {"count": 2, "feeds": ["a", "b"]}}}
