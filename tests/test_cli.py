"""The gtfs-pipeline command, run as a user runs it: a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO
from feedbuilder import write_feed
from gtfs_pipeline import db


def run(dsn, *args, env=None):
    environment = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn, **(env or {})}
    return subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", *args], capture_output=True, text=True,
                          env=environment, timeout=120)


def test_load_prints_a_per_file_table_and_the_version(dsn, tmp_path):
    proc = run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["file", "rows", "seconds", "notices", "path", "encoding"]
    assert any(line.split()[:2] == ["stop_times.txt", "2"] for line in lines)
    assert lines[-1].startswith("feed demo: version 1 published in ")


def test_load_json_reports_every_file(dsn, tmp_path):
    proc = run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo", "--json", "--no-publish")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["feed_version_id"] == 1
    assert report["status"] == "loaded"
    assert {f["filename"]: f["rows"] for f in report["files"]} == {
        "agency.txt": 1, "stops.txt": 2, "routes.txt": 1, "trips.txt": 1, "stop_times.txt": 2, "calendar.txt": 1}


def test_a_bad_feed_exits_non_zero_with_one_clear_line(dsn, tmp_path):
    page = tmp_path / "feed.zip"
    page.write_text("<html>Service unavailable</html>")
    proc = run(dsn, "load", str(page), "--feed-id", "demo")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        "gtfs-pipeline: error: feed demo: not a readable zip archive (it starts with b'<html>Service unavailable</htm'"
        ": an error page or API response, not a feed)"]
    assert "Traceback" not in proc.stderr


def test_no_database_configured_is_a_clear_error(tmp_path):
    proc = run("", "versions", env={"GTFS_DATABASE_URL": ""})
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("gtfs-pipeline: error: no database given: set GTFS_DATABASE_URL (e.g. "
                                   "postgresql://user@host:5432/gtfs) or GTFS_DATABASE_URL_FILE, or pass --dsn-file / --dsn")


def test_the_database_url_from_a_file_keeps_it_off_the_command_line(dsn, tmp_path):
    secret = tmp_path / "gtfs-db-url"
    secret.write_text(dsn + "\n")
    by_option = run("", "--dsn-file", str(secret), "versions", "--json")
    by_env = run("", "versions", "--json", env={"GTFS_DATABASE_URL_FILE": str(secret)})
    assert (by_option.returncode, by_option.stdout.strip()) == (0, "[]"), by_option.stderr
    assert (by_env.returncode, by_env.stdout.strip()) == (0, "[]"), by_env.stderr
    missing = run("", "--dsn-file", str(tmp_path / "nope"), "versions")
    assert (missing.returncode, missing.stderr.strip()) == (
        1, f"gtfs-pipeline: error: cannot read the database URL file {tmp_path / 'nope'} (--dsn-file): "
           "No such file or directory")


@pytest.mark.parametrize("given, shown", [
    ("host=h password='pa ss word' user=u", "host=h password=*** user=u"),
    ("host=h password='it\\'s a secret' dbname=x", "host=h password=*** dbname=x"),
    ("host=h PASSWORD = bare user=u", "host=h PASSWORD = *** user=u"),
    ("postgresql://u:p@ss@h:5432/db", "postgresql://u:***@h:5432/db"),
    ("postgresql://u@h/db?password=abc&sslmode=require", "postgresql://u@h/db?password=***&sslmode=require"),
])
def test_redact_dsn_hides_bare_quoted_and_url_passwords(given, shown):
    assert db.redact_dsn(given) == shown


def test_unreachable_database_hides_the_password(tmp_path):
    proc = run("postgresql://gtfs:s3cret-pw@127.0.0.1:1/gtfs", "versions")
    assert proc.returncode == 1
    assert "s3cret-pw" not in proc.stderr
    assert "cannot connect to postgresql://gtfs:***@127.0.0.1:1/gtfs" in proc.stderr


def test_versions_export_and_drop(dsn, tmp_path):
    assert run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo").returncode == 0
    listing = json.loads(run(dsn, "versions", "--json").stdout)
    assert [(v["feed_version_id"], v["feed_id"], v["status"], v["current"]) for v in listing] == [
        (1, "demo", "published", True)]
    out = tmp_path / "out.zip"
    proc = run(dsn, "export", "1", str(out))
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(out) as zf:
        assert zf.read("stop_times.txt").decode() == (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n")
    refused = run(dsn, "drop-version", "1")
    assert refused.returncode == 1 and "pass --force" in refused.stderr
    assert run(dsn, "drop-version", "1", "--force").returncode == 0
    assert json.loads(run(dsn, "versions", "--json").stdout) == []


def test_load_writes_a_validation_report_next_to_the_zip(dsn, tmp_path):
    proc = run(dsn, "load", str(write_feed(tmp_path / "f.zip", {})), "--feed-id", "demo")
    assert proc.returncode == 0, proc.stderr
    report = tmp_path / "demo-v1-validation.html"
    assert f"validation report: {report}" in proc.stdout.splitlines()
    assert report.read_text().startswith("<!DOCTYPE html>")


def test_a_version_blocked_by_policy_stays_loaded_and_exits_non_zero(dsn, tmp_path):
    # A route without names is a validation ERROR (route_both_short_and_long_name_missing).
    feed = write_feed(tmp_path / "f.zip", {"routes.txt": "route_id,agency_id,route_type\nR1,A,3\n"})
    proc = run(dsn, "load", str(feed), "--feed-id", "demo", "--block-on", "error")
    assert proc.returncode == 1
    assert "gtfs-pipeline: error: feed demo: version 1 loaded but not published: block_on=error:" in proc.stderr
    assert "route_both_short_and_long_name_missing (1)" in proc.stderr
    listing = json.loads(run(dsn, "versions", "--json").stdout)
    assert [(v["feed_version_id"], v["status"], v["current"]) for v in listing] == [(1, "loaded", False)]
