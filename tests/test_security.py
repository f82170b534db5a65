"""Security at the loader: a role without superuser rights does everything, and archive member
names never become file paths."""

from __future__ import annotations

import json
import subprocess
import uuid
import zipfile

import psycopg2
import pytest

from badfeeds import REPO, run_cli
from conftest import _admin, _server_dsn
from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import db
from gtfs_pipeline.localpg import DEFAULT_BINDIR

GRANTS = REPO / "include" / "sql" / "grants.sql"
PSQL = DEFAULT_BINDIR / "psql"


@pytest.fixture
def admin_initialised_db(pg_server):
    """A database where an administrator created PostGIS and ran init-db, and a plain login role."""
    name, role = f"gtfs_sec_{uuid.uuid4().hex[:8]}", f"gtfs_loader_{uuid.uuid4().hex[:8]}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
        cur.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
    admin_dsn = _server_dsn(pg_server, name)
    setup = psycopg2.connect(admin_dsn)
    with setup.cursor() as cur:
        cur.execute("CREATE EXTENSION postgis")
    setup.commit()
    db.init_db(setup)
    setup.close()
    yield admin_dsn, role
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cur.execute(f"DROP ROLE IF EXISTS {role}")
    admin.close()


def as_role(dsn: str, role: str) -> str:
    """The same server and database, logged in as ``role`` (the test cluster trusts local logins)."""
    scheme, rest = dsn.split("://", 1)
    return f"{scheme}://{role}@{rest.split('@', 1)[1]}"


@pytest.mark.skipif(not PSQL.exists(), reason="psql is needed to apply include/sql/grants.sql")
def test_a_role_with_only_the_documented_grants_loads_publishes_and_drops(admin_initialised_db, tmp_path):
    admin_dsn, role = admin_initialised_db
    applied = subprocess.run([str(PSQL), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"role={role}", "-d", admin_dsn,
                              "-f", str(GRANTS)], capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    dsn = as_role(admin_dsn, role)
    with psycopg2.connect(dsn) as check, check.cursor() as cur:
        cur.execute("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (False, False, False)

    assert run_cli(dsn, "init-db").stdout.strip() == "database is up to date"
    first = run_cli(dsn, "load", str(write_feed(tmp_path / "a.zip", {})), "--feed-id", "demo", "--json")
    assert first.returncode == 0, first.stderr
    renamed = MINIMAL["stops.txt"].replace("First", "Renamed")
    second = run_cli(dsn, "load", str(write_feed(tmp_path / "b.zip", {"stops.txt": renamed})), "--feed-id", "demo",
                     "--json")
    assert second.returncode == 0, second.stderr
    dropped = run_cli(dsn, "drop-version", "1")
    assert dropped.returncode == 0, dropped.stderr
    listing = json.loads(run_cli(dsn, "versions", "--json").stdout)
    assert [(v["feed_version_id"], v["status"], v["current"]) for v in listing] == [(2, "published", True)]
    with psycopg2.connect(dsn) as check, check.cursor() as cur:
        cur.execute("SELECT stop_name FROM gtfs_current.stops ORDER BY stop_id")
        assert cur.fetchall() == [("Renamed",), ("Second",)]


def test_zip_member_names_are_never_used_as_paths(dsn, tmp_path):
    """Members named ../.., absolute or with a drive letter: not read, not written anywhere."""
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    outside = tmp_path / f"abs-{uuid.uuid4().hex[:8]}"
    path = write_feed(work / "f.zip", {})
    names = ["../../escaped.txt", "../escaped.txt", f"{outside}/abs.txt", "C:\\escaped.txt", "..\\escaped.txt"]
    with zipfile.ZipFile(path, "a") as zf:
        for name in names:
            zf.writestr(zipfile.ZipInfo(name), b"written by the archive\n")
    before = sorted(p for p in tmp_path.rglob("*"))

    run = run_cli(dsn, "load", str(path), "--feed-id", "f", "--json", cwd=work)
    assert run.returncode == 0, run.stderr

    created = sorted(set(tmp_path.rglob("*")) - set(before))
    assert created == [work / "f-v1-validation.html"]  # the report, named by the loader
    assert not outside.exists()
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT filename, context->>'reason' FROM gtfs.notice WHERE code = 'ignored_member'"
                    " ORDER BY filename")
        assert cur.fetchall() == sorted((n, "unsafe member name (absolute or with ..)") for n in names)


def test_a_feed_id_crafted_as_sql_is_refused_clearly(dsn, tmp_path):
    run = run_cli(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "x'; DROP TABLE gtfs.feed; --")
    assert (run.returncode, run.stderr.strip()) == (
        1, "gtfs-pipeline: error: feed id \"x'; DROP TABLE gtfs.feed; --\" is not allowed: use 1 to 100 letters, "
           "digits, '_', '.' or '-', starting with a letter or digit")
