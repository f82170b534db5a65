"""The report of `gtfs-pipeline load` (a separate process, as a user runs it): where it goes, the
path the version records, and the status it shows once publish has decided."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO
from feedbuilder import write_feed

STOPS_V2 = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n"


def run(dsn, *args, cwd=None):
    environment = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn}
    return subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=120, cwd=cwd)


def report_path(conn, vid: int = 1) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
        (path,), = cur.fetchall()
    conn.rollback()
    return path


def test_report_dir_that_does_not_exist_is_created_and_holds_the_report(dsn, conn, tmp_path):
    feed = write_feed(tmp_path / "f.zip", {})

    proc = run(dsn, "load", str(feed), "--feed-id", "demo", "--report-dir", "reports/new", cwd=tmp_path)

    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "reports" / "new").iterdir()) == ["demo-v1-validation.html"]
    assert f"validation report: {tmp_path}/reports/new/demo-v1-validation.html" in proc.stdout.splitlines()


def test_the_version_records_the_reports_absolute_path(dsn, conn, tmp_path):
    feed = write_feed(tmp_path / "f.zip", {})

    assert run(dsn, "load", str(feed), "--feed-id", "demo", "--report-dir", "out", cwd=tmp_path).returncode == 0

    assert report_path(conn) == f"{tmp_path}/out/demo-v1-validation.html"


def test_a_report_dir_that_is_a_file_is_refused_with_one_line(dsn, tmp_path):
    feed = write_feed(tmp_path / "f.zip", {})
    (tmp_path / "taken").write_text("not a folder")

    proc = run(dsn, "load", str(feed), "--feed-id", "demo", "--report-dir", str(tmp_path / "taken"))

    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        f"gtfs-pipeline: error: feed demo: report failed for version 1: --report-dir {tmp_path}/taken: "
        "a file of that name exists; give a folder")
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_a_published_versions_report_says_published(dsn, tmp_path):
    proc = run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo")

    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "demo-v1-validation.html").read_text()
    assert "<td id='status'>published</td>" in text
    assert "<td id='decision'>published: the current version of the feed</td>" in text


def test_a_blocked_versions_report_says_loaded_and_why(dsn, tmp_path):
    # A route without names is a validation ERROR (route_both_short_and_long_name_missing).
    feed = write_feed(tmp_path / "f.zip", {"routes.txt": "route_id,agency_id,route_type\nR1,A,3\n"})

    proc = run(dsn, "load", str(feed), "--feed-id", "demo", "--block-on", "error")

    assert proc.returncode == 1
    text = (tmp_path / "demo-v1-validation.html").read_text()
    assert "<td id='status'>loaded</td>" in text
    assert ("<td id='decision'>not published: blocked by validation: block_on=error: 1 ERROR notices: "
            "route_both_short_and_long_name_missing (1)</td>") in text


def test_the_report_of_a_version_a_newer_one_superseded_says_superseded(dsn, tmp_path):
    assert run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo").returncode == 0
    proc = run(dsn, "load", str(write_feed(tmp_path / "g.zip", {"stops.txt": STOPS_V2})), "--feed-id", "demo",
               "--report-dir", str(tmp_path))

    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "demo-v1-validation.html").read_text()
    assert "<td id='status'>superseded</td>" in text
    assert "<td id='decision'>published, then superseded by a newer version</td>" in text


def test_a_superseded_versions_report_that_is_gone_does_not_fail_the_load_that_supersedes_it(dsn, tmp_path):
    assert run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo").returncode == 0
    (tmp_path / "demo-v1-validation.html").unlink()  # a user cleaned up old reports
    proc = run(dsn, "load", str(write_feed(tmp_path / "g.zip", {"stops.txt": STOPS_V2})), "--feed-id", "demo",
               "--report-dir", str(tmp_path))

    assert proc.returncode == 0, proc.stderr
    assert (f"version 1 (superseded): its report {tmp_path / 'demo-v1-validation.html'} is gone;"
            " its status is not rewritten") in proc.stderr
    assert "<td id='status'>published</td>" in (tmp_path / "demo-v2-validation.html").read_text()
    assert not (tmp_path / "demo-v1-validation.html").exists()
