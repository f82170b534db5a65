"""Faults injected into a running load: each leaves the database consistent, and the next load
completes by itself, with no manual repair.

The load runs as `gtfs-pipeline load` in its own process, on a generated feed of
300 000 stop_times (large enough to be caught in the middle of its COPY, which the
test watches in pg_stat_progress_copy).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psycopg2
import pytest

from badfeeds import REPO, run_cli
from conftest import end_session
from gtfs_pipeline import lifecycle, versions
from gtfs_pipeline.localpg import start_cluster

STOP_TIMES = 300_000
ABANDONED = lifecycle.ABANDONED.format(state="loading")


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.zip"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate_feed.py"), str(path),
                    "--stop-times", str(STOP_TIMES)], check=True, capture_output=True)
    return path


def start_load(dsn: str, path, feed_id: str = "big", **env_vars: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn, **env_vars}
    return subprocess.Popen([sys.executable, "-m", "gtfs_pipeline.cli", "load", str(path), "--feed-id", feed_id,
                             "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def observer(dsn: str):
    """A plain connection for the test's own queries (not named gtfs-pipeline)."""
    conn = psycopg2.connect(dsn, application_name="fault-test")
    conn.autocommit = True
    return conn


def wait_for_stop_times_copy(conn, proc, min_rows: int = 5_000, timeout: float = 60,
                             committed_files: int = 0) -> int:
    """Block until a COPY into a stop_times partition has passed ``min_rows`` (and, if asked,
    ``committed_files`` other files of its version are committed); returns its version.

    (The fast path COPYs about 1 MiB of records per statement, some 20 000 stop times, one
    statement after another in the file's transaction: ``min_rows`` stays below one statement's.)

    The partition is created in the COPY's own transaction, invisible to other sessions'
    catalogs: the statement text (pg_stat_activity) names it.
    """
    deadline = time.monotonic() + timeout
    with conn.cursor() as cur:
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            cur.execute("SELECT substring(a.query FROM '^COPY \"gtfs_part\".\"stop_times_v(\\d+)\"')::bigint,"
                        " p.tuples_processed FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid)"
                        " WHERE p.datname = current_database()")
            for version, done in cur.fetchall():
                if version is not None and done >= min_rows and len(partitions_of(conn, version)) >= committed_files:
                    return version
            time.sleep(0.01)
    raise AssertionError("no COPY into stop_times seen")


def wait_for_loader_backends_gone(conn, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    with conn.cursor() as cur:
        while time.monotonic() < deadline:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gtfs-pipeline'"
                        " AND datname = current_database()")
            if cur.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the killed load's backends are still there")


