"""The feed archive on object storage: ``GTFS_ARCHIVE_URL=s3://bucket/prefix``.

S3 is moto's standalone server in its own process on 127.0.0.1 (tests/s3server.py), reached the
documented way: ObjectStoragePath with apache-airflow-providers-amazon[s3fs] and the Airflow
connection named by ``GTFS_ARCHIVE_CONN_ID`` (an ``aws`` connection from ``AIRFLOW_CONN_GTFS_ARCHIVE``,
the keys as login and password, the endpoint in its extra).

The first tests call the DAG's task functions (pipeline.py) in this process, as test_dag_faults
does: fetch stores the zip in the bucket, a load task reads only its member in ranged GETs, publish
writes the report there, a missing or torn archived zip fails the load with one line.

The last test runs the DAG under a real scheduler on the CeleryExecutor (gtfs_pipeline.localairflow):
two workers with one task slot each, each with its own working directory, AIRFLOW_HOME and TMPDIR, so
the bucket and the database are all they share; the load tasks run on both and the two-slot pool holds;
the API server's report plugin serves the report from the bucket; the S3 keys reach no log, XCom or
database. About two minutes, most of it Airflow's start-up. (It is the suite's one Celery run:
bench/airflow_bench.py --executor celery is the benchmark.)
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import psycopg2
import pytest
import requests

from feedbuilder import write_feed
from gtfs_pipeline import localairflow, pipeline
from gtfs_pipeline.errors import FeedError
from httpserver import FeedServer
from s3server import ACCESS_KEY, SECRET_KEY, S3Server, free_port
from test_airflow_scheduler import meta_url, most_at_once  # noqa: F401 - meta_url: a metadata DB on the test server
from test_dag_faults import fetch_job, make_job, q, run_once

REPO = Path(__file__).resolve().parents[1]

BLOCK = 64 * 1024  # GTFS_ARCHIVE_READ_BLOCK_BYTES in these tests
LOADER_READ = 1 << 20  # what the loader asks a member for at a time (csvstream reads 1 MiB chunks)
CONN_ID = "gtfs_archive"


def shapes_csv(points: int) -> str:
    """Random coordinates compress poorly: a zip much larger than one read block."""
    rng = random.Random(7)
    rows = [f"SH1,{52 + rng.random():.6f},{13 + rng.random():.6f},{i}" for i in range(1, points + 1)]
    return "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n" + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with S3Server(tmp_path_factory.mktemp("s3") / "moto.log") as srv:
        yield srv


@pytest.fixture
def archive_url(s3, monkeypatch) -> str:
    """A fresh prefix in the bucket, and the environment a worker has for it."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{CONN_ID.upper()}", s3.airflow_connection())
    monkeypatch.setenv("GTFS_ARCHIVE_CONN_ID", CONN_ID)
    monkeypatch.setenv("GTFS_ARCHIVE_READ_BLOCK_BYTES", str(BLOCK))
    return f"s3://{s3.bucket}/runs/{uuid.uuid4().hex[:8]}"


@pytest.fixture
def big_feed(tmp_path):
    path = write_feed(tmp_path / "f.zip", {"shapes.txt": shapes_csv(300_000)})
    assert path.stat().st_size > 2 * (LOADER_READ + BLOCK)
    return path


@pytest.fixture
def served(big_feed):
    with FeedServer() as srv:
        srv.serve("/f.zip", big_feed.read_bytes())
        yield srv


def test_fetch_stores_the_zip_in_the_bucket_under_its_hash(conn, s3, archive_url, big_feed, served):
    fetched = fetch_job(conn, make_job(served.url("/f.zip")), pipeline.storage_path(archive_url), run_id="r1")
    sha = hashlib.sha256(big_feed.read_bytes()).hexdigest()
    assert (fetched["outcome"], fetched["archive_path"]) == ("new", f"{archive_url}/f/{sha}.zip")
    prefix = archive_url.split("/", 3)[3]
    assert s3.keys(prefix) == [f"{prefix}/f/{sha}.zip"]  # no temporary .part object left
    body = s3.client().get_object(Bucket=s3.bucket, Key=f"{prefix}/f/{sha}.zip")["Body"].read()
    assert body == big_feed.read_bytes()


