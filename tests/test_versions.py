"""Versions: every load is a new version, retries leave one copy, failures never touch what is published."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import archive, db, geometry, settings, versions
from gtfs_pipeline.errors import FeedError, GtfsPipelineError
from gtfs_pipeline.lifecycle import Owner, Recovered


STOPS_RENAMED = "stop_id,stop_name,stop_lat,stop_lon\nS1,Renamed,52.5,13.4\nS2,Second,52.51,13.41\n"


def scalar(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchone()[0]


def current_stop_names(conn, feed_id="f"):
    with conn.cursor() as cur:
        cur.execute("SELECT s.stop_name FROM gtfs_current.stops s JOIN gtfs.feed_version v USING (feed_version_id)"
                    " WHERE v.feed_id = %s ORDER BY s.stop_id", (feed_id,))
        return [r[0] for r in cur.fetchall()]


def test_init_db_twice_is_a_no_op(conn):
    assert db.init_db(conn) == []
    assert db.init_db(conn) == []


def test_loading_a_file_twice_leaves_one_copy(conn, tmp_path):
    path = write_feed(tmp_path / "f.zip", {})
    plan = versions.start_version(conn, "f", path)
    with archive.open_zip(path) as zf:
        for name in sorted(m["name"] for m in plan.members):
            versions.load_member(conn, plan, zf, name)
        again = versions.load_member(conn, plan, zf, "stop_times.txt")
    assert again.rows == 2
    assert scalar(conn, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = %s", plan.feed_version_id) == 2
    assert scalar(conn, "SELECT count(*) FROM gtfs.feed_version_file WHERE feed_version_id = %s"
                        " AND filename = 'stop_times.txt'", plan.feed_version_id) == 1


def test_each_load_is_a_new_version_and_old_ones_stay(conn, tmp_path):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    v2, _ = versions.load_feed(conn, write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_RENAMED}), "f")
    assert v2 != v1
    assert current_stop_names(conn) == ["Renamed", "Second"]
    assert scalar(conn, "SELECT stop_name FROM gtfs.stops WHERE feed_version_id = %s AND stop_id = 'S1'", v1) == "First"
    assert [(r["feed_version_id"], r["status"]) for r in versions.list_versions(conn, "f")] == [
        (v1, "superseded"), (v2, "published")]


def test_failed_load_leaves_the_published_version_current(conn, tmp_path):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    broken = write_feed(tmp_path / "b.zip", {"trips.txt": "route_id,service_id\nR1,WD\n"})
    with pytest.raises(FeedError, match="file trips.txt, line 1, column trip_id"):
        versions.load_feed(conn, broken, "f")
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") == v1
    assert current_stop_names(conn) == ["First", "Second"]
    failed = [r for r in versions.list_versions(conn, "f") if r["status"] == "failed"]
    assert len(failed) == 1 and "trip_id" in failed[0]["error"]
    # The failed version's rows are gone; the published one's are whole.
    assert scalar(conn, "SELECT count(*) FROM gtfs.stops WHERE feed_version_id = %s", failed[0]["feed_version_id"]) == 0
    assert scalar(conn, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = %s", v1) == 2


def test_corrupt_member_fails_without_touching_published(conn, tmp_path):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    path = write_feed(tmp_path / "b.zip", {})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    # Flip a byte inside stop_times.txt's compressed data: the CRC check fails on read.
    data[info.header_offset + 30 + len(info.filename) + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FeedError, match="stop_times.txt"):
        versions.load_feed(conn, path, "f")
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") == v1


def test_unpublished_version_is_invisible_until_published(conn, tmp_path):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f", publish_version=False)
    assert current_stop_names(conn) == []
    versions.publish(conn, v1)
    assert current_stop_names(conn) == ["First", "Second"]


def test_drop_version_removes_rows_and_refuses_the_published_one(conn, tmp_path):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    v2, _ = versions.load_feed(conn, write_feed(tmp_path / "b.zip", {"routes.txt": MINIMAL["routes.txt"] + "R2,A,2,3\n"}), "f")
    versions.drop_version(conn, v1)
    assert scalar(conn, "SELECT count(*) FROM gtfs.stops WHERE feed_version_id = %s", v1) == 0
    assert scalar(conn, "SELECT to_regclass(%s)", f"gtfs_part.stops_v{v1}") is None
    with pytest.raises(GtfsPipelineError, match="published version of feed f; pass --force"):
        versions.drop_version(conn, v2)
    versions.drop_version(conn, v2, force=True)
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") is None


def test_content_hash_ignores_how_the_zip_was_made(conn, tmp_path):
    a = write_feed(tmp_path / "a.zip", {})
    b = tmp_path / "b.zip"
    with zipfile.ZipFile(a) as src, zipfile.ZipFile(b, "w", zipfile.ZIP_STORED) as dst:
        for name in reversed(src.namelist()):
            dst.writestr("folder/" + name, src.read(name))
    sha_a, content_a, _ = versions.inspect_archive(a, "f")
    sha_b, content_b, _ = versions.inspect_archive(b, "f")
    assert sha_a != sha_b
    assert content_a == content_b


def test_gtfs_current_reads_only_published_partitions_at_plan_time(conn, tmp_path):
    for i in range(3):
        versions.load_feed(conn, write_feed(tmp_path / f"{i}.zip", {}), f"f{i}", geometry=False, validate=False)
    versions.load_feed(conn, write_feed(tmp_path / "u.zip", {}), "f1", geometry=False, validate=False,
                       publish_version=False)
    with conn.cursor() as cur:
        cur.execute("EXPLAIN (COSTS OFF) SELECT * FROM gtfs_current.stop_times")
        scanned = sorted(line.split(" on ")[1].split()[0] for (line,) in cur.fetchall() if " on " in line)
    # Versions 1-3 are published; version 4 (loaded, unpublished) is not even planned.
    assert scanned == ["stop_times_v1", "stop_times_v2", "stop_times_v3"]


def test_parallel_load_gives_the_same_rows_as_a_serial_one(conn, dsn, tmp_path):
    path = write_feed(tmp_path / "a.zip", {})
    serial, serial_results = versions.load_feed(conn, path, "serial", geometry=False, validate=False)
    parallel, parallel_results = versions.load_feed(conn, path, "parallel", geometry=False, validate=False,
                                                    dsn=dsn, jobs=3)
    assert [(r.filename, r.rows) for r in parallel_results] == [(r.filename, r.rows) for r in serial_results]
    with conn.cursor() as cur:
        cur.execute("SELECT trip_id, stop_sequence, arrival_time, line_number FROM gtfs.stop_times"
                    " WHERE feed_version_id = %s ORDER BY 2", (serial,))
        want = cur.fetchall()
        cur.execute("SELECT trip_id, stop_sequence, arrival_time, line_number FROM gtfs.stop_times"
                    " WHERE feed_version_id = %s ORDER BY 2", (parallel,))
        assert cur.fetchall() == want


def test_a_failing_file_in_a_parallel_load_fails_the_version(conn, dsn, tmp_path):
    broken = write_feed(tmp_path / "b.zip", {"trips.txt": "route_id,service_id\nR1,WD\n"})
    with pytest.raises(FeedError, match="file trips.txt, line 1, column trip_id"):
        versions.load_feed(conn, broken, "f", dsn=dsn, jobs=2)
    assert [r["status"] for r in versions.list_versions(conn, "f")] == ["failed"]
    assert scalar(conn, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = 1") == 0


def test_publish_gives_up_behind_a_long_reader_and_changes_nothing(conn, dsn, tmp_path, monkeypatch):
    monkeypatch.setenv("GTFS_PUBLISH_LOCK_TIMEOUT", "200ms")
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f", geometry=False, validate=False)
    v2, _ = versions.load_feed(conn, write_feed(tmp_path / "b.zip", {}), "f", geometry=False, validate=False,
                               publish_version=False)
    reader = db.connect(dsn)
    with reader.cursor() as cur:  # an analyst's open transaction on gtfs_current
        cur.execute("SELECT count(*) FROM gtfs_current.stops")
    try:
        with pytest.raises(GtfsPipelineError, match=f"publishing version {v2} waited longer than 200ms"):
            versions.publish(conn, v2)
    finally:
        reader.close()
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") == v1
    versions.publish(conn, v2)
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") == v2


def test_content_hash_taken_while_loading_equals_the_archive_definition(conn, tmp_path):
    path = write_feed(tmp_path / "a.zip", {"notes.txt": "a,b\n1,2\n", "logo.png": b"\x89PNG..."})
    vid, _ = versions.load_feed(conn, path, "f", geometry=False, validate=False)
    _, content, _ = versions.inspect_archive(path, "f")
    assert scalar(conn, "SELECT content_sha256 FROM gtfs.feed_version WHERE feed_version_id = %s", vid) == content


def test_a_dag_version_left_loading_past_the_stale_age_is_failed_by_the_next_load(conn, tmp_path):
    """A DAG run that died between tasks leaves its version 'loading' with some files loaded: the
    next registration of the feed fails it and frees its rows once its run's deadline (registration
    + GTFS_STALE_VERSION_AFTER) has passed; a younger one may still be finished by its run."""
    path = write_feed(tmp_path / "f.zip", {})
    dead = versions.start_version(conn, "f", path, owner=Owner.run("gtfs_feeds/r1"))  # no session holds it
    with archive.open_zip(path) as zf:
        versions.load_member(conn, dead, zf, "stops.txt")
    alive = versions.start_version(conn, "f", path, owner=Owner.run("gtfs_feeds/r2"))
    assert settings.current().stale_version_after == dt.timedelta(hours=12)
    assert scalar(conn, "SELECT round(extract(epoch FROM owner_deadline - created_at) / 3600) FROM gtfs.feed_version"
                        " WHERE feed_version_id = %s", alive.feed_version_id) == 12
    with conn.cursor() as cur:  # 13 and 11 hours later
        cur.execute("UPDATE gtfs.feed_version SET owner_deadline = owner_deadline - interval '13 hours'"
                    " WHERE feed_version_id = %s", (dead.feed_version_id,))
        cur.execute("UPDATE gtfs.feed_version SET owner_deadline = owner_deadline - interval '11 hours'"
                    " WHERE feed_version_id = %s", (alive.feed_version_id,))
    conn.commit()

    newest = versions.start_version(conn, "f", path, owner=Owner.run("gtfs_feeds/r3"))

    message = ("abandoned while loading: its DAG run (gtfs_feeds/r1) was still not done 12 hours after registering "
               "it (GTFS_STALE_VERSION_AFTER): the run died or was stopped; marked failed by the next load of the "
               "feed")
    with conn.cursor() as cur:
        cur.execute("SELECT feed_version_id, status, error, failed_step, recovered_by FROM gtfs.feed_version"
                    " ORDER BY 1")
        assert cur.fetchall() == [
            (dead.feed_version_id, "failed", message, "loading", "gtfs_feeds/r3"),
            (alive.feed_version_id, "loading", None, None, None),
            (newest.feed_version_id, "loading", None, None, None)]
    assert newest.recovered == (Recovered("f", dead.feed_version_id, "loading", message),)
    assert scalar(conn, "SELECT count(*) FROM gtfs.stops WHERE feed_version_id = %s", dead.feed_version_id) == 0
    assert scalar(conn, "SELECT to_regclass(%s)", f"gtfs_part.stops_v{dead.feed_version_id}") is None


def test_geometry_is_built_beside_validation_on_another_connection(conn, tmp_path, monkeypatch):
    backends = []

    def build(other, vid):
        backends.append(other.info.backend_pid)
        return geometry.build_geometry(other, vid)

    monkeypatch.setattr(versions, "build_geometry", build)
    outcome = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    assert len(backends) == 1 and backends[0] != conn.info.backend_pid
    assert outcome.status == "published"
    assert scalar(conn, "SELECT count(*) FROM gtfs.feed_version_geometry WHERE feed_version_id = %s",
                  outcome.feed_version_id) == 1
    assert scalar(conn, "SELECT validated_at IS NOT NULL FROM gtfs.feed_version WHERE feed_version_id = %s",
                  outcome.feed_version_id) is True
    assert list(outcome.stages) == ["files", "finish", "geometry_and_validation", "publish"]


def test_a_geometry_failing_beside_validation_fails_the_version_and_publishes_nothing(conn, tmp_path, monkeypatch):
    v1, _ = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")

    def broken(other, vid):
        raise GtfsPipelineError("no room for the lines")

    monkeypatch.setattr(versions, "build_geometry", broken)
    with pytest.raises(FeedError, match=r"geometry failed for version \d+: no room for the lines"):
        versions.load_feed(conn, write_feed(tmp_path / "b.zip", {"stops.txt": STOPS_RENAMED}), "f")
    failed = [r for r in versions.list_versions(conn, "f") if r["status"] == "failed"]
    assert [r["error"] for r in failed] == ["geometry failed: no room for the lines"]
    assert scalar(conn, "SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'") == v1
    assert current_stop_names(conn) == ["First", "Second"]


def test_without_a_second_connection_geometry_and_validation_run_one_after_the_other(conn, tmp_path, monkeypatch,
                                                                                     caplog):
    def refused(_conn):
        raise GtfsPipelineError("cannot connect: too many clients already")

    monkeypatch.setattr(db, "sibling", refused)  # (validation falls back to one connection too)
    outcome = versions.load_feed(conn, write_feed(tmp_path / "a.zip", {}), "f")
    assert outcome.status == "published"
    assert scalar(conn, "SELECT count(*) FROM gtfs.feed_version_geometry WHERE feed_version_id = %s",
                  outcome.feed_version_id) == 1
    assert (f"version {outcome.feed_version_id}: geometry, then validation, on one connection:"
            " cannot connect: too many clients already") in caplog.text
