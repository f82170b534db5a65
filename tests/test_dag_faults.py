"""Faults around the DAG's tasks (issue 6): each scripted, each leaving the database
consistent, each followed by a run that completes.

Most scenarios call the task functions of pipeline.py in the DAG's order (fetch_job ->
start_versions -> load_file per member -> finalize -> geometry -> validation ->
publish_version -> run_summary): the same code the DAG's tasks run, without Airflow's
per-run start-up. The credentials scenario runs the real DAG with dag.test().
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

import pytest

from airflow_support import airflow_metadb, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from feedbuilder import write_feed
from gtfs_pipeline import db, pipeline
from gtfs_pipeline.errors import FeedError
from gtfs_pipeline.fetch import FetchError
from gtfs_pipeline.registry import FeedSpec, parse_registry
from httpserver import FeedServer

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


def q(conn, sql, *args):
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()
    finally:
        conn.rollback()


LOOPBACK = "    allow_private_network: true\n"  # the test servers are on 127.0.0.1


def make_job(url: str, feed_id: str = "f", extra: str = "", **job) -> dict:
    """A job as resolve_feeds makes it, for a feed served on 127.0.0.1 (so allow_private_network)."""
    reg = parse_registry(f"feeds:\n  - feed_id: {feed_id}\n    url: {url}\n    allow_private_network: true\n{extra}")
    spec = reg.feeds[feed_id]
    job = {"feed_id": feed_id, "spec": spec.as_dict(), "as_of": "2025-01-02", "force": False,
           "kind": "current", "url": spec.url, "skip_reason": None, **job}
    if job["kind"] == "archive":
        job["url"] = spec.archive_url_for(dt.date.fromisoformat(job["as_of"]))
    return job


def fetch_job(conn, job: dict, root, **kw) -> dict:
    """pipeline.fetch_job with the job's registry entry (the DAG's task reads it from the registry file)."""
    return pipeline.fetch_job(conn, job, root, spec=FeedSpec.from_dict(job["spec"]), **kw)


def run_once(conn, job: dict, root, run_id: str, *, final_try: bool = True, before_load=None):
    """One run of the DAG's steps for one feed; returns (fetch result, summary report, failures, errors)."""
    fetched = fetch_job(conn, job, root, run_id=run_id, final_try=final_try)
    started = pipeline.start_versions(conn, [fetched])
    if started:
        fetched = {**fetched, "feed_version_id": started[0]["feed_version_id"]}
    if before_load:
        before_load(started)
    errors: list[Exception] = []
    for item in pipeline.load_items(started):
        try:
            pipeline.load_file(conn, item)
        except Exception as exc:  # noqa: BLE001 - the DAG's load task fails; finalize runs anyway
            errors.append(exc)
    for version in started:
        try:
            version = pipeline.finalize(conn, version)
            version = pipeline.run_geometry(conn, version)
            version = pipeline.run_validation(conn, version)
            pipeline.publish_version(conn, version)
        except FeedError as exc:
            errors.append(exc)
    report, failures = pipeline.run_summary(conn, run_id, [job])
    return fetched, report, failures, errors


