"""What changed between two versions of a feed: per file by primary key, routes, stops, dates."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO
from feedbuilder import write_feed
from gtfs_pipeline import timetable, versions
from gtfs_pipeline.errors import FeedError, GtfsPipelineError

FARES = {
    "fare_attributes.txt": "fare_id,price,currency_type,payment_method,transfers\nF1,2.50,EUR,0,0\n",
}

OLD = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone,agency_phone\n"
                  "A,Agency,https://a.example,Europe/Berlin,111\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\n"
                 "S3,Third,52.52,13.42\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,2,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR2,WD,T2\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n"
                      "T2,09:00:00,09:00:00,S1,1\nT2,09:10:00,09:10:00,S3,2\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WD,1,1,1,1,1,0,0,20240101,20240131\n",
    "fare_rules.txt": "fare_id,route_id\nF1,R1\nF1,R2\n",
    **FARES,
}

NEW = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone,agency_phone\n"
                  "A,Agency,https://a.example,Europe/Berlin,222\n",                      # changed
    # Reordered (line numbers differ, not a change); S2 renamed; S3 gone; S4 new.
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS4,Fourth,52.53,13.43\nS2,Second Street,52.51,13.41\n"
                 "S1,First,52.5,13.4\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR3,A,3,3\n",  # R2 -> R3
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR3,WD,T2\n",                   # T2 changed
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                      "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:12:00,S2,2\nT1,08:20:00,08:20:00,S4,3\n"
                      "T2,09:00:00,09:00:00,S1,1\nT2,09:10:00,09:10:00,S2,2\n",           # 2 changed, 1 added
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                    "WD,1,1,1,1,1,0,0,20240101,20240207\n",                               # a week longer
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20240115,2\n",               # a new file
    "fare_rules.txt": "fare_id,route_id\nF1,R1\nF1,R3\n",                                 # no key: +1 -1
    **FARES,                                                                              # same bytes
}

EXPECTED_FILES = [
    # filename, before, after, added, removed, changed
    ("agency.txt", 1, 1, 0, 0, 1),
    ("stops.txt", 3, 3, 1, 1, 1),
    ("routes.txt", 2, 2, 1, 1, 0),
    ("trips.txt", 2, 2, 0, 0, 1),
    ("stop_times.txt", 4, 5, 1, 0, 2),
    ("calendar.txt", 1, 1, 0, 0, 1),
    ("calendar_dates.txt", 0, 1, 1, 0, 0),
    ("fare_attributes.txt", 1, 1, 0, 0, 0),
    ("fare_rules.txt", 2, 2, 1, 1, 0),
]

EXPECTED_CHANGES = {
    "route_added": ["R3"], "route_removed": ["R2"], "stop_added": ["S4"], "stop_removed": ["S3"],
    "date_gained": [dt.date(2024, 2, d) for d in (1, 2, 5, 6, 7)], "date_lost": [dt.date(2024, 1, 15)],
}


@pytest.fixture
def two_versions(conn, tmp_path):
    old = versions.load_feed(conn, write_feed(tmp_path / "old.zip", OLD, base=None), "f",
                             geometry=False, validate=False).feed_version_id
    new = versions.load_feed(conn, write_feed(tmp_path / "new.zip", NEW, base=None), "f",
                             geometry=False, validate=False).feed_version_id
    return old, new


def file_rows(diff: dict) -> list[tuple]:
    return [tuple(f[c] for c in timetable.DIFF_COLUMNS) for f in diff["files"]]


def test_diff_of_two_versions_gives_exactly_their_edits(conn, two_versions):
    old, new = two_versions
    with conn.cursor() as cur:
        diff = timetable.compute_diff(cur, old, new)
    conn.rollback()
    assert file_rows(diff) == EXPECTED_FILES
    assert diff["changes"] == EXPECTED_CHANGES


def test_diff_the_other_way_round_swaps_added_and_removed(conn, two_versions):
    old, new = two_versions
    with conn.cursor() as cur:
        diff = timetable.compute_diff(cur, new, old)
    conn.rollback()
    assert file_rows(diff) == [(f, after, before, removed, added, changed)
                               for f, before, after, added, removed, changed in EXPECTED_FILES]
    assert diff["changes"]["route_added"] == ["R2"]
    assert diff["changes"]["date_gained"] == [dt.date(2024, 1, 15)]


def test_publishing_writes_the_diff_against_the_superseded_version(conn, two_versions):
    old, new = two_versions
    with conn.cursor() as cur:
        stored = timetable.stored_diff(cur, new)
        first = timetable.stored_diff(cur, old)
        cur.execute("SELECT filename, rows_added FROM gtfs_current.feed_version_diff ORDER BY filename")
        current = cur.fetchall()
    conn.rollback()
    assert stored["previous_version_id"] == old
    assert file_rows(stored) == EXPECTED_FILES
    assert stored["changes"] == EXPECTED_CHANGES
    assert first is None  # the feed's first version superseded nothing
    assert current == sorted((f, added) for f, _, _, added, _, _ in EXPECTED_FILES)


def test_a_version_identical_to_the_previous_one_changes_nothing(conn, tmp_path):
    a = versions.load_feed(conn, write_feed(tmp_path / "a.zip", OLD, base=None), "a",
                           geometry=False, validate=False).feed_version_id
    b = versions.load_feed(conn, write_feed(tmp_path / "b.zip", OLD, base=None), "b",
                           geometry=False, validate=False).feed_version_id
    with conn.cursor() as cur:
        diff = timetable.compute_diff(cur, a, b)
    conn.rollback()
    assert all(f["rows_added"] == f["rows_removed"] == f["rows_changed"] == 0 for f in diff["files"])
    assert [f["rows_after"] for f in diff["files"]] == [1, 3, 2, 2, 4, 1, 1, 2]
    assert diff["changes"] == {k: [] for k in timetable.CHANGE_KINDS}


def test_diff_refuses_a_failed_version(conn, two_versions, tmp_path):
    old, _ = two_versions
    with pytest.raises(FeedError):  # no stop_times.txt: recorded as a failed version
        versions.load_feed(conn, write_feed(tmp_path / "bad.zip", OLD, base=None, drop=("stop_times.txt",)), "f")
    failed = max(v["feed_version_id"] for v in versions.list_versions(conn, "f"))
    with conn.cursor() as cur, pytest.raises(GtfsPipelineError) as err:
        timetable.compute_diff(cur, old, failed)
    assert str(err.value) == (f"feed version {failed} is failed: only a version whose files are all loaded "
                              "can be compared")


def run_cli(dsn, *args):
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn}
    return subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_diff_prints_the_changes(dsn, two_versions):
    old, new = two_versions
    proc = run_cli(dsn, "diff", str(old), str(new))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"version {new} against version {old}:",
        "  agency.txt: 1 -> 1 rows, +0 added, -0 removed, ~1 changed",
        "  stops.txt: 3 -> 3 rows, +1 added, -1 removed, ~1 changed",
        "  routes.txt: 2 -> 2 rows, +1 added, -1 removed, ~0 changed",
        "  trips.txt: 2 -> 2 rows, +0 added, -0 removed, ~1 changed",
        "  stop_times.txt: 4 -> 5 rows, +1 added, -0 removed, ~2 changed",
        "  calendar.txt: 1 -> 1 rows, +0 added, -0 removed, ~1 changed",
        "  calendar_dates.txt: 0 -> 1 rows, +1 added, -0 removed, ~0 changed",
        "  fare_rules.txt: 2 -> 2 rows, +1 added, -1 removed, ~0 changed",
        "  route added (1): R3",
        "  route removed (1): R2",
        "  stop added (1): S4",
        "  stop removed (1): S3",
        "  date gained (5): 2024-02-01..2024-02-02, 2024-02-05..2024-02-07",
        "  date lost (1): 2024-01-15",
    ]
    proc = run_cli(dsn, "diff", str(old), str(new), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [tuple(f[c] for c in timetable.DIFF_COLUMNS) for f in report["files"]] == EXPECTED_FILES
    assert report["changes"]["date_lost"] == ["2024-01-15"]


def test_the_run_summary_line_says_what_the_publish_changed(conn, two_versions):
    old, new = two_versions
    with conn.cursor() as cur:
        line = timetable.summary_line(cur, new)
        first = timetable.summary_line(cur, old)
    conn.rollback()
    assert line == (f"changes against version {old}: agency.txt +0 -0 ~1, stops.txt +1 -1 ~1, routes.txt +1 -1 ~0, "
                    "trips.txt +0 -0 ~1, stop_times.txt +1 -0 ~2, calendar.txt +0 -0 ~1, calendar_dates.txt +1 -0 ~0, "
                    "fare_rules.txt +1 -1 ~0; 1 route added, 1 route removed, 1 stop added, 1 stop removed, "
                    "5 date gained, 1 date lost")
    assert first is None
    from gtfs_pipeline.pipeline import format_summary
    entry = {"feed_id": "f", "state": "published", "kind": "url", "as_of": "2024-01-01", "feed_version_id": new,
             "rows": 17, "message": None, "report": None, "recovered": [], "changes": line}
    assert format_summary([entry]).splitlines()[1:] == [
        f"  f: published version {new} (url, as of 2024-01-01, 17 rows)", f"    {line}"]


def test_the_report_section_compares_an_unpublished_version_with_the_current_one(conn, two_versions, tmp_path):
    old, new = two_versions
    third = versions.load_feed(conn, write_feed(tmp_path / "third.zip", OLD, base=None), "f", geometry=False,
                               validate=False, publish_version=False).feed_version_id
    with conn.cursor() as cur:
        title, body = timetable.report_section(cur, third)
        published_title, published_body = timetable.report_section(cur, new)
    conn.rollback()
    assert title == published_title == "What changed"
    assert f"Against version {new}," in body  # the current version, not yet a stored diff
    assert "<li>route added (1): R2</li>" in body and "<li>date gained (1): 2024-01-15</li>" in body
    assert f"Against version {old}," in published_body
    assert ("<tr><td>stop_times.txt</td><td class='n'>4</td><td class='n'>5</td><td class='n'>1</td>"
            "<td class='n'>0</td><td class='n'>2</td></tr>") in published_body
