"""The timetable: service days, arrivals and departures with true timestamps, the departures function.

Expected instants are computed here independently of the database, with Python's zoneinfo: a
GTFS time counts from "noon minus 12 h" of the service date in the agency's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest

from conftest import SHARED_FEEDS
from feedbuilder import write_feed
from gtfs_pipeline import db, versions

UTC = dt.timezone.utc
NEW_YORK = "America/New_York"


def noon_minus_12h(date: dt.date, tz: str) -> dt.datetime:
    """The GTFS reference's origin of a service day's times, in UTC (aware arithmetic in UTC, not
    on the wall clock)."""
    return dt.datetime.combine(date, dt.time(12), tzinfo=ZoneInfo(tz)).astimezone(UTC) - dt.timedelta(hours=12)


def gtfs_time(text: str) -> dt.timedelta:
    h, m, s = (int(x) for x in text.split(":"))
    return dt.timedelta(hours=h, minutes=m, seconds=s)


def load(conn, tmp_path, files: dict, *, feed_id="f", drop=(), name="feed.zip") -> int:
    outcome = versions.load_feed(conn, write_feed(tmp_path / name, files, drop=drop), feed_id,
                                 geometry=False, validate=False)
    return outcome.feed_version_id


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        result = cur.fetchall()
    conn.rollback()
    return result


AGENCY_NY = f"agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,{NEW_YORK}\n"
DST_DATES = [dt.date(2024, 3, 9), dt.date(2024, 3, 10), dt.date(2024, 11, 2), dt.date(2024, 11, 3)]
DST_TIMES = {"T0030": "00:30:00", "T0130": "01:30:00", "T0230": "02:30:00", "T2530": "25:30:00"}


def dst_feed() -> dict:
    return {
        "agency.txt": AGENCY_NY,
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,First,40.7,-74.0\nS2,Second,40.71,-74.01\n",
        "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\n",
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(f"R1,DST,{t}\n" for t in DST_TIMES),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
            f"{t},{v},{v},S1,1\n" for t, v in DST_TIMES.items()),
        "calendar_dates.txt": "service_id,date,exception_type\n" + "".join(
            f"DST,{d:%Y%m%d},1\n" for d in DST_DATES),
    }


def test_t_departure_counts_from_noon_minus_12h_on_daylight_saving_days(conn, tmp_path):
    vid = load(conn, tmp_path, dst_feed(), drop=("calendar.txt",))
    got = {(d, trip): t for d, trip, t in rows(
        conn, "SELECT date, trip_id, t_departure FROM gtfs.arrivals_departures WHERE feed_version_id = %s", vid)}
    expected = {(d, trip): noon_minus_12h(d, NEW_YORK) + gtfs_time(v) for d in DST_DATES
                for trip, v in DST_TIMES.items()}
    assert got == expected
    # Spring forward (2024-03-10): the service day starts at 23:00 EST the evening before, so
    # "02:30:00" is 01:30 EST (06:30 UTC) and "25:30:00" is 01:30 EDT on 03-11 (05:30 UTC).
    assert got[(dt.date(2024, 3, 10), "T0230")] == dt.datetime(2024, 3, 10, 6, 30, tzinfo=UTC)
    assert got[(dt.date(2024, 3, 10), "T2530")] == dt.datetime(2024, 3, 11, 5, 30, tzinfo=UTC)
    # Fall back (2024-11-03): the day starts at 01:00 EDT, so "00:30:00" is 01:30 EDT (05:30 UTC).
    assert got[(dt.date(2024, 11, 3), "T0030")] == dt.datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    assert got[(dt.date(2024, 11, 3), "T0230")] == dt.datetime(2024, 11, 3, 7, 30, tzinfo=UTC)
    # An ordinary day: noon minus 12 h is midnight.
    assert got[(dt.date(2024, 3, 9), "T0030")] == dt.datetime(2024, 3, 9, 5, 30, tzinfo=UTC)


def test_service_days_from_calendar_and_its_exceptions(conn, tmp_path):
    vid = load(conn, tmp_path, {
        "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\n",
        "calendar.txt": (
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
            "WD,1,1,1,1,1,0,0,20240101,20240112\n"      # Mon 1 Jan .. Fri 12 Jan
            "NEVER,0,0,0,0,0,0,0,20240101,20241231\n"   # no weekday: runs on no date
            "GONE,0,0,1,0,0,0,0,20240101,20240107\n"    # Wed 3 Jan only, removed below
        ),
        "calendar_dates.txt": (
            "service_id,date,exception_type\n"
            "WD,20240103,2\n"       # removed: Wed 3 Jan
            "WD,20240106,1\n"       # added: Sat 6 Jan
            "WD,20240105,1\n"       # added on a day it runs anyway: once
            "GONE,20240103,2\n"
            "EXTRA,20240201,1\n"    # a service only in calendar_dates.txt
        ),
    })
    got = rows(conn, "SELECT service_id, date FROM gtfs.service_days WHERE feed_version_id = %s"
                     " ORDER BY service_id, date", vid)
    wd = [dt.date(2024, 1, d) for d in (1, 2, 4, 5, 6, 8, 9, 10, 11, 12)]
    assert got == [("EXTRA", dt.date(2024, 2, 1))] + [("WD", d) for d in wd]
    assert rows(conn, "SELECT services, services_without_days, service_days, first_date, last_date"
                      " FROM gtfs.feed_version_timetable WHERE feed_version_id = %s", vid) == [
        (4, 2, 11, dt.date(2024, 1, 1), dt.date(2024, 2, 1))]


def test_a_calendar_dates_only_feed_runs_on_its_added_dates(conn, tmp_path):
    vid = load(conn, tmp_path, {
        "calendar_dates.txt": "service_id,date,exception_type\nWD,20240301,1\nWD,20240304,1\nWD,20240305,2\n",
    }, drop=("calendar.txt",))
    assert rows(conn, "SELECT service_id, date FROM gtfs.service_days WHERE feed_version_id = %s ORDER BY date",
                vid) == [("WD", dt.date(2024, 3, 1)), ("WD", dt.date(2024, 3, 4))]
    assert rows(conn, "SELECT date, stop_id, t_departure FROM gtfs.arrivals_departures"
                      " WHERE feed_version_id = %s AND stop_id = 'S2' ORDER BY date", vid) == [
        (dt.date(2024, 3, 1), "S2", noon_minus_12h(dt.date(2024, 3, 1), "Europe/Berlin") + gtfs_time("08:11:00")),
        (dt.date(2024, 3, 4), "S2", noon_minus_12h(dt.date(2024, 3, 4), "Europe/Berlin") + gtfs_time("08:11:00"))]


FREQUENCY_DAY = dt.date(2024, 1, 2)


def frequency_feed() -> dict:
    return {
        "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,F0\nR1,WD,F1\n",
        "stop_times.txt": (
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
            "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n"
            # Templates: only the offsets from the first stop time count.
            "F0,10:00:00,10:00:00,S1,1\nF0,10:05:00,10:06:00,S2,2\n"
            "F1,00:00:00,00:00:00,S1,1\nF1,00:07:00,00:07:30,S2,2\n"
        ),
        "frequencies.txt": (
            "trip_id,start_time,end_time,headway_secs,exact_times\n"
            "F0,06:00:00,07:00:00,1200,0\n"     # 06:00 06:20 06:40 (a run starts before end_time)
            "F0,07:00:00,07:30:00,900,0\n"      # 07:00 07:15
            "F1,23:00:00,24:31:00,1800,1\n"     # 23:00 23:30 24:00 24:30
        ),
    }


def expand(frequencies: list[tuple[str, str, str, int, int]], stop_times: dict[str, list[tuple]]) -> set:
    """An independent expansion: (trip, stop, exact_times, run start, departure) per run and stop time."""
    out = set()
    for trip, start, end, headway, exact in frequencies:
        first = gtfs_time(stop_times[trip][0][2])
        run = gtfs_time(start)
        while run < gtfs_time(end):
            for stop, _arr, dep in stop_times[trip]:
                out.add((trip, stop, exact, run, run + gtfs_time(dep) - first))
            run += dt.timedelta(seconds=headway)
    return out


def test_frequency_trips_expand_to_one_run_per_headway(conn, tmp_path):
    vid = load(conn, tmp_path, frequency_feed())
    got = rows(conn, "SELECT trip_id, stop_id, exact_times, frequency_start_time, departure_time, t_departure"
                     " FROM gtfs.arrivals_departures WHERE feed_version_id = %s AND date = %s"
                     " AND exact_times IS NOT NULL", vid, FREQUENCY_DAY)
    expected = expand(
        [("F0", "06:00:00", "07:00:00", 1200, 0), ("F0", "07:00:00", "07:30:00", 900, 0),
         ("F1", "23:00:00", "24:31:00", 1800, 1)],
        {"F0": [("S1", "10:00:00", "10:00:00"), ("S2", "10:05:00", "10:06:00")],
         "F1": [("S1", "00:00:00", "00:00:00"), ("S2", "00:07:00", "00:07:30")]})
    assert {r[:5] for r in got} == expected
    assert len(got) == len(expected) == 18
    base = noon_minus_12h(FREQUENCY_DAY, "Europe/Berlin")
    assert all(t == base + dep for *_, dep, t in got)
    # The scheduled trip is there once, without a run start.
    assert rows(conn, "SELECT trip_id, exact_times, frequency_start_time FROM gtfs.arrivals_departures"
                      " WHERE feed_version_id = %s AND date = %s AND stop_id = 'S1' AND trip_id = 'T1'",
                vid, FREQUENCY_DAY) == [("T1", None, None)]


def test_an_empty_exact_times_is_frequency_based(conn, tmp_path):
    feed = frequency_feed()
    feed["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs\nF0,06:00:00,06:30:00,1200\n"
    vid = load(conn, tmp_path, feed)
    base = noon_minus_12h(FREQUENCY_DAY, "Europe/Berlin")
    assert rows(conn, "SELECT trip_id, exact_times, departure_time FROM gtfs.departures(%s, 'S1', %s, %s)",
                vid, base + gtfs_time("06:00:00"), base + gtfs_time("07:00:00")) == [
        ("F0", 0, gtfs_time("06:00:00")), ("F0", 0, gtfs_time("06:20:00"))]


def test_departures_in_a_window_in_order_with_frequencies(conn, tmp_path):
    vid = load(conn, tmp_path, frequency_feed())
    base = noon_minus_12h(FREQUENCY_DAY, "Europe/Berlin")
    got = rows(conn, "SELECT t_departure, trip_id, route_short_name, exact_times"
                     " FROM gtfs.departures(%s, 'S2', %s, %s)",
               vid, base + gtfs_time("06:26:00"), base + gtfs_time("08:11:00"))
    # [from, to): 08:11 (T1 at S2) is the end, left out.
    assert got == [(base + gtfs_time(t), trip, "1", exact) for t, trip, exact in [
        ("06:26:00", "F0", 0), ("06:46:00", "F0", 0), ("07:06:00", "F0", 0), ("07:21:00", "F0", 0)]]


def test_departures_reach_the_previous_service_days_times_past_24h(conn, tmp_path):
    vid = load(conn, tmp_path, frequency_feed())
    # Runs of F1 at "24:00:00" and "24:30:00" of 2 Jan depart on 3 Jan; 3 Jan's own runs are later.
    base = noon_minus_12h(FREQUENCY_DAY, "Europe/Berlin")
    got = rows(conn, "SELECT date, departure_time, t_departure FROM gtfs.departures(%s, 'S1', %s, %s)",
               vid, base + gtfs_time("24:00:00"), base + gtfs_time("25:00:00"))
    assert got == [(FREQUENCY_DAY, gtfs_time(t), base + gtfs_time(t)) for t in ("24:00:00", "24:30:00")]


def test_departures_of_a_station_include_its_platforms_with_headsigns(conn, tmp_path):
    vid = load(conn, tmp_path, {
        "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                      "ST,Station,52.5,13.4,1,\nP1,Platform 1,52.5,13.4,0,ST\nP2,Platform 2,52.5,13.4,0,ST\n"
                      "S2,Second,52.51,13.41,0,\n"),
        "trips.txt": "route_id,service_id,trip_id,trip_headsign\nR1,WD,T1,North\nR1,WD,T2,South\n",
        "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
                           "T1,08:00:00,08:00:00,P1,1,\nT1,08:10:00,08:11:00,S2,2,\n"
                           "T2,07:50:00,07:55:00,P2,1,Via Platform 2\nT2,08:10:00,08:10:00,S2,2,\n"),
    })
    base = noon_minus_12h(dt.date(2024, 1, 2), "Europe/Berlin")
    window = (base + gtfs_time("07:00:00"), base + gtfs_time("09:00:00"))
    assert rows(conn, "SELECT stop_id, trip_id, headsign, t_departure FROM gtfs.departures(%s, 'ST', %s, %s)",
                vid, *window) == [("P2", "T2", "Via Platform 2", base + gtfs_time("07:55:00")),
                                  ("P1", "T1", "North", base + gtfs_time("08:00:00"))]
    assert rows(conn, "SELECT stop_id FROM gtfs.departures(%s, 'ST', %s, %s, false)", vid, *window) == []


def test_times_are_in_the_agency_time_zone_and_the_stop_time_zone_is_a_column(conn, tmp_path):
    vid = load(conn, tmp_path, {
        "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,stop_timezone\n"
                      "S1,First,52.5,13.4,0,,\nST,Station,51.5,0.0,1,,Europe/London\n"
                      "S2,Platform,51.5,0.0,0,ST,Europe/Lisbon\n"),
    })
    day = dt.date(2024, 1, 2)
    got = rows(conn, "SELECT stop_id, timezone, stop_timezone, t_arrival FROM gtfs.arrivals_departures"
                     " WHERE feed_version_id = %s AND date = %s ORDER BY stop_sequence", vid, day)
    # S2 inherits its station's time zone; its times are still Berlin's (the reference).
    assert got == [("S1", "Europe/Berlin", "Europe/Berlin", noon_minus_12h(day, "Europe/Berlin") + gtfs_time("08:00:00")),
                   ("S2", "Europe/Berlin", "Europe/London", noon_minus_12h(day, "Europe/Berlin") + gtfs_time("08:10:00"))]


def test_an_unknown_agency_time_zone_leaves_instants_null(conn, tmp_path):
    vid = load(conn, tmp_path, {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,Mars/Olympus\n",
    })
    assert rows(conn, "SELECT timezone, given_timezone, service_days FROM gtfs.feed_version_timetable"
                      " WHERE feed_version_id = %s", vid) == [(None, "Mars/Olympus", 262)]
    assert rows(conn, "SELECT count(*), count(t_departure) FROM gtfs.arrivals_departures"
                      " WHERE feed_version_id = %s AND date = '2024-01-02'", vid) == [(2, 0)]


def test_finalize_builds_the_indexes_the_queries_use(conn, tmp_path):
    vid = load(conn, tmp_path, {})
    indexes = {r[0]: r[1] for r in rows(
        conn, "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'gtfs_part'"
              " AND tablename IN (%s, %s, %s, %s)", f"stop_times_v{vid}", f"trips_v{vid}", f"stops_v{vid}",
        f"service_days_v{vid}")}
    assert {name: d.split(" USING ")[1] for name, d in indexes.items() if not name.endswith("_key")} == {
        f"stop_times_v{vid}_stop_departure_idx": "btree (stop_id, departure_time)",
        f"trips_v{vid}_route_idx": "btree (route_id)",
        f"trips_v{vid}_service_idx": "btree (service_id)",
        f"stops_v{vid}_parent_idx": "btree (parent_station)",
        f"service_days_v{vid}_pkey": "btree (feed_version_id, service_id, date)",
        f"service_days_v{vid}_feed_version_id_t_base_idx": "btree (feed_version_id, t_base)",
    }
    with conn.cursor() as cur:
        cur.execute("SET enable_seqscan = off")
        cur.execute("EXPLAIN SELECT * FROM gtfs.arrivals_departures WHERE feed_version_id = %s"
                    " AND stop_id = 'S1' AND date = '2024-01-02'", (vid,))
        plan = "\n".join(r[0] for r in cur.fetchall())
    conn.rollback()
    assert f"stop_times_v{vid}_stop_departure_idx" in plan


def test_gtfs_current_shows_the_published_version_only(conn, tmp_path):
    load(conn, tmp_path, {}, name="a.zip")
    later = {"stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                                "T1,09:00:00,09:00:00,S1,1\nT1,09:10:00,09:11:00,S2,2\n")}
    v2 = load(conn, tmp_path, later, name="b.zip")
    base = noon_minus_12h(dt.date(2024, 1, 2), "Europe/Berlin")
    assert rows(conn, "SELECT trip_id, departure_time FROM gtfs_current.departures('f', 'S1', %s, %s)",
                base, base + dt.timedelta(hours=24)) == [("T1", gtfs_time("09:00:00"))]
    assert rows(conn, "SELECT DISTINCT feed_version_id FROM gtfs_current.arrivals_departures") == [(v2,)]
    assert rows(conn, "SELECT DISTINCT feed_version_id FROM gtfs_current.service_days") == [(v2,)]
    assert rows(conn, "SELECT count(*) FROM gtfs_current.departures('nope', 'S1', %s, %s)",
                base, base + dt.timedelta(hours=24)) == [(0,)]


def test_dropping_a_version_drops_its_timetable(conn, tmp_path):
    v1 = load(conn, tmp_path, {}, name="a.zip")
    load(conn, tmp_path, {"stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,A,52.5,13.4\nS2,B,52.5,13.4\n"},
         name="b.zip")
    versions.drop_version(conn, v1)
    assert rows(conn, "SELECT to_regclass(%s)", f"gtfs_part.service_days_v{v1}") == [(None,)]
    assert rows(conn, "SELECT count(*) FROM gtfs.feed_version_timetable WHERE feed_version_id = %s", v1) == [(0,)]
    assert rows(conn, "SELECT count(*) FROM gtfs.service_days WHERE feed_version_id = %s", v1) == [(0,)]


def test_a_retried_finalize_rebuilds_the_same_service_days(conn, tmp_path):
    vid = load(conn, tmp_path, {})
    before = rows(conn, "SELECT service_id, date, t_base FROM gtfs.service_days WHERE feed_version_id = %s"
                        " ORDER BY date", vid)
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET status = 'validating' WHERE feed_version_id = %s", (vid,))
    conn.commit()
    versions.finish_version(conn, vid)
    assert rows(conn, "SELECT service_id, date, t_base FROM gtfs.service_days WHERE feed_version_id = %s"
                      " ORDER BY date", vid) == before
    assert len(before) == 262


# --- on the shared real feeds ------------------------------------------------------------------

def _members(zf) -> dict[str, str]:
    """GTFS name -> member path (files may sit in a subfolder; macOS junk is not a member)."""
    out = {}
    for name in zf.namelist():
        if name.startswith("__MACOSX/") or name.endswith("/"):
            continue
        out.setdefault(name.rsplit("/", 1)[-1], name)
    return out


def _records(zf, members, name):
    if name not in members:
        return
    with zf.open(members[name]) as raw:
        reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
        for row in reader:
            yield {(k or "").strip(): (v or "").strip() for k, v in row.items()}


def _seconds(text: str) -> int | None:
    if not text:
        return None
    h, m, s = (int(x) for x in text.split(":"))
    return h * 3600 + m * 60 + s


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def count_from_zip(path: Path, stops: int = 3, dates: int = 3) -> tuple[dict, list, list]:
    """An independent count, with the csv module, of the stop times per (stop, service date):
    calendar.txt's weekdays from start to end date, less calendar_dates.txt's removals, plus its
    additions; a trip of frequencies.txt once per run (a run every headway_secs from start_time
    while it starts before end_time). Returns ({(stop, date): count} for a few stops and dates
    (the busiest stop, a median one, the quietest; the first, middle and last date), stops, dates)."""
    with zipfile.ZipFile(path) as zf:
        members = _members(zf)
        days: dict[str, set] = {}
        for r in _records(zf, members, "calendar.txt"):
            flags = [r[d] == "1" for d in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                           "sunday")]
            d, end = _date(r["start_date"]), _date(r["end_date"])
            while d <= end:
                if flags[d.weekday()]:
                    days.setdefault(r["service_id"], set()).add(d)
                d += dt.timedelta(days=1)
        for r in _records(zf, members, "calendar_dates.txt"):
            if r["exception_type"] == "2":
                days.get(r["service_id"], set()).discard(_date(r["date"]))
        for r in _records(zf, members, "calendar_dates.txt"):
            if r["exception_type"] == "1":
                days.setdefault(r["service_id"], set()).add(_date(r["date"]))
        service: dict[str, str] = {}
        for r in _records(zf, members, "trips.txt"):
            service.setdefault(r["trip_id"], r["service_id"])
        runs: dict[str, int] = {}
        for r in _records(zf, members, "frequencies.txt"):
            start, end, headway = _seconds(r["start_time"]), _seconds(r["end_time"]), int(r["headway_secs"])
            runs[r["trip_id"]] = runs.get(r["trip_id"], 0)  # in frequencies.txt: only its runs count
            if headway > 0 and end > start:
                runs[r["trip_id"]] += -(-(end - start) // headway)
        seen = set()
        per_trip_stop: dict[tuple[str, str], int] = {}
        for r in _records(zf, members, "stop_times.txt"):
            key = (r["trip_id"], int(r["stop_sequence"]))
            if key in seen or not r.get("stop_id"):
                continue
            seen.add(key)
            k = (r["trip_id"], r["stop_id"])
            per_trip_stop[k] = per_trip_stop.get(k, 0) + 1
    per_stop_date: dict[tuple[str, dt.date], int] = {}
    for (trip, stop), n in per_trip_stop.items():
        if trip not in service:
            continue
        n *= runs.get(trip, 1)
        for d in days.get(service[trip], ()):
            per_stop_date[(stop, d)] = per_stop_date.get((stop, d), 0) + n
    totals: dict[str, int] = {}
    for (stop, _d), n in per_stop_date.items():
        totals[stop] = totals.get(stop, 0) + n
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    chosen_stops = sorted({ranked[0], ranked[len(ranked) // 2], ranked[-1]}) if ranked else []
    all_dates = sorted({d for ds in days.values() for d in ds})
    chosen_dates = sorted({all_dates[0], all_dates[len(all_dates) // 2], all_dates[-1]}) if all_dates else []
    counts = {(s, d): per_stop_date.get((s, d), 0) for s in chosen_stops for d in chosen_dates}
    return counts, chosen_stops, chosen_dates


SHARED = sorted(p.name for p in SHARED_FEEDS.glob("*.zip")) if SHARED_FEEDS.is_dir() else []


# What the timetable reads: the other members are left out of the copies loaded (shapes.txt is
# most of the rest), which saves a quarter of the load time.
TIMETABLE_MEMBERS = {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                     "calendar_dates.txt", "frequencies.txt", "locations.geojson"}


def timetable_copy(source: Path, target: Path) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename.rsplit("/", 1)[-1] in TIMETABLE_MEMBERS and not info.filename.startswith("__MACOSX/"):
                zout.writestr(info, zin.read(info))
    return target


@pytest.fixture(scope="module")
def shared_loaded(shared_feeds, pg_server, template_db, tmp_path_factory):
    """All shared feeds loaded into one database: (connection, {zip name: feed_version_id})."""
    folder = tmp_path_factory.mktemp("timetable-feeds")
    name = f"gtfs_tt_shared_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    c = db.connect(pg_server.rsplit("/", 1)[0] + "/" + name)
    ids = {feed: versions.load_feed(c, timetable_copy(shared_feeds / feed, folder / feed), feed.rsplit("-", 1)[0],
                                    geometry=False, validate=False).feed_version_id for feed in SHARED}
    yield c, ids
    c.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.mark.parametrize("feed", SHARED or ["(no shared feeds)"])
def test_departures_per_stop_and_date_match_a_count_from_the_zip(shared_loaded, shared_feeds, feed):
    c, ids = shared_loaded
    expected, stops, dates = count_from_zip(shared_feeds / feed)
    if not stops:  # GTFS-Flex (c-tran-flex): its stop times name zones (location_id), no stop
        assert rows(c, "SELECT count(stop_id) FROM gtfs.arrivals_departures WHERE feed_version_id = %s",
                    ids[feed]) == [(0,)]
        assert rows(c, "SELECT count(*) > 0 FROM gtfs.arrivals_departures WHERE feed_version_id = %s",
                    ids[feed]) == [(True,)]
        return
    got = {(s, d): n for s, d, n in rows(
        c, "SELECT stop_id, date, count(*) FROM gtfs.arrivals_departures WHERE feed_version_id = %s"
           " AND stop_id = ANY(%s) AND date = ANY(%s) GROUP BY 1, 2", ids[feed], stops, dates)}
    assert {k: got.get(k, 0) for k in expected} == expected
    # The function finds the same stop times of the busiest (stop, date) that have a departure time.
    (stop, day), n = max(expected.items(), key=lambda kv: (kv[1], kv[0]))
    with_time = rows(c, "SELECT count(*) FROM gtfs.arrivals_departures WHERE feed_version_id = %s AND stop_id = %s"
                        " AND date = %s AND t_departure IS NOT NULL", ids[feed], stop, day)[0][0]
    base = rows(c, "SELECT min(t_base) FROM gtfs.service_days WHERE feed_version_id = %s AND date = %s",
                ids[feed], day)[0][0]
    found = rows(c, "SELECT count(*) FROM gtfs.departures(%s, %s, %s, %s, false) WHERE date = %s",
                 ids[feed], stop, base, base + dt.timedelta(hours=100), day)[0][0]
    assert found == with_time
