"""Test set-up: a real PostgreSQL + PostGIS server that the test run starts itself.

If GTFS_TEST_DATABASE_URL names a server (CI starts one in .ci/run), it is used;
otherwise a throwaway cluster is created in a temporary folder. Every test that
asks for ``dsn`` gets its own database, cloned from a template on which
``init-db`` already ran.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_FEEDS = Path(os.environ.get("GTFS_SHARED_FEEDS", REPO.parent / "shared" / "feeds"))

# Airflow reads its configuration at import time: isolate it before anything imports it.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="gtfs-airflow-home-"))
os.environ.setdefault("AIRFLOW_HOME", str(_AIRFLOW_HOME))
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{_AIRFLOW_HOME}/airflow.db")
sys.path[:0] = [str(REPO / "plugins"), str(REPO / "dags"), str(REPO / "tests")]

import psycopg2  # noqa: E402
import pytest  # noqa: E402

from gtfs_pipeline import db  # noqa: E402

TEMPLATE_DB = "gtfs_test_template"


def _server_dsn(base: str, dbname: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """DSN of the server's maintenance database (postgres)."""
    given = os.environ.get("GTFS_TEST_DATABASE_URL")
    if given:
        yield _server_dsn(given, "postgres")
        return
    from gtfs_pipeline.localpg import LocalClusterError, start_cluster

    datadir = tmp_path_factory.mktemp("pg") / "data"
    try:
        cluster = start_cluster(datadir)
    except LocalClusterError as exc:
        pytest.exit(f"cannot start a local PostgreSQL cluster: {exc}", returncode=3)
    yield _server_dsn(cluster.dsn, "postgres")
    cluster.stop()


def _admin(server_dsn: str):
    conn = psycopg2.connect(server_dsn)
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def template_db(pg_server):
    conn = _admin(pg_server)
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}")
        cur.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    conn.close()
    dsn = _server_dsn(pg_server, TEMPLATE_DB)
    setup = psycopg2.connect(dsn)
    with setup.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    setup.commit()
    db.init_db(setup)
    setup.close()
    return TEMPLATE_DB


@pytest.fixture
def dsn(pg_server, template_db, monkeypatch):
    """A fresh database with the gtfs schema, just for this test."""
    name = f"gtfs_t_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    url = _server_dsn(pg_server, name)
    monkeypatch.setenv(db.DSN_ENV, url)
    yield url
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture
def conn(dsn):
    c = db.connect(dsn)
    yield c
    c.close()


@pytest.fixture(scope="session")
def shared_feeds() -> Path:
    if not SHARED_FEEDS.is_dir():
        pytest.skip(f"the shared real-feed corpus is not here ({SHARED_FEEDS} is absent): "
                    "these tests run only in the project's own workspace")
    return SHARED_FEEDS


@pytest.fixture(scope="session")
def shared_corpus(pg_server, template_db, shared_feeds):
    """(connection to one database for the whole session, cache of loaded shared feeds): the geometry and
    validation checks of the shared feeds share their loads (tests/test_geometry_shared_feeds.py's built())."""
    name = f"gtfs_corpus_{uuid.uuid4().hex[:10]}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    conn = db.connect(_server_dsn(pg_server, name))
    yield conn, {}
    conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def end_session(connection, dsn: str, timeout: float = 30) -> None:
    """Close a connection as a dying process would, and wait until its backend has exited. The
    server frees the session's advisory locks only then, a moment after the client closes (longer
    on a busy machine), so a test that next asks "is that load still running?" must wait."""
    pid = connection.get_backend_pid()
    connection.close()
    watcher = psycopg2.connect(dsn)
    watcher.autocommit = True
    try:
        deadline = time.monotonic() + timeout
        with watcher.cursor() as cur:
            while True:
                cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
                if cur.fetchone()[0] == 0:
                    return
                assert time.monotonic() < deadline, f"backend {pid} still running {timeout} s after close"
                time.sleep(0.05)
    finally:
        watcher.close()