def test_a_load_task_reads_its_member_in_ranged_reads_never_the_whole_zip(conn, s3, archive_url, big_feed,
                                                                           served):
    fetched = fetch_job(conn, make_job(served.url("/f.zip")), pipeline.storage_path(archive_url), run_id="r1")
    items = {i["member"]: i for i in pipeline.load_items(pipeline.start_versions(conn, [fetched]))}
    key = fetched["archive_path"].removeprefix("s3://")
    size = big_feed.stat().st_size
    with zipfile.ZipFile(big_feed) as zf:
        shapes_compressed = zf.getinfo("shapes.txt").compress_size

    before = len(s3.gets(key))
    pipeline.load_file(conn, items["agency.txt"])  # a small member at the start of a large zip
    small = s3.gets(key)[before:]
    assert small and all(g["range"] and g["status"] == 206 for g in small), small
    assert sum(g["bytes"] for g in small) <= 3 * BLOCK < size  # the directory at the end, and the member

    before = len(s3.gets(key))
    pipeline.load_file(conn, items["shapes.txt"])  # most of the zip's bytes
    large = s3.gets(key)[before:]
    assert all(g["range"] and g["status"] == 206 for g in large), large
    assert max(g["bytes"] for g in large) <= LOADER_READ + BLOCK  # what a task holds: flat, whatever the size
    assert shapes_compressed <= sum(g["bytes"] for g in large) <= shapes_compressed + 4 * BLOCK
    assert q(conn, "SELECT count(*) FROM gtfs.shapes WHERE feed_version_id = %s",
             fetched["feed_version_id"] or items["shapes.txt"]["feed_version_id"]) == [(300_000,)]


def test_a_run_publishes_and_writes_its_report_into_the_bucket(conn, s3, archive_url, served):
    fetched, report, failures, errors = run_once(conn, make_job(served.url("/f.zip")),
                                                 pipeline.storage_path(archive_url), "r1")
    assert (report[0]["state"], failures, errors) == ("published", [], [])
    vid = fetched["feed_version_id"]
    expected = f"{archive_url}/f/f-v{vid}-validation.html"
    assert report[0]["report"] == expected
    assert q(conn, "SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s", vid) == [(expected,)]
    with pipeline.open_archived(expected) as fh:  # what the report plugin serves
        assert fh.read().lstrip().lower().startswith(b"<!doctype html>")