def assert_consistent(conn, feed_id: str = "f") -> int | None:
    """No version left loading; at most one published and it is the feed's current one; failed
    versions hold no rows; gtfs_current shows exactly the current version's stops. Returns it."""
    rows = q(conn, "SELECT feed_version_id, status FROM gtfs.feed_version WHERE feed_id = %s", feed_id)
    assert not [v for v, s in rows if s == "loading"], rows
    published = [v for v, s in rows if s == "published"]
    assert len(published) <= 1, rows
    current = (q(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", feed_id) or [(None,)])[0][0]
    assert published == ([current] if current else []), (rows, current)
    for v, s in rows:
        if s == "failed":
            assert q(conn, "SELECT count(*) FROM gtfs.stops WHERE feed_version_id = %s", v) == [(0,)]
            assert q(conn, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = %s", v) == [(0,)]
    if current:
        shown = q(conn, "SELECT c.feed_version_id, count(*) FROM gtfs_current.stops c JOIN gtfs.feed_version v"
                        " USING (feed_version_id) WHERE v.feed_id = %s GROUP BY 1", feed_id)
        assert shown == q(conn, "SELECT %s, count(*) FROM gtfs.stops WHERE feed_version_id = %s", current, current)
    return current


def fingerprint(conn, vid: int) -> list:
    """md5 of every row of a version in the main GTFS tables: a published version must not change."""
    return [q(conn, f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    f" FROM gtfs.{table} t WHERE feed_version_id = %s", vid)[0]
            for table in ("agency", "stops", "routes", "trips", "stop_times", "calendar")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP ---------------------------------------------------------------------------------------

def test_connection_refused_and_hanging_server_fail_the_feed_then_the_next_run_publishes(
        conn, server, tmp_path):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    refused = make_job(f"http://127.0.0.1:{free_port()}/f.zip")
    fetched, report, failures, _ = run_once(conn, refused, root, "r1")
    assert fetched["outcome"] == "error" and "feed f" in fetched["message"]
    assert "cannot download http://127.0.0.1" in fetched["message"] and "refused" in fetched["message"].lower()
    assert failures and report[0]["state"] == "failed"
    # While retries remain the task raises (Airflow retries it); the fetch log says so.
    with pytest.raises(FetchError) as err:
        fetch_job(conn, refused, root, run_id="r1", final_try=False)
    assert err.value.transient
    assert q(conn, "SELECT message FROM gtfs.fetch_log ORDER BY fetch_id DESC LIMIT 1")[0][0].endswith("(will retry)")

    server.serve("/hang.zip", b"", hang=True)  # accepts the connection, never answers
    hang = make_job(server.url("/hang.zip"), extra="    options: {read_timeout: 0.5}\n")
    fetched, report, failures, _ = run_once(conn, hang, root, "r2")
    assert fetched["outcome"] == "error"
    assert "timed out" in fetched["message"] and "read_timeout" in fetched["message"], fetched["message"]
    assert assert_consistent(conn) is None
    assert q(conn, "SELECT count(*) FROM gtfs.feed_version") == [(0,)]

    server.serve("/hang.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())  # the server is back
    fetched, report, failures, errors = run_once(conn, hang, root, "r3")
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    assert assert_consistent(conn) == fetched["feed_version_id"]


def test_500_then_503_then_success_follows_the_fetch_tasks_retry_path(conn, server, tmp_path):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    route = server.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes(), fail_first=1,
                         fail_status=500)
    job = make_job(server.url("/f.zip"))
    # try 1 of 3 (the DAG passes final_try = try_number > max_tries): a transient FetchError
    with pytest.raises(FetchError, match="HTTP 500") as err:
        fetch_job(conn, job, root, run_id="r1", final_try=False)
    assert err.value.transient and "feed f" in str(err.value)
    route.fail_first, route.fail_status = 1, 503
    with pytest.raises(FetchError, match="HTTP 503"):  # try 2
        fetch_job(conn, job, root, run_id="r1", final_try=False)
    fetched, report, failures, errors = run_once(conn, job, root, "r1")  # try 3 succeeds, the run goes on
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    log = q(conn, "SELECT outcome, http_status, message FROM gtfs.fetch_log WHERE run_id = 'r1' ORDER BY fetch_id")
    assert [(o, s) for o, s, _ in log] == [("error", 500), ("error", 503), ("new", 200)]
    assert all(m.endswith("(will retry)") for _, _, m in log[:2]) and log[2][2].endswith("published")
    assert len(server.requests_for("/f.zip")) == 3
    assert assert_consistent(conn) == fetched["feed_version_id"]
    # A 404 is not retried: the feed fails at once, even with retries left.
    bad = make_job(server.url("/gone.zip"), feed_id="g")
    assert fetch_job(conn, bad, root, run_id="r2", final_try=False)["outcome"] == "error"


def test_cut_body_redirect_loop_and_slow_drip_keep_the_published_version(conn, server, tmp_path):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    good = write_feed(tmp_path / "f.zip", {}).read_bytes()
    server.serve("/f.zip", good)
    job = make_job(server.url("/f.zip"), extra="    options: {max_seconds: 1, max_redirects: 3}\n")
    v1 = run_once(conn, job, root, "r0")[0]["feed_version_id"]
    assert assert_consistent(conn) == v1
    before = fingerprint(conn, v1)

    new = write_feed(tmp_path / "f2.zip", {"stops.txt": STOPS_V2}).read_bytes()
    server.serve("/f.zip", new[:300], declared_length=len(new))  # the connection drops after 300 bytes
    fetched, report, failures, _ = run_once(conn, job, root, "r1")
    assert fetched["outcome"] == "error" and ("broke off" in fetched["message"] or "truncated" in fetched["message"])
    assert report[0]["state"] == "failed" and "feed f" in failures[0]

    server.redirect("/f.zip", server.url("/loop"))
    server.redirect("/loop", server.url("/f.zip"))
    fetched, report, failures, _ = run_once(conn, job, root, "r2")
    assert fetched["outcome"] == "error" and "more than 3 redirects" in fetched["message"]

    server.serve("/f.zip", new + b"\0" * 4000, drip=0.05)  # ~16 s to send at 16 bytes / 50 ms
    fetched, report, failures, _ = run_once(conn, job, root, "r3")
    assert fetched["outcome"] == "error" and "longer than 1 s (option max_seconds)" in fetched["message"]
    # the client gave up early: the server could not send the whole body
    assert server.bytes_sent["/f.zip"] < len(new) + 4000

    assert assert_consistent(conn) == v1  # every failure left version 1 current, untouched
    assert fingerprint(conn, v1) == before
    assert q(conn, "SELECT status FROM gtfs.feed_version ORDER BY 1") == [("published",)]
    assert not list((tmp_path / "archive").rglob("*.part"))
    server.serve("/f.zip", new)
    fetched, report, failures, errors = run_once(conn, job, root, "r4")
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    assert assert_consistent(conn) == fetched["feed_version_id"] != v1


# --- object storage -----------------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["missing", "unreadable"])
def test_archived_zip_gone_when_the_load_starts(conn, server, tmp_path, damage):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    server.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    job = make_job(server.url("/f.zip"))
    v1 = run_once(conn, job, root, "r0")[0]["feed_version_id"]
    before = fingerprint(conn, v1)
    server.serve("/f.zip", write_feed(tmp_path / "f2.zip", {"stops.txt": STOPS_V2}).read_bytes())

    def spoil(started):
        path = Path(pipeline.storage_path(started[0]["archive_path"]).path)
        if damage == "missing":
            path.unlink()
        else:  # a torn object: its first half only
            path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])

    fetched, report, failures, errors = run_once(conn, job, root, "r1", before_load=spoil)
    v2 = fetched["feed_version_id"]
    first = str(errors[0])  # the first load task's error (the largest member loads first)
    member = re.match(r"feed f, file ([a-z_]+\.txt): ", first)
    assert member and fetched["archive_path"] in first, first
    assert ("missing" if damage == "missing" else "not a readable zip") in first, first
    assert q(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", v2) == [("failed",)]
    error = q(conn, "SELECT error FROM gtfs.feed_version WHERE feed_version_id = %s", v2)[0][0]
    assert member.group(1) in error and fetched["archive_path"] in error
    assert report[0]["state"] == "failed" and failures[0].startswith("f: ")
    assert assert_consistent(conn) == v1 and fingerprint(conn, v1) == before

    fetched, report, failures, errors = run_once(conn, job, root, "r2")  # re-fetches and re-stores the zip
    assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
    assert assert_consistent(conn) == fetched["feed_version_id"] not in (v1, v2)
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]


# --- two runs publishing at once ----------------------------------------------------------------

@pytest.mark.parametrize("how", ["publish_version", "versions.publish"])
def test_two_runs_publishing_at_the_same_time(dsn, conn, server, tmp_path, how):
    from gtfs_pipeline import versions

    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    loaded = []
    for i, stops in enumerate([None, STOPS_V2]):
        server.serve("/f.zip", write_feed(tmp_path / f"f{i}.zip", {"stops.txt": stops} if stops else {}).read_bytes())
        fetched = fetch_job(conn, make_job(server.url("/f.zip")), root, run_id=f"r{i}")
        (version,) = pipeline.start_versions(conn, [fetched])
        for item in pipeline.load_items([version]):
            pipeline.load_file(conn, item)
        loaded.append(pipeline.run_validation(conn, pipeline.run_geometry(conn, pipeline.finalize(conn, version))))
    # validated, not yet decided: still unfinished, held by their runs until their publish task
    assert [s for (s,) in q(conn, "SELECT status FROM gtfs.feed_version ORDER BY 1")] == ["validating", "validating"]

    barrier, results, errors = threading.Barrier(2), {}, []

    def publish(version):
        c = db.connect(dsn)
        try:
            barrier.wait()
            if how == "publish_version":
                results[version["feed_version_id"]] = pipeline.publish_version(c, version)["published"]
            else:
                versions.publish(c, version["feed_version_id"])
                results[version["feed_version_id"]] = True
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=publish, args=(v,)) for v in loaded]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(results) == 2
    statuses = dict(q(conn, "SELECT feed_version_id, status FROM gtfs.feed_version"))
    assert sorted(statuses.values()) == ["published", "superseded"], statuses
    current = assert_consistent(conn)
    assert statuses[current] == "published"
    assert q(conn, "SELECT count(DISTINCT feed_version_id) FROM gtfs_current.stops") == [(1,)]
    assert q(conn, "SELECT DISTINCT feed_version_id FROM gtfs_current.stops") == [(current,)]


