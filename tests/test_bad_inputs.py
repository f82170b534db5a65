"""The bad-input corpus (tests/badfeeds.py), each case loaded by the real command over a published feed.

For every case: the good version of feed ``f`` is published; the bad zip is loaded
by `gtfs-pipeline load` in its own process; then

- the exit code and the one error line are exactly the case's (``fail``/``blocked``),
  or the version is published with exactly the case's loader notices (``load``);
- the good version's rows (every gtfs table, by feed_version_id) are byte-for-byte
  what they were;
- when the bad version is not published, every gtfs_current view is byte-for-byte
  what it was (nothing of it is visible), and a failed version left no partition.

One database and one good version serve all cases: a case that publishes is
followed by publishing the good version again, and that is checked too.
"""

from __future__ import annotations

import json
import uuid
import zipfile

import psycopg2
import pytest

from badfeeds import BOMB_BYTES, CASES, FEED_ID, good_zip, published_snapshot, run_cli, version_snapshot
from conftest import _admin, _server_dsn
from gtfs_pipeline import db, versions

# A load of the minimal feed peaks near 32 MiB (Python, psycopg2, the library). A bomb case
# must stay well under the bomb's 64 MiB: nothing of it is ever held in memory.
BOMB_PEAK_RSS_KIB = 48 * 1024


@pytest.fixture(scope="module")
def corpus(pg_server, template_db, tmp_path_factory):
    """A database where the good version of feed f is loaded (by the command) and published."""
    name = f"gtfs_bad_{uuid.uuid4().hex[:8]}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    dsn = _server_dsn(pg_server, name)
    good = tmp_path_factory.mktemp("good") / "good.zip"
    good_zip(good)
    run = run_cli(dsn, "load", str(good), "--feed-id", FEED_ID, "--json")
    assert run.returncode == 0, run.stderr
    good_id = json.loads(run.stdout)["feed_version_id"]
    conn = db.connect(dsn)
    state = {"dsn": dsn, "conn": conn, "good": good_id, "published": published_snapshot(conn),
             "good_rows": version_snapshot(conn, good_id), "peak_rss_kib": {}}
    yield state
    conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def scalar(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        value = cur.fetchone()[0]
    conn.rollback()
    return value


def loader_notices(conn, version_id) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute("SELECT code, count(*) FROM gtfs.notice WHERE feed_version_id = %s AND source = 'loader'"
                    " GROUP BY code", (version_id,))
        out = dict(cur.fetchall())
    conn.rollback()
    return out


def partitions_of(conn, version_id) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'gtfs_part' AND c.relname ~ %s ORDER BY 1", (f"_v{int(version_id)}(_|$)",))
        out = [r[0] for r in cur.fetchall()]
    conn.rollback()
    return out


def latest_version(conn) -> int:
    return scalar(conn, "SELECT max(feed_version_id) FROM gtfs.feed_version WHERE feed_id = %s", FEED_ID)


@pytest.fixture
def good_is_current(corpus):
    """Each case starts with the good version current, whatever the previous case did."""
    conn = corpus["conn"]
    if scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", FEED_ID) != corpus["good"]:
        versions.publish(conn, corpus["good"])
    return corpus


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(good_is_current, case, tmp_path):
    corpus = good_is_current
    conn = corpus["conn"]
    before = latest_version(conn)
    path = tmp_path / f"{case.name}.zip"
    case.build(path)

    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--report-dir", str(tmp_path),
                  env=case.env)
    corpus["peak_rss_kib"][case.name] = run.peak_rss_kib
    assert "Traceback" not in run.stderr, run.stderr
    new = latest_version(conn)
    assert new == before + 1  # every attempt is recorded as a version, failed or not

    if case.outcome == "fail":
        assert (run.returncode, run.error_line) == (1, f"gtfs-pipeline: error: {case.message}"), run.stderr
        assert scalar(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", new) == "failed"
        assert scalar(conn, "SELECT error FROM gtfs.feed_version WHERE feed_version_id = %s", new) == case.message
        assert partitions_of(conn, new) == []
    elif case.outcome == "blocked":
        message = case.message.format(vid=new)
        assert (run.returncode, run.error_line) == (1, f"gtfs-pipeline: error: {message}"), run.stderr
        assert scalar(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", new) == "loaded"
        assert loader_notices(conn, new) == case.notices
    else:
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["feed_version_id"] == new
        assert loader_notices(conn, new) == case.notices
        for code, count in case.rule_notices.items():
            assert scalar(conn, "SELECT count(*) FROM gtfs.notice WHERE feed_version_id = %s AND code = %s",
                          new, code) == count, code
        assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", FEED_ID) == new
        assert scalar(conn, "SELECT count(*) FROM gtfs_current.stops WHERE feed_version_id = %s",
                      corpus["good"]) == 0

    # The good version's own rows never change, whatever happened to the bad one.
    assert version_snapshot(conn, corpus["good"]) == corpus["good_rows"]
    if case.outcome == "load":
        versions.publish(conn, corpus["good"])  # for the next case
    # What users query is the good version, byte for byte.
    assert published_snapshot(conn) == corpus["published"]


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("name", ["zip_bomb", "zip_bomb_lying_size"])
def test_a_zip_bomb_is_stopped_without_holding_it_in_memory(corpus, name, tmp_path):
    """64 MiB of stop_times in a 64 KiB member: the load stops, and its process never holds the bomb."""
    case = next(c for c in CASES if c.name == name)
    path = tmp_path / "bomb.zip"
    case.build(path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    assert BOMB_BYTES // info.compress_size >= 1000  # it really expands 1000 times
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", env=case.env)
    assert run.returncode == 1
    assert run.peak_rss_kib < BOMB_PEAK_RSS_KIB, run.peak_rss_kib


def test_sql_in_header_names_is_stored_as_data(corpus, tmp_path):
    """The crafted header names end up as jsonb keys and notice values, never as SQL."""
    case = next(c for c in CASES if c.name == "header_sql_quote")
    path = tmp_path / "f.zip"
    case.build(path)
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    conn = corpus["conn"]
    vid = json.loads(run.stdout)["feed_version_id"]
    assert scalar(conn, "SELECT field_name FROM gtfs.notice WHERE feed_version_id = %s AND code = 'unknown_column'",
                  vid) == "x'); DROP TABLE gtfs.feed; --"
    assert scalar(conn, "SELECT count(*) FROM gtfs.feed") == 1
    with pytest.raises(psycopg2.errors.UndefinedColumn):
        scalar(conn, "SELECT \"x'); DROP TABLE gtfs.feed; --\" FROM gtfs.stops")
