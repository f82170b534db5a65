"""One version lifecycle for the CLI and the DAG (lifecycle.py): as_of, the publish decision in
both orders and both paths, the publish command, why a version is not current, and a lock
timeout as one line. The crash points are in test_faults.py (CLI) and test_dag_faults.py (DAG)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, end_session
from feedbuilder import write_feed
from gtfs_pipeline import db, lifecycle, pipeline, versions
from gtfs_pipeline.errors import GtfsPipelineError
from gtfs_pipeline.lifecycle import Owner, State
from httpserver import FeedServer
from test_dag_faults import make_job, q, run_once

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"
BLOCKED_STOPS = "stop_id,stop_name,stop_lat,stop_lon\n"  # header only: fatal "no stops"


def cli(dsn, *args, env=None):
    environment = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn, **(env or {})}
    return subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=180)


def one_error_line(proc) -> str:
    """Exit 1, no traceback, exactly one error line, the last thing printed (progress lines may
    come before it)."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("gtfs-pipeline: error:")]
    assert errors == lines[-1:], proc.stderr
    return lines[-1]


def current(conn, feed_id="f"):
    return (q(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", feed_id) or [(None,)])[0][0]


# --- as_of --------------------------------------------------------------------------------------

TODAY = dt.date(2026, 12, 2)


@pytest.mark.parametrize("text, message", [
    ("2206-12-01", "as_of 2206-12-01 is later than tomorrow (2026-12-03, UTC): a version cannot represent a future "
                   "date (a typo in the year?)"),
    ("2026-12-04", "as_of 2026-12-04 is later than tomorrow (2026-12-03, UTC): a version cannot represent a future "
                   "date (a typo in the year?)"),
    ("2024-01-01'; anything", "as_of \"2024-01-01'; anything\" has text after the date: give only YYYY-MM-DD"),
    ("2024-01-01T00:00", "as_of '2024-01-01T00:00' has text after the date: give only YYYY-MM-DD"),
    ("01/02/2024", "as_of '01/02/2024' is not a date YYYY-MM-DD"),
    ("2024-02-30", "as_of '2024-02-30' is not a date YYYY-MM-DD (day is out of range for month)"),
])
def test_as_of_is_refused_unless_a_full_date_not_after_tomorrow(text, message):
    with pytest.raises(GtfsPipelineError) as err:
        lifecycle.parse_as_of(text, today=TODAY)
    assert str(err.value) == message


def test_as_of_tomorrow_and_the_past_are_accepted():
    assert lifecycle.parse_as_of("2026-12-03", today=TODAY) == dt.date(2026, 12, 3)
    assert lifecycle.parse_as_of("1999-01-31", today=TODAY) == dt.date(1999, 1, 31)


@pytest.mark.parametrize("as_of, expected", [
    ("2206-12-01", "is later than tomorrow"),
    ("2024-01-01'; anything", "has text after the date"),
    ("2024-13-01", "is not a date YYYY-MM-DD"),
])
def test_the_cli_refuses_a_bad_as_of_in_one_line_before_reading_anything(dsn, conn, tmp_path, as_of, expected):
    proc = cli(dsn, "load", str(tmp_path / "does-not-exist.zip"), "--feed-id", "f", "--as-of", as_of)
    line = one_error_line(proc)
    assert line.startswith("gtfs-pipeline: error: as_of ") and expected in line, line
    assert q(conn, "SELECT count(*) FROM gtfs.feed_version") == [(0,)]


@pytest.mark.parametrize("as_of, expected", [
    ("2206-12-01", "is later than tomorrow"),
    ("2024-01-01'; anything", "has text after the date"),
    ("24-1-1", "is not a date YYYY-MM-DD"),
])
def test_the_dag_refuses_a_bad_as_of_in_its_first_task(as_of, expected):
    from gtfs_pipeline.registry import parse_registry

    registry = parse_registry("feeds:\n  - feed_id: f\n    url: http://127.0.0.1:9/f.zip\n")
    with pytest.raises(GtfsPipelineError) as err:
        pipeline.resolve_jobs(registry, {"as_of": as_of}, logical_date=None,
                              run_after=dt.datetime.now(dt.timezone.utc))
    assert str(err.value).startswith("invalid params: as_of ") and expected in str(err.value)
    assert "\n" not in str(err.value)


# --- the publish decision, both orders, both paths ----------------------------------------------

@pytest.mark.parametrize("order", [("2024-06-01", "2024-01-01"), ("2024-01-01", "2024-06-01")],
                         ids=["newer-first", "older-first"])
def test_load_as_of_in_both_orders_through_the_cli_keeps_the_newer_date_current(dsn, conn, tmp_path, order):
    zips = {"2024-06-01": write_feed(tmp_path / "june.zip", {"stops.txt": STOPS_V2}),
            "2024-01-01": write_feed(tmp_path / "jan.zip", {})}
    outs = {}
    for as_of in order:
        proc = cli(dsn, "load", str(zips[as_of]), "--feed-id", "f", "--as-of", as_of, "--json")
        assert proc.returncode == 0, proc.stderr
        outs[as_of] = json.loads(proc.stdout)
    june, jan = outs["2024-06-01"], outs["2024-01-01"]
    assert current(conn) == june["feed_version_id"]
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
    if order[0] == "2024-06-01":
        assert (jan["status"], jan["reason"]) == ("loaded", (
            f"historical version (as of 2024-01-01) kept loaded; version {june['feed_version_id']} "
            "(as of 2024-06-01) stays current"))
        assert q(conn, "SELECT status, not_current_kind FROM gtfs.feed_version WHERE feed_version_id = %s",
                 jan["feed_version_id"]) == [("loaded", "historical")]
    else:
        assert (jan["status"], june["status"]) == ("published", "published")
        assert q(conn, "SELECT status, superseded_by FROM gtfs.feed_version WHERE feed_version_id = %s",
                 jan["feed_version_id"]) == [("superseded", june["feed_version_id"])]


@pytest.mark.parametrize("order", [("2024-06-01", "2024-01-01"), ("2024-01-01", "2024-06-01")],
                         ids=["newer-first", "older-first"])
def test_load_as_of_in_both_orders_through_the_dag_keeps_the_newer_date_current(conn, tmp_path, order):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    zips = {"2024-06-01": write_feed(tmp_path / "june.zip", {"stops.txt": STOPS_V2}),
            "2024-01-01": write_feed(tmp_path / "jan.zip", {})}
    vids = {}
    with FeedServer() as server:
        for as_of in order:
            server.serve(f"/{as_of}.zip", zips[as_of].read_bytes())
            job = make_job(server.url(f"/{as_of}.zip"), as_of=as_of, kind="archive",
                           extra=f"    archive_url: {server.url('/{date:%Y-%m-%d}.zip')}\n")
            fetched, report, failures, errors = run_once(conn, job, root, f"run-{as_of}")
            assert (failures, errors) == ([], [])
            vids[as_of] = fetched["feed_version_id"]
    assert current(conn) == vids["2024-06-01"]
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
    older = q(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", vids["2024-01-01"])[0][0]
    assert older == ("loaded" if order[0] == "2024-06-01" else "superseded")


def test_a_cli_load_without_as_of_is_dated_today_so_a_backfill_does_not_replace_it(dsn, conn, tmp_path):
    today = cli(dsn, "load", str(write_feed(tmp_path / "t.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f", "--json")
    old = cli(dsn, "load", str(write_feed(tmp_path / "o.zip", {})), "--feed-id", "f", "--as-of", "2024-01-01",
              "--json")
    assert today.returncode == old.returncode == 0, (today.stderr, old.stderr)
    first = json.loads(today.stdout)["feed_version_id"]
    assert q(conn, "SELECT as_of FROM gtfs.feed_version WHERE feed_version_id = %s", first) == [
        (dt.datetime.now(dt.timezone.utc).date(),)]
    assert json.loads(old.stdout)["status"] == "loaded" and current(conn) == first


# --- publish VERSION_ID, versions ---------------------------------------------------------------

def test_publish_makes_a_kept_version_current_and_needs_force_for_a_blocked_one(dsn, conn, tmp_path):
    first = cli(dsn, "load", str(write_feed(tmp_path / "a.zip", {})), "--feed-id", "f", "--json")
    kept = cli(dsn, "load", str(write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f",
               "--no-publish", "--json")
    blocked = cli(dsn, "load", str(write_feed(tmp_path / "c.zip", {"stops.txt": BLOCKED_STOPS})), "--feed-id", "f")
    v1, v2 = json.loads(first.stdout)["feed_version_id"], json.loads(kept.stdout)["feed_version_id"]
    assert one_error_line(blocked) == "gtfs-pipeline: error: feed f: version 3 loaded but not published: fatal: no stops"
    v3 = q(conn, "SELECT max(feed_version_id) FROM gtfs.feed_version")[0][0]
    assert current(conn) == v1

    ok = cli(dsn, "publish", str(v2))
    assert (ok.returncode, ok.stdout.strip()) == (0, f"feed version {v2} is current"), ok.stderr
    assert current(conn) == v2 and q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]

    refused = one_error_line(cli(dsn, "publish", str(v3)))
    assert refused == (f"gtfs-pipeline: error: feed f: version {v3} not published: blocked by validation: fatal: "
                       "no stops; pass --force to publish it anyway")
    assert current(conn) == v2
    forced = cli(dsn, "publish", str(v3), "--force")
    assert forced.returncode == 0, forced.stderr
    assert current(conn) == v3 and q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(0,)]

    listing = {r["feed_version_id"]: r for r in json.loads(cli(dsn, "versions", "f", "--json").stdout)}
    assert {v: (r["status"], r["why_not_current"]) for v, r in listing.items()} == {
        v1: ("superseded", f"superseded by version {v2}"),
        v2: ("superseded", f"superseded by version {v3}"),
        v3: ("published", ""),
    }


def test_publish_refuses_a_historical_version_without_force(dsn, conn, tmp_path):
    new = cli(dsn, "load", str(write_feed(tmp_path / "n.zip", {})), "--feed-id", "f", "--as-of", "2024-06-01",
              "--json")
    old = cli(dsn, "load", str(write_feed(tmp_path / "o.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f",
              "--as-of", "2024-01-01", "--json")
    vnew, vold = json.loads(new.stdout)["feed_version_id"], json.loads(old.stdout)["feed_version_id"]
    line = one_error_line(cli(dsn, "publish", str(vold)))
    assert line == (f"gtfs-pipeline: error: feed f: version {vold} not published: historical version (as of "
                    f"2024-01-01) kept loaded; version {vnew} (as of 2024-06-01) stays current; pass --force to "
                    "publish it anyway")
    assert cli(dsn, "publish", str(vold), "--force").returncode == 0
    assert current(conn) == vold


def test_versions_says_why_each_version_is_not_current(dsn, conn, tmp_path):
    path = write_feed(tmp_path / "a.zip", {})
    assert cli(dsn, "load", str(path), "--feed-id", "f", "--as-of", "2024-06-01").returncode == 0
    assert cli(dsn, "load", str(write_feed(tmp_path / "h.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f",
               "--as-of", "2024-01-01").returncode == 0
    assert cli(dsn, "load", str(write_feed(tmp_path / "b.zip", {"stops.txt": BLOCKED_STOPS})), "--feed-id", "f",
               "--as-of", "2024-07-01").returncode == 1
    broken = write_feed(tmp_path / "x.zip", {"trips.txt": "route_id,service_id\nR1,WD\n"})
    assert cli(dsn, "load", str(broken), "--feed-id", "f").returncode == 1
    dead = versions.start_version(conn, "f", path, hold_lock=True)  # a load whose process then dies
    end_session(conn, dsn)
    again = db.connect(dsn)
    assert lifecycle.recover_abandoned(again, "f", by="test")[0].feed_version_id == dead.feed_version_id
    again.close()

    proc = cli(dsn, "versions", "f")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[-4:] == ["loaded", "why", "not", "current"]
    why = {int(line.split()[0]): line for line in lines[1:]}
    assert why[1].split()[2] == "published" and why[1].split()[3] == "*"
    assert why[2].rstrip().endswith("historical version (as of 2024-01-01) kept loaded; version 1 (as of "
                                    "2024-06-01) stays current")
    assert why[3].rstrip().endswith("blocked by validation: fatal: no stops")
    assert "failed while loading: feed f, file trips.txt, line 1, column trip_id" in why[4]
    assert why[5].rstrip().endswith("recovered after a crash: " + lifecycle.ABANDONED.format(state="loading"))


# --- lock timeouts, one line --------------------------------------------------------------------

def test_an_open_reader_of_gtfs_current_does_not_make_load_print_a_traceback(dsn, conn, tmp_path):
    assert cli(dsn, "load", str(write_feed(tmp_path / "a.zip", {})), "--feed-id", "f").returncode == 0
    reader = db.connect(dsn)
    with reader.cursor() as cur:  # an analyst's open transaction
        cur.execute("SELECT count(*) FROM gtfs_current.stops")
    try:
        env = {"GTFS_PUBLISH_LOCK_TIMEOUT": "300ms"}
        proc = cli(dsn, "load", str(write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f",
                   env=env)
        line = one_error_line(proc)
        assert line == ("gtfs-pipeline: error: feed f: publishing version 2 waited longer than 300ms "
                        "(GTFS_PUBLISH_LOCK_TIMEOUT) for queries reading gtfs_current to finish; nothing changed "
                        "(the previous version stays current): retry, or end the long-running transactions; "
                        "version 2 is kept loaded: publish it with `gtfs-pipeline publish 2`")
        assert q(conn, "SELECT status, not_current_kind FROM gtfs.feed_version WHERE feed_version_id = 2") == [
            ("loaded", "publish-timeout")]
        init = one_error_line(cli(dsn, "init-db", env=env))
        assert init.startswith("gtfs-pipeline: error: waited longer than 300ms (GTFS_PUBLISH_LOCK_TIMEOUT)")
        assert "Traceback" not in proc.stderr
    finally:
        reader.close()
    assert current(conn) == 1
    assert cli(dsn, "publish", "2").returncode == 0 and current(conn) == 2


def test_load_does_not_rewrite_the_views_when_no_migration_is_pending(dsn, conn, tmp_path):
    """A reader that holds gtfs_current does not block a --no-publish load at all."""
    assert cli(dsn, "load", str(write_feed(tmp_path / "a.zip", {})), "--feed-id", "f").returncode == 0
    reader = db.connect(dsn)
    with reader.cursor() as cur:
        cur.execute("SELECT count(*) FROM gtfs_current.stops")
    try:
        proc = cli(dsn, "load", str(write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_V2})), "--feed-id", "f",
                   "--no-publish", env={"GTFS_PUBLISH_LOCK_TIMEOUT": "300ms"})
        assert proc.returncode == 0, proc.stderr
    finally:
        reader.close()
    assert db.pending_migrations(conn) == []


# --- unfinished versions are never "the same bytes" ---------------------------------------------

def test_bytes_of_a_version_that_never_finished_load_and_publish_when_fetched_again(dsn, conn, tmp_path):
    """A version left 'validating' by a dead CLI load does not make the DAG answer "unchanged":
    the fetch recovers it, the run loads and publishes the same bytes, and its summary says so."""
    path = write_feed(tmp_path / "f.zip", {"stops.txt": STOPS_V2})
    loader = db.connect(dsn)
    dead = versions.start_version(loader, "f", path, hold_lock=True)
    for m in versions._load_order(dead):
        with versions.archive.open_zip(path) as zf:
            versions.load_member(loader, dead, zf, m)
    versions.finish_version(loader, dead.feed_version_id)
    assert q(conn, "SELECT status FROM gtfs.feed_version") == [("validating",)]
    end_session(loader, dsn)  # the process dies before geometry

    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    with FeedServer() as server:
        server.serve("/f.zip", path.read_bytes())
        fetched, report, failures, errors = run_once(conn, make_job(server.url("/f.zip")), root, "next-run")
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    assert fetched["recovered"] == [{"feed_id": "f", "feed_version_id": dead.feed_version_id, "state": "validating",
                                     "message": lifecycle.ABANDONED.format(state="validating")}]
    assert report[0]["recovered"] == [f"version {dead.feed_version_id} "
                                      f"({lifecycle.ABANDONED.format(state='validating')})"]
    assert f"    recovered version {dead.feed_version_id} (abandoned while validating" in \
        pipeline.format_summary(report)
    assert current(conn) == fetched["feed_version_id"] != dead.feed_version_id
    assert q(conn, "SELECT status, failed_step, recovered_by FROM gtfs.feed_version WHERE feed_version_id = %s",
             dead.feed_version_id) == [("failed", "validating", "next-run")]


def test_a_dag_task_stops_when_recovery_failed_its_version(conn, tmp_path):
    path = write_feed(tmp_path / "f.zip", {})
    plan = versions.start_version(conn, "f", path, owner=Owner.run("gtfs_feeds/dead"))
    lifecycle.fail(conn, plan.feed_version_id, "abandoned (test)", recovered_by="test")
    with pytest.raises(GtfsPipelineError) as err:
        with lifecycle.working_on(conn, plan.feed_version_id, State.LOADING):
            pass
    assert str(err.value) == f"feed f: version {plan.feed_version_id} is failed: abandoned (test); expected loading"


def test_a_finished_run_frees_its_versions_before_the_deadline(conn, tmp_path):
    path = write_feed(tmp_path / "f.zip", {})
    plan = versions.start_version(conn, "f", path, owner=Owner.run("gtfs_feeds/over"))
    assert lifecycle.recover_abandoned(conn, "f", run_over=lambda run: None) == []
    (r,) = lifecycle.recover_abandoned(conn, "f", by="gtfs_feeds/next", run_over=lambda run: run == "gtfs_feeds/over")
    assert (r.feed_version_id, r.message) == (plan.feed_version_id, (
        "abandoned while loading: its DAG run (gtfs_feeds/over) has finished without finishing it; marked failed by "
        "the next load of the feed"))


def test_drop_version_refuses_a_version_whose_load_is_running(dsn, conn, tmp_path):
    loader = db.connect(dsn)
    plan = versions.start_version(loader, "f", write_feed(tmp_path / "f.zip", {}), hold_lock=True)
    with pytest.raises(GtfsPipelineError) as err:
        versions.drop_version(conn, plan.feed_version_id)
    assert str(err.value) == f"feed version {plan.feed_version_id} is loading and its load is running: stop that " \
                             "load first"
    end_session(loader, dsn)
    versions.drop_version(conn, plan.feed_version_id)
    assert q(conn, "SELECT count(*) FROM gtfs.feed_version") == [(0,)]