# --- disk full ----------------------------------------------------------------------------------

def test_archive_folder_full_fails_the_fetch_cleanly(conn, server, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a 1 MiB tmpfs for the archive needs root")
    archive = Path(tempfile.mkdtemp(prefix="gtfs-full-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(archive)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        big = write_feed(tmp_path / "big.zip", {"extra.bin": os.urandom(1536 * 1024)})  # > 1 MiB, incompressible
        with zipfile.ZipFile(big) as zf:
            zf.testzip()
        server.serve("/f.zip", big.read_bytes())
        job = make_job(server.url("/f.zip"))
        root = pipeline.storage_path(archive.as_uri())
        fetched, report, failures, errors = run_once(conn, job, root, "r1")
        assert fetched["outcome"] == "error" and "feed f" in fetched["message"], fetched
        assert "cannot store" in fetched["message"] and "No space left on device" in fetched["message"]
        assert report[0]["state"] == "failed" and not errors
        assert list(archive.rglob("*")) in ([], [archive / "f"]), list(archive.rglob("*"))  # no partial file
        assert q(conn, "SELECT count(*) FROM gtfs.feed_version") == [(0,)]
        # space again (a smaller feed fits): the next run completes
        server.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
        fetched, report, failures, errors = run_once(conn, job, root, "r2")
        assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
        assert assert_consistent(conn) == fetched["feed_version_id"]
    finally:
        subprocess.run(["umount", str(archive)], check=False)
        archive.rmdir()


# --- credentials (the real DAG) -----------------------------------------------------------------

SECRET_ENV = "env-Secr3t-7Qx9"
SECRET_VAR = "var-Secr3t-K2p4"


def test_secrets_appear_nowhere_a_user_can_see(gtfs_dag, gtfs_dag_env, conn, server, tmp_path, monkeypatch,
                                               capsys, caplog):
    monkeypatch.setenv("FEED_TOKEN", SECRET_ENV)
    monkeypatch.setenv("AIRFLOW_VAR_FEED_KEY", SECRET_VAR)  # an Airflow Variable from the environment
    server.serve("/ok.zip", write_feed(tmp_path / "ok.zip", {}).read_bytes())
    down = f"http://127.0.0.1:{free_port()}/down.zip"  # refused: the error names the URL
    server.serve("/html.zip", b"<!DOCTYPE html><html>bad key</html>", content_type="text/html")
    auth = "    headers: {Authorization: {env: FEED_TOKEN}}\n    query: {api_key: {variable: FEED_KEY}}\n"
    gtfs_dag_env.write_registry(
        "feeds:\n"
        f"  - feed_id: ok\n    url: {server.url('/ok.zip')}\n{auth}{LOOPBACK}"
        f"  - feed_id: down\n    url: {down}\n{auth}{LOOPBACK}"
        f"  - feed_id: html\n    url: {server.url('/html.zip')}\n{auth}{LOOPBACK}")

    run = run_dag(gtfs_dag)
    assert run.state == "failed"  # two feeds failed; ok published
    req = server.requests_for("/ok.zip")[-1]
    assert req.headers["Authorization"] == SECRET_ENV and f"api_key={SECRET_VAR}" in req.path  # sent
    assert q(conn, "SELECT feed_id, status FROM gtfs.feed_version") == [("ok", "published")]

    seen = {"stdout+stderr": "".join(capsys.readouterr()), "caplog": caplog.text}
    for table, cols in {"gtfs.fetch_log": "*", "gtfs.feed_version": "*", "gtfs.notice": "*",
                        "gtfs.feed": "*"}.items():
        seen[table] = repr(q(conn, f"SELECT {cols} FROM {table}"))
    with db.connect(gtfs_dag_env.dsn) as c:
        report, failures = pipeline.run_summary(c, f"gtfs_feeds/{run.run_id}")
    seen["summary"] = pipeline.format_summary(report) + "\n".join(failures)
    assert "down: " in seen["summary"] and "html: " in seen["summary"]
    # the refused connection's error carried the query string, secret scrubbed
    assert "api_key=***" in q(conn, "SELECT message FROM gtfs.fetch_log WHERE feed_id = 'down'")[0][0]
    home = Path(os.environ["AIRFLOW_HOME"])
    for path in [*home.rglob("*"), *gtfs_dag_env.archive.rglob("*")]:
        if path.is_file():
            seen[str(path)] = path.read_bytes().decode("latin-1")
    logs = [p for p in seen if "/logs/" in p]
    task_output = seen["stdout+stderr"] + seen["caplog"] + "".join(seen[p] for p in logs)
    # the grep is meaningful: the tasks' own log lines were captured, errors included
    assert "feed down" in task_output and "gtfs_feeds run:" in task_output, task_output[-3000:]
    for where, text in seen.items():
        for secret in (SECRET_ENV, SECRET_VAR):
            assert secret not in text, f"{secret} found in {where}"
    print(f"searched {len(seen)} places ({len(logs)} task log files, {len(task_output)} characters of task"
          " output) for the two secrets")


# --- a task process dying after finalize (issue 12) ----------------------------------------------

TASK_SCRIPT = """
import json, sys
from gtfs_pipeline import db, pipeline
conn = db.connect(sys.argv[1])
version = json.loads(sys.argv[3])
if sys.argv[2] == "validate":
    pipeline.run_validation(conn, version, report=False)
else:
    pipeline.publish_version(conn, pipeline.write_report_step(conn, version))
"""


def kill_task_at(dsn: str, task: str, version: dict, point: str) -> None:
    """Run one of the DAG's task functions in its own process, as a worker does, stop it at
    ``point`` (GTFS_PAUSE_AT) and SIGKILL it: an OOM kill or a lost Celery worker."""
    import signal
    import sys

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "plugins"),
           "GTFS_PAUSE_AT": point}
    proc = subprocess.Popen([sys.executable, "-c", TASK_SCRIPT, dsn, task, json.dumps(version)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.strip() == f"gtfs-pipeline: paused at {point} (GTFS_PAUSE_AT)":
            break
    else:
        raise AssertionError(f"the task ended before {point}: {proc.communicate()}")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("recovery", ["dag", "cli"])
@pytest.mark.parametrize("task, point, state", [("validate", "validation", "validating"),
                                                ("publish", "publish", "publishing")])
def test_a_task_dying_after_finalize_leaves_a_version_the_next_days_run_publishes(dsn, conn, server, tmp_path,
                                                                                  task, point, state, recovery):
    import datetime as dt

    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    server.serve("/f.zip", write_feed(tmp_path / "f1.zip", {}).read_bytes())
    job = make_job(server.url("/f.zip"), as_of=today)
    v1 = run_once(conn, job, root, "gtfs_feeds/day0")[0]["feed_version_id"]
    before = fingerprint(conn, v1)
    new_zip = write_feed(tmp_path / "f2.zip", {"stops.txt": STOPS_V2})
    server.serve("/f.zip", new_zip.read_bytes())

    fetched = fetch_job(conn, job, root, run_id="gtfs_feeds/day1")
    (version,) = pipeline.start_versions(conn, [fetched])
    for item in pipeline.load_items([version]):
        pipeline.load_file(conn, item)
    version = pipeline.run_geometry(conn, pipeline.finalize(conn, version))
    if task == "publish":
        version = pipeline.run_validation(conn, version, report=False)
    kill_task_at(dsn, task, version, point)
    dead = version["feed_version_id"]
    assert q(conn, "SELECT status, owner FROM gtfs.feed_version WHERE feed_version_id = %s", dead) == [
        (state, "run:gtfs_feeds/day1")]
    assert assert_consistent(conn) == v1 and fingerprint(conn, v1) == before

    # The same day the run may still be retrying its task: its version stays, the bytes are in hand.
    again = fetch_job(conn, job, root, run_id="gtfs_feeds/day1-manual")
    assert (again["outcome"], again["feed_version_id"], again["recovered"]) == ("unchanged", dead, [])

    # The next day: 24 hours on, the dead run's deadline (12 hours after registering) is past.
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET owner_deadline = owner_deadline - interval '24 hours'"
                    " WHERE feed_version_id = %s", (dead,))
    conn.commit()
    message = ("abandoned while " + state + ": its DAG run (gtfs_feeds/day1) was still not done 12 hours after "
               "registering it (GTFS_STALE_VERSION_AFTER): the run died or was stopped; marked failed by the next "
               "load of the feed")
    if recovery == "dag":
        fetched, report, failures, errors = run_once(conn, job, root, "gtfs_feeds/day2")
        assert (fetched["outcome"], report[0]["state"], failures, errors) == ("new", "published", [], [])
        assert report[0]["recovered"] == [f"version {dead} ({message})"]
        new = fetched["feed_version_id"]
    else:
        from badfeeds import run_cli

        out = run_cli(dsn, "load", str(new_zip), "--feed-id", "f", "--json")
        assert out.returncode == 0, out.stderr
        result = json.loads(out.stdout)
        new = result["feed_version_id"]
        assert result["recovered"] == [{"feed_id": "f", "feed_version_id": dead, "state": state, "message": message}]
    assert q(conn, "SELECT status, failed_step, error FROM gtfs.feed_version WHERE feed_version_id = %s", dead) == [
        ("failed", state, message)]
    recoverer = q(conn, "SELECT recovered_by FROM gtfs.feed_version WHERE feed_version_id = %s", dead)[0][0]
    assert recoverer == "gtfs_feeds/day2" if recovery == "dag" else recoverer.startswith("gtfs-pipeline load (pid ")
    assert assert_consistent(conn) == new != dead
    assert q(conn, "SELECT count(*) FROM gtfs_current.stops") == [(3,)]
    assert fingerprint(conn, v1) == before