@pytest.mark.parametrize("damage", ["missing", "torn"])
def test_an_archived_zip_gone_or_torn_fails_the_load_task_with_one_line(conn, s3, archive_url, served, damage):
    fetched = fetch_job(conn, make_job(served.url("/f.zip")), pipeline.storage_path(archive_url), run_id="r1")
    items = {i["member"]: i for i in pipeline.load_items(pipeline.start_versions(conn, [fetched]))}
    path = fetched["archive_path"]
    key = path.split("/", 3)[3]
    client = s3.client()
    if damage == "missing":
        client.delete_object(Bucket=s3.bucket, Key=key)
    else:
        body = client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
        client.put_object(Bucket=s3.bucket, Key=key, Body=body[: len(body) // 2])
    with pytest.raises(FeedError) as failed:
        pipeline.load_file(conn, items["stops.txt"])
    expected = {
        "missing": f"feed f, file stops.txt: the archived zip {path} is missing (deleted or moved after the "
                   "fetch); the next run fetches the feed again",
        "torn": f"feed f, file stops.txt: the archived zip {path} is unusable: not a readable zip archive "
                "(it starts like a zip but is truncated or corrupt)",
    }[damage]
    assert str(failed.value) == expected
    error = q(conn, "SELECT error FROM gtfs.feed_version WHERE feed_version_id = %s",
              items["stops.txt"]["feed_version_id"])[0][0]
    assert error.startswith("stops.txt: ") and path in error


# --- the DAG on two Celery workers that share no disk -------------------------------------------

CELERY_FEED_STOP_TIMES = 150_000  # a zip of ~1.6 MB: larger than any one ranged GET may be


def _dump(dsn: str) -> str:
    """Every row of a database as text (pg_dump --data-only), to look for secrets in it."""
    from gtfs_pipeline import settings

    out = subprocess.run([str(settings.current().pg_bindir / "pg_dump"), "--data-only", "--dbname",
                          dsn.replace("postgresql+psycopg2://", "postgresql://")],
                         capture_output=True, text=True, check=True)
    return out.stdout


@pytest.mark.skipif(shutil.which("redis-server") is None,
                    reason="redis-server is not installed (Debian: apt-get install -y redis-server)")
def test_a_dag_run_on_two_celery_workers_with_the_archive_on_s3(tmp_path, dsn, meta_url, s3):
    feed = tmp_path / "big.zip"
    subprocess.run([sys.executable, str(REPO / "bench" / "generate_feed.py"), str(feed), "--stop-times",
                    str(CELERY_FEED_STOP_TIMES), "--seed", "3"], check=True, capture_output=True)
    size = feed.stat().st_size
    assert size > LOADER_READ + 4 * BLOCK
    archive_url = f"s3://{s3.bucket}/celery"
    redis_port = free_port()
    registry = tmp_path / "feeds.yml"
    with FeedServer() as srv:
        srv.serve("/big.zip", feed.read_bytes())
        registry.write_text(f"feeds:\n  - feed_id: big\n    url: {srv.url('/big.zip')}\n    enabled: false\n"
                            "    allow_private_network: true\n")
        # Every process gets the archive and its connection from the environment (never stored in
        # Airflow's database); the GTFS database is the gtfs_db connection.
        extra = {
            "AIRFLOW_CONN_GTFS_DB": dsn,
            f"AIRFLOW_CONN_{CONN_ID.upper()}": s3.airflow_connection(),
            "GTFS_ARCHIVE_URL": archive_url,
            "GTFS_ARCHIVE_CONN_ID": CONN_ID,
            "GTFS_ARCHIVE_READ_BLOCK_BYTES": str(BLOCK),
            "GTFS_FEEDS_REGISTRY": str(registry),
            "GTFS_FETCH_RETRIES": "0",
            "PYTHONPATH": os.pathsep.join([str(REPO / "plugins"), str(REPO / "bench")]),
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta_url.replace("postgresql+psycopg2://", "postgresql://"),
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "1",
        }
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GTFS_", "AIRFLOW"))}
        af = localairflow.LocalAirflow(tmp_path / "airflow", meta_url, REPO / "dags", REPO / "plugins",
                                       executor="CeleryExecutor", extra_env=extra, base_env=base)
        try:
            af.prepare(pool_slots=2)
            af.start_redis(redis_port)
            af.start()
            # One task slot per worker, two pool slots: load tasks run on both; each worker has its
            # own working directory, AIRFLOW_HOME and TMPDIR (nothing shared but the archive and the DB).
            for name in ("worker1", "worker2"):
                af.start_worker(name, tmp_path / name, concurrency=1,
                                extra_env={"GTFS_BENCH_WORKER_NAME": name,
                                           "AIRFLOW__CORE__HOSTNAME_CALLABLE": "celery_worker_name.hostname"})
            af.wait_ready()
            af.airflow("dags", "unpause", localairflow.DAG_ID)
            af.wait_idle()
            af.trigger({"feed_ids": ["big"]}, "s3-run")
            assert af.wait_run("s3-run", 600) == "success"

            tis = af.task_instances("s3-run")
            loads = [t for t in tis if t["task_id"] == "load"]
            assert len(loads) == 11 and {t["state"] for t in loads} == {"success"}
            assert {t["hostname"] for t in loads} == {"worker1", "worker2"}
            # the gtfs_db pool's two slots hold across workers: never more than two of its tasks at once
            pooled = [(t["start_date"], t["end_date"]) for t in tis if t["pool"] == "gtfs_db"]
            assert len(pooled) > 11 and most_at_once(pooled) <= 2
            with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
                cur.execute("SELECT v.feed_version_id, v.status, v.sha256, v.report_path FROM gtfs.feed f"
                            " JOIN gtfs.feed_version v ON v.feed_version_id = f.current_version_id")
                ((vid, status, sha, report_path),) = cur.fetchall()
                cur.execute("SELECT archive_path FROM gtfs.fetch_log WHERE run_id = 'gtfs_feeds/s3-run'")
                assert cur.fetchall() == [(f"{archive_url}/big/{sha}.zip",)]
            conn.close()
            assert status == "published"
            assert set(s3.keys("celery/")) == {f"celery/big/{sha}.zip", f"celery/big/big-v{vid}-validation.html"}

            # every read of the archived zip (skip_unchanged's hash, the eleven load tasks): ranged
            # GETs, none of them the whole zip
            gets = s3.gets(f"{s3.bucket}/celery/big/{sha}.zip")
            assert len(gets) > 11 and all(g["range"] and g["status"] == 206 for g in gets)
            assert max(g["bytes"] for g in gets) <= LOADER_READ + BLOCK < size

            # the report plugin on the API server serves the report from the bucket
            token = requests.get(f"{af.api_url}/auth/token", timeout=30).json()["access_token"]
            page = requests.get(f"{af.api_url}/gtfs-reports/{vid}", cookies={"_token": token}, timeout=60)
            assert page.status_code == 200, page.text[:500]
            stored = s3.client().get_object(Bucket=s3.bucket, Key=f"celery/big/big-v{vid}-validation.html")
            assert page.text == stored["Body"].read().decode("utf-8")
            assert report_path == f"{archive_url}/big/big-v{vid}-validation.html"
        finally:
            af.stop()
    # The keys never reached a log, an XCom or a database.
    logs = [p for p in tmp_path.rglob("*") if p.is_file() and (p.suffix == ".log" or "logs" in p.parts)]
    assert logs
    for secret in (SECRET_KEY, ACCESS_KEY):
        assert [p for p in logs if secret in p.read_text(errors="replace")] == []
        assert secret not in _dump(meta_url)
        assert secret not in _dump(dsn)