def fetch(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def partitions_of(conn, vid):
    return [r[0] for r in fetch(conn, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                      " WHERE n.nspname = 'gtfs_part' AND c.relname ~ %s ORDER BY 1",
                                f"_v{vid}(_|$)")]


def advisory_locks(conn):
    return fetch(conn, "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory'")


def assert_recovered_and_reloaded(conn, killed: int, retry: int) -> None:
    """The killed version is failed with no rows left; the retry is published, one copy of each row."""
    assert fetch(conn, "SELECT feed_version_id, status, error FROM gtfs.feed_version ORDER BY 1") == [
        (killed, "failed", ABANDONED), (retry, "published", None)]
    assert partitions_of(conn, killed) == []
    assert fetch(conn, "SELECT feed_version_id, count(*) FROM gtfs.stop_times GROUP BY 1") == [(retry, STOP_TIMES)]
    assert fetch(conn, "SELECT count(*) FROM gtfs_current.stop_times") == [(STOP_TIMES,)]
    assert fetch(conn, "SELECT count(DISTINCT (trip_id, stop_sequence)) FROM gtfs.stop_times") == [(STOP_TIMES,)]
    assert advisory_locks(conn) == []


@pytest.mark.parametrize("split", [False, True], ids=["one-stream", "two-streams"])
def test_a_load_killed_during_the_stop_times_copy_is_recovered_by_the_next_load(dsn, big_feed, split):
    watch = observer(dsn)
    # Two streams: stop_times (about 14 MB here) is COPYed over two connections.
    proc = start_load(dsn, big_feed, GTFS_COPY_STREAMS="2" if split else "1",
                      GTFS_SPLIT_COPY_BYTES="0" if split else str(1 << 40))
    # Killed while stop_times is being copied and another file (shapes) is already committed.
    killed = wait_for_stop_times_copy(watch, proc, committed_files=2 if split else 1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for_loader_backends_gone(watch)
    # What the crash left: the version 'loading' with the partitions of the files it had
    # committed; the stop_times COPY rolled back (with two streams its table was committed
    # empty first, and stays detached); the lock gone with the session.
    assert fetch(watch, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", killed) == [("loading",)]
    left = partitions_of(watch, killed)
    assert (f"stop_times_v{killed}" in left) == split and len(left) >= 2
    assert fetch(watch, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = %s", killed) == [(0,)]
    assert fetch(watch, "SELECT count(*) FROM pg_inherits WHERE inhrelid = to_regclass(%s)",
                 f"gtfs_part.stop_times_v{killed}") == [(0,)]
    assert advisory_locks(watch) == []

    retry = run_cli(dsn, "load", str(big_feed), "--feed-id", "big", "--json")
    assert retry.returncode == 0, retry.stderr
    assert_recovered_and_reloaded(watch, killed, json.loads(retry.stdout)["feed_version_id"])
    watch.close()


def test_a_server_restart_during_a_load_fails_it_clearly_and_the_next_load_recovers(tmp_path, big_feed):
    cluster = start_cluster(tmp_path / "pg")  # its own server: the shared one must not restart
    try:
        watch = observer(cluster.dsn)
        proc = start_load(cluster.dsn, big_feed)
        killed = wait_for_stop_times_copy(watch, proc)
        watch.close()
        # An immediate stop is a crash for PostgreSQL: crash recovery runs on start.
        cluster._run(str(cluster.bindir / "pg_ctl"), "-D", str(cluster.datadir), "-m", "immediate", "-w", "stop")
        cluster.start()
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 1
        line = stderr.strip().splitlines()[-1]
        assert line.startswith("gtfs-pipeline: error: feed big: the database connection was lost during the load (")
        assert line.endswith(f"); version {killed} stays unfinished until the next load of the feed marks it failed")
        assert "Traceback" not in stderr

        watch = observer(cluster.dsn)
        assert fetch(watch, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", killed) == [
            ("loading",)]
        retry = run_cli(cluster.dsn, "load", str(big_feed), "--feed-id", "big", "--json")
        assert retry.returncode == 0, retry.stderr
        assert_recovered_and_reloaded(watch, killed, json.loads(retry.stdout)["feed_version_id"])
        watch.close()
    finally:
        cluster.stop()


def test_a_running_load_is_never_recovered_by_another(conn, dsn, tmp_path):
    """Recovery asks the lock, not the clock: while the loading session lives, its version stays."""
    from feedbuilder import write_feed

    path = write_feed(tmp_path / "f.zip", {})
    plan = versions.start_version(conn, "f", path, hold_lock=True)
    other = psycopg2.connect(dsn)
    assert lifecycle.recover_abandoned(other, "f") == []
    assert fetch(other, "SELECT status FROM gtfs.feed_version") == [("loading",)]
    end_session(conn, dsn)  # the loading session ends without finishing: as if its process died
    assert [r.feed_version_id for r in lifecycle.recover_abandoned(other, "f")] == [plan.feed_version_id]
    assert fetch(other, "SELECT status, error FROM gtfs.feed_version") == [("failed", ABANDONED)]
    other.close()


def test_a_version_started_by_the_dag_is_not_recovered(conn, tmp_path):
    """DAG versions span tasks with no session holding them; only the DAG decides their fate."""
    from feedbuilder import write_feed

    plan = versions.start_version(conn, "f", write_feed(tmp_path / "f.zip", {}))
    assert lifecycle.recover_abandoned(conn, "f") == []
    assert fetch(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s",
                 plan.feed_version_id) == [("loading",)]


# --- every stage of a load: SIGKILL, then the next run of the same bytes (issue 12) ---------------
#
# Each stage is reached deterministically, never by timing: the test holds a lock the stage needs
# and waits until the load's backend is seen waiting for it (geometry: gtfs.shape_geom, which only
# geometry's final swap and later steps touch; validation: gtfs.translations, which the feed has no
# file for, so only a validation rule reads it; publish: an open reader of gtfs_current), or the
# load stops at the GTFS_PAUSE_AT hook and says so on stderr (report). Then SIGKILL.

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"
STAGES = {  # stage -> (what the test holds, the state the crash leaves)
    "geometry": ("LOCK TABLE gtfs.shape_geom IN ACCESS EXCLUSIVE MODE", "validating"),
    "validation": ("LOCK TABLE gtfs.translations IN ACCESS EXCLUSIVE MODE", "validating"),
    "report": (None, "validating"),
    "publish": ("SELECT count(*) FROM gtfs_current.stops", "publishing"),
}


def fingerprint(conn, vid: int) -> list:
    """md5 of a version's rows in six GTFS tables: a published version must not change."""
    return [fetch(conn, f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM gtfs.{table} t"
                        " WHERE feed_version_id = %s", vid)[0][0]
            for table in ("agency", "stops", "routes", "trips", "stop_times", "calendar")]


def wait_for_lock_wait(conn, proc, relation_sql: str, timeout: float = 60) -> None:
    """Block until a gtfs-pipeline backend waits for a lock on a relation matching ``relation_sql``."""
    deadline = time.monotonic() + timeout
    with conn.cursor() as cur:
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            cur.execute("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                        " WHERE NOT l.granted AND a.application_name = 'gtfs-pipeline' AND l.relation IN ("
                        + relation_sql + ")")
            if cur.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"no load waited for {relation_sql}")


def wait_for_pause(proc, point: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            raise AssertionError(f"the load ended before pausing at {point}: {proc.communicate()}")
        if line.strip() == f"gtfs-pipeline: paused at {point} (GTFS_PAUSE_AT)":
            return
    raise AssertionError(f"no pause at {point}")


def kill_at(dsn, path, stage: str) -> None:
    """Start `gtfs-pipeline load` of ``path`` as feed f and SIGKILL it at ``stage``."""
    holder, watch = observer(dsn), observer(dsn)  # watch: autocommit, so pg_stat_activity is fresh
    holder.autocommit = False
    hold, _ = STAGES[stage]
    try:
        if hold:
            with holder.cursor() as cur:
                cur.execute(hold)
        env = {"GTFS_PAUSE_AT": "report"} if stage == "report" else {"GTFS_PUBLISH_LOCK_TIMEOUT": "120s"}
        proc = start_load(dsn, path, "f", **env)
        if stage == "geometry":
            wait_for_lock_wait(watch, proc, "'gtfs.shape_geom'::regclass")
        elif stage == "validation":
            wait_for_lock_wait(watch, proc, "'gtfs.translations'::regclass")
        elif stage == "report":
            wait_for_pause(proc, "report")
        else:
            wait_for_lock_wait(watch, proc, "SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid ="
                                             " c.relnamespace WHERE n.nspname = 'gtfs_current'")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        holder.rollback()
        holder.close()
        watch.close()


@pytest.mark.parametrize("recovery", ["cli", "dag"])
@pytest.mark.parametrize("stage", list(STAGES))
def test_a_load_killed_at_each_stage_is_recovered_by_the_next_run_of_the_same_bytes(dsn, tmp_path, stage,
                                                                                     recovery):
    import datetime as dt

    from feedbuilder import write_feed
    from gtfs_pipeline import pipeline
    from httpserver import FeedServer
    from test_dag_faults import make_job, run_once

    watch = observer(dsn)
    first = run_cli(dsn, "load", str(write_feed(tmp_path / "v1.zip", {})), "--feed-id", "f", "--json")
    assert first.returncode == 0, first.stderr
    v1 = json.loads(first.stdout)["feed_version_id"]
    before = fingerprint(watch, v1)
    new_zip = write_feed(tmp_path / "v2.zip", {"stops.txt": STOPS_V2})

    kill_at(dsn, new_zip, stage)
    wait_for_loader_backends_gone(watch)
    _, state = STAGES[stage]
    (killed, left), = fetch(watch, "SELECT feed_version_id, status FROM gtfs.feed_version WHERE feed_version_id <> %s",
                            v1)
    assert left == state
    assert advisory_locks(watch) == []
    # Until the next run: the published version is current, byte for byte, and shows alone.
    assert fetch(watch, "SELECT current_version_id FROM gtfs.feed") == [(v1,)]
    assert fingerprint(watch, v1) == before
    assert fetch(watch, "SELECT DISTINCT feed_version_id FROM gtfs_current.stops") == [(v1,)]

    if recovery == "cli":
        retry = run_cli(dsn, "load", str(new_zip), "--feed-id", "f", "--json")
        assert retry.returncode == 0, retry.stderr
        out = json.loads(retry.stdout)
        new, recovered = out["feed_version_id"], out["recovered"]
        assert f"gtfs-pipeline: recovered version {killed} of feed f (abandoned while {state}" in retry.stderr
    else:
        root = pipeline.storage_path((tmp_path / "archive").as_uri())
        today = dt.datetime.now(dt.timezone.utc).date().isoformat()
        conn = psycopg2.connect(dsn)
        with FeedServer() as server:
            server.serve("/f.zip", new_zip.read_bytes())
            fetched, report, failures, errors = run_once(conn, make_job(server.url("/f.zip"), as_of=today), root,
                                                         "gtfs_feeds/next-run")
        conn.close()
        assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
        new, recovered = fetched["feed_version_id"], fetched["recovered"]
        assert report[0]["recovered"] == [f"version {killed} ({lifecycle.ABANDONED.format(state=state)})"]
    assert recovered == [{"feed_id": "f", "feed_version_id": killed, "state": state,
                          "message": lifecycle.ABANDONED.format(state=state)}]
    assert fetch(watch, "SELECT status, failed_step, error FROM gtfs.feed_version WHERE feed_version_id = %s",
                 killed) == [("failed", state, lifecycle.ABANDONED.format(state=state))]
    assert partitions_of(watch, killed) == []
    assert fetch(watch, "SELECT current_version_id FROM gtfs.feed") == [(new,)]
    assert fetch(watch, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", new) == [("published",)]
    assert fetch(watch, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
    assert fingerprint(watch, v1) == before  # superseded, never touched
    assert advisory_locks(watch) == []
    watch.close()


def test_a_load_killed_during_the_stop_times_copy_is_recovered_by_the_dags_next_run(dsn, big_feed, tmp_path):
    """The COPY stage with the other path: the DAG's task functions fetch the same zip, recover the
    dead version and publish; the version published before stays byte-identical until then."""
    import datetime as dt

    from feedbuilder import write_feed
    from gtfs_pipeline import pipeline
    from httpserver import FeedServer
    from test_dag_faults import make_job, run_once

    watch = observer(dsn)
    first = run_cli(dsn, "load", str(write_feed(tmp_path / "v1.zip", {})), "--feed-id", "big", "--json")
    assert first.returncode == 0, first.stderr
    v1 = json.loads(first.stdout)["feed_version_id"]
    before = fingerprint(watch, v1)
    proc = start_load(dsn, big_feed)
    killed = wait_for_stop_times_copy(watch, proc, committed_files=1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for_loader_backends_gone(watch)
    assert fetch(watch, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", killed) == [("loading",)]
    assert fetch(watch, "SELECT current_version_id FROM gtfs.feed") == [(v1,)] and fingerprint(watch, v1) == before

    conn = psycopg2.connect(dsn)
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    with FeedServer() as server:
        server.serve("/big.zip", big_feed.read_bytes())
        fetched, report, failures, errors = run_once(conn, make_job(server.url("/big.zip"), feed_id="big",
                                                                    as_of=today),
                                                     pipeline.storage_path((tmp_path / "archive").as_uri()),
                                                     "gtfs_feeds/next-run")
    conn.close()
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    assert [r["feed_version_id"] for r in fetched["recovered"]] == [killed]
    assert fetch(watch, "SELECT status, error FROM gtfs.feed_version WHERE feed_version_id = %s", killed) == [
        ("failed", ABANDONED)]
    assert partitions_of(watch, killed) == []
    assert fetch(watch, "SELECT count(*) FROM gtfs_current.stop_times") == [(STOP_TIMES,)]
    assert fingerprint(watch, v1) == before
    assert advisory_locks(watch) == []
    watch.close()
