"""Rules added for parity with MobilityData's validator (issue 14): one behaviour per test, exact counts.

Each test loads a small feed (tests/feedbuilder.py's MINIMAL with files replaced), validates it on
TODAY and compares the whole {code: count} mapping, then the notices of the rule under test.
"""

from __future__ import annotations

import datetime as dt

from feedbuilder import write_feed
from gtfs_pipeline import validation, versions

TODAY = dt.date(2024, 6, 1)
FEED_INFO = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email\n"
             "P,https://p.example,en,20240101,20241231,1,data@p.example\n")
CALENDAR_HEADER = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"

# The codes whose rules these tests specify (test_validation checks that every rule has an exact expectation).
PARITY_CODES = {
    "trip_coverage_not_active_for_next7_days", "service_has_no_active_day_of_the_week", "missing_timepoint_value",
    "missing_recommended_field", "mixed_case_recommended_field", "big_gap_in_service",
    "service_extends_far_in_the_future", "future_calendar", "service_window_outside_feed_period",
    "feed_valid_beyond_total_service_window", "future_feed", "same_name_and_description_for_stop",
    "missing_bike_allowance", "stop_without_zone_id", "trip_headsign_matches_intermediate_stop",
    "trip_with_shape_dist_traveled_but_no_shape_distances", "unsorted_stop_times",
    "missing_pickup_drop_off_booking_rule_id", "fast_travel_between_far_stops",
}


def validate(conn, tmp_path, files, drop=()):
    files = {"feed_info.txt": FEED_INFO, **files}
    vid, _ = versions.load_feed(conn, write_feed(tmp_path / "f.zip", files, drop=drop), "f",
                                publish_version=False, geometry=False)
    result = validation.validate_version(conn, vid, today=TODAY)
    assert result["failed"] == {}
    return vid, result["counts"]


def notices(conn, vid, code):
    with conn.cursor() as cur:
        cur.execute("SELECT filename, line_number, field_name, value, context FROM gtfs.notice"
                    " WHERE feed_version_id = %s AND code = %s ORDER BY filename, line_number, field_name", (vid, code))
        return cur.fetchall()


def trips_with_stop_times(services: dict[str, str]) -> dict[str, str]:
    """trips.txt (route R1) and two stop times per trip, for {trip_id: service_id}."""
    trips = "route_id,service_id,trip_id\n" + "".join(f"R1,{s},{t}\n" for t, s in services.items())
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"{t},08:00:00,08:00:00,S1,1\n{t},08:10:00,08:10:00,S2,2\n" for t in services)
    return {"trips.txt": trips, "stop_times.txt": st}


# MAIN runs four trips every day until 5 June; TAIL one trip (T5) every day until the end of the year.
COVERAGE_CALENDAR = CALENDAR_HEADER + "MAIN,1,1,1,1,1,1,1,20240501,20240605\nTAIL,1,1,1,1,1,1,1,20240501,20241231\n"
COVERAGE_TRIPS = {"T1": "MAIN", "T2": "MAIN", "T3": "MAIN", "T4": "MAIN", "T5": "TAIL"}
# feed_info's period starts with the services (else feed_valid_beyond_total_service_window).
COVERAGE_FEED_INFO = FEED_INFO.replace("20240101,", "20240501,")


def test_trip_coverage_majority_window_ends_within_7_days(conn, tmp_path):
    # 245 dates: 36 with 5 trips, 209 with 1. The reference count is the sorted counts' index
    # max(floor(0.9 x 245), 245 - 30) = 220: 5 trips, so a majority date has at least floor(0.75 x 5) = 3.
    # The window 1 May - 5 June ends before 1 June + 7 days: one notice, for the feed.
    vid, counts = validate(conn, tmp_path, {"calendar.txt": COVERAGE_CALENDAR, "feed_info.txt": COVERAGE_FEED_INFO,
                                            **trips_with_stop_times(COVERAGE_TRIPS)})
    assert counts == {"trip_coverage_not_active_for_next7_days": 1}
    assert notices(conn, vid, "trip_coverage_not_active_for_next7_days") == [
        (None, None, None, None, {"currentDate": "2024-06-01", "serviceWindowStartDate": "2024-05-01",
                                  "serviceWindowEndDate": "2024-06-05"})]


def test_trip_coverage_counts_a_frequency_trip_once_per_headway(conn, tmp_path):
    # T5 runs every 600 s from 06:00 to 08:00: 1 + (7200 - 1) / 600 = 12 trips a day. MAIN's dates have 16,
    # TAIL's 12 >= floor(0.75 x 16): the window runs to 31 December, no notice.
    frequencies = "trip_id,start_time,end_time,headway_secs\nT5,06:00:00,08:00:00,600\n"
    vid, counts = validate(conn, tmp_path, {"calendar.txt": COVERAGE_CALENDAR, "frequencies.txt": frequencies,
                                            "feed_info.txt": COVERAGE_FEED_INFO, **trips_with_stop_times(COVERAGE_TRIPS)})
    assert counts == {}


def test_service_starting_after_the_validation_date(conn, tmp_path):
    # The only service starts on Monday 3 June: the majority window starts after the validation date
    # (trip_coverage_not_active_for_next7_days), so does every service (future_calendar), and feed_info's period
    # starts 154 days before the service (feed_valid_beyond_total_service_window).
    calendar = CALENDAR_HEADER + "WD,1,1,1,1,1,0,0,20240603,20241231\n"
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar})
    assert counts == {"trip_coverage_not_active_for_next7_days": 1, "future_calendar": 1,
                      "feed_valid_beyond_total_service_window": 1}
    assert notices(conn, vid, "trip_coverage_not_active_for_next7_days")[0][4] == {
        "currentDate": "2024-06-01", "serviceWindowStartDate": "2024-06-03", "serviceWindowEndDate": "2024-12-31"}
    assert notices(conn, vid, "future_calendar")[0][4] == {"minServiceStartDate": "2024-06-03", "currentDate": "2024-06-01"}
    assert notices(conn, vid, "feed_valid_beyond_total_service_window") == [
        ("feed_info.txt", 2, None, None, {"feedStartDate": "2024-01-01", "feedEndDate": "2024-12-31",
                                          "serviceWindowStartDate": "2024-06-03", "serviceWindowEndDate": "2024-12-31"})]


def test_service_has_no_active_day_of_the_week(conn, tmp_path):
    # NONE has every day 0, also when calendar_dates.txt adds a date to it; SAT runs on one day.
    calendar = CALENDAR_HEADER + ("WD,1,1,1,1,1,0,0,20240101,20241231\nNONE,0,0,0,0,0,0,0,20240101,20241231\n"
                                  "SAT,0,0,0,0,0,1,0,20240101,20241231\n")
    calendar_dates = "service_id,date,exception_type\nNONE,20240704,1\n"
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar, "calendar_dates.txt": calendar_dates,
                                            **trips_with_stop_times({"T1": "WD", "T2": "NONE", "T3": "SAT"})})
    assert counts == {"service_has_no_active_day_of_the_week": 1}
    assert notices(conn, vid, "service_has_no_active_day_of_the_week") == [
        ("calendar.txt", 3, "service_id", "NONE", {"serviceId": "NONE"})]


def test_missing_timepoint_value_only_with_times_and_a_timepoint_column(conn, tmp_path):
    # Line 2: times, timepoint empty (reported). Line 3: no times, timepoint empty (not). Lines 4 and 5:
    # timepoint 0 and 1 with times (not).
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint\n"
          "T1,08:00:00,08:00:00,S1,1,\nT1,,,S2,2,\nT1,08:20:00,08:20:00,S1,3,0\nT1,08:30:00,08:30:00,S2,4,1\n")
    vid, counts = validate(conn, tmp_path, {"stop_times.txt": st})
    assert counts == {"missing_timepoint_value": 1}
    assert notices(conn, vid, "missing_timepoint_value") == [
        ("stop_times.txt", 2, "timepoint", None, {"tripId": "T1", "stopSequence": 1})]


def test_missing_timepoint_value_not_without_the_column(conn, tmp_path):
    # MobilityData: legacy feeds without stop_times.timepoint are not reported.
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n"
    vid, counts = validate(conn, tmp_path, {"stop_times.txt": st})
    assert counts == {}


def test_missing_recommended_field(conn, tmp_path):
    # The only agency has no agency_id, nor have route R1 and fare F1; fare_media M1 is a transit card (type 2)
    # without a name, M2 a paper ticket (type 1, no name needed). feed_info.txt has no feed_version column, and
    # line 3 leaves feed_end_date empty.
    files = {
        "agency.txt": "agency_name,agency_url,agency_timezone\nAgency,https://a.example,Europe/Berlin\n",
        "routes.txt": "route_id,route_short_name,route_type\nR1,1,3\n",
        "fare_attributes.txt": "fare_id,price,currency_type,payment_method,transfers\nF1,2.5,EUR,0,\n",
        "fare_media.txt": "fare_media_id,fare_media_name,fare_media_type\nM1,,2\nM2,,1\n",
        "feed_info.txt": ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date\n"
                          "P,https://p.example,en,20240101,20241231\nP,https://p.example,en,20240101,\n"),
    }
    vid, counts = validate(conn, tmp_path, files)
    assert counts == {"missing_recommended_field": 7, "more_than_one_entity": 1,
                      "missing_feed_info_date": 1, "missing_feed_contact_email_and_url": 2}
    assert [n[:3] for n in notices(conn, vid, "missing_recommended_field")] == [
        ("agency.txt", 2, "agency_id"), ("fare_attributes.txt", 2, "agency_id"), ("fare_media.txt", 2, "fare_media_name"),
        ("feed_info.txt", 2, "feed_version"), ("feed_info.txt", 3, "feed_end_date"), ("feed_info.txt", 3, "feed_version"),
        ("routes.txt", 2, "agency_id")]


def test_missing_recommended_field_not_for_agency_id_with_two_agencies(conn, tmp_path):
    # With two agencies a route's agency_id is required (MobilityData: missing_required_agency_id), not recommended.
    agency = ("agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,Europe/Berlin\n"
              "B,Other,https://b.example,Europe/Berlin\n")
    vid, counts = validate(conn, tmp_path, {"agency.txt": agency, "routes.txt": "route_id,route_short_name,route_type\nR1,1,3\n"})
    assert "missing_recommended_field" not in counts


# Each trip's headsign is a case of MobilityData's mixed-case test: (headsign, reported).
HEADSIGNS = [
    ("main", True),              # one token, all lower case
    ("Main", False), ("MAIN", False),  # one token: only all-lower is reported
    ("x", False),                # one letter
    ("MAIN STREET", True),       # two tokens, neither mixed
    ("Main STREET", False),      # one mixed token is enough
    ("1st avenue", True),        # "", "st", "avenue": the empty first token counts, as in Java's split
    ("A B C", False),            # single letters do not count: fewer than two tokens
    ("4 - 12", False),           # no letters, no tokens
    ("ÉCOLE CENTRALE", True), ("École Centrale", False),  # Unicode case
    ("青森 駅前", True),          # letters without case: no token is mixed
    ("main", True),              # the same value on another trip: reported again
]


def test_mixed_case_recommended_field(conn, tmp_path):
    trips = "route_id,service_id,trip_id,trip_headsign\n" + "".join(
        f"R1,WD,T{i},{h}\n" for i, (h, _) in enumerate(HEADSIGNS, 1))
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"T{i},08:00:00,08:00:00,S1,1\nT{i},08:10:00,08:10:00,S2,2\n" for i in range(1, len(HEADSIGNS) + 1))
    vid, counts = validate(conn, tmp_path, {"trips.txt": trips, "stop_times.txt": st})
    assert counts == {"mixed_case_recommended_field": 6}
    assert [(n[1], n[2], n[3]) for n in notices(conn, vid, "mixed_case_recommended_field")] == [
        (i + 1, "trip_headsign", h) for i, (h, reported) in enumerate(HEADSIGNS, 1) if reported]


def test_big_gap_in_service(conn, tmp_path):
    # DAILY runs every day of 2024 but 1-14 March (14 days: reported) and 1-13 May (13 days: not). CDO, in
    # calendar_dates.txt only, has 30 days between its two dates: services of calendar.txt only are looked at.
    calendar = CALENDAR_HEADER + "WD,1,1,1,1,1,0,0,20240101,20241231\nDAILY,1,1,1,1,1,1,1,20240101,20241231\n"
    removed = [f"202403{d:02d}" for d in range(1, 15)] + [f"202405{d:02d}" for d in range(1, 14)]
    calendar_dates = ("service_id,date,exception_type\n" + "".join(f"DAILY,{d},2\n" for d in removed)
                      + "CDO,20240101,1\nCDO,20240201,1\n")
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar, "calendar_dates.txt": calendar_dates})
    assert counts == {"big_gap_in_service": 1}
    assert notices(conn, vid, "big_gap_in_service") == [
        ("calendar.txt", 3, "service_id", "DAILY",
         {"serviceId": "DAILY", "gapStartDate": "2024-02-29", "gapEndDate": "2024-03-15", "gapDurationDays": 14})]


def test_service_extends_far_in_the_future(conn, tmp_path):
    # 1 June 2024 + 730 days is 1 June 2026: END730 is not reported, END731 is. LONG runs until 2099 but its last
    # day is removed: its last date is 30 December 2099 (found without listing 75 years of dates).
    calendar = CALENDAR_HEADER + ("WD,1,1,1,1,1,0,0,20240101,20241231\nEND730,1,1,1,1,1,1,1,20240101,20260601\n"
                                  "END731,1,1,1,1,1,1,1,20240101,20260602\nLONG,1,1,1,1,1,1,1,20240101,20991231\n")
    calendar_dates = "service_id,date,exception_type\nLONG,20991231,2\n"
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar, "calendar_dates.txt": calendar_dates})
    assert counts == {"service_extends_far_in_the_future": 2}
    assert [(n[1], n[4]) for n in notices(conn, vid, "service_extends_far_in_the_future")] == [
        (4, {"serviceId": "END731", "serviceWindowEndDate": "2026-06-02"}),
        (5, {"serviceId": "LONG", "serviceWindowEndDate": "2099-12-30"})]


def test_service_window_outside_feed_period(conn, tmp_path):
    # feed_info: 2024. EARLY starts 31 days before, LATE ends 15 days after; WD is within.
    calendar = CALENDAR_HEADER + ("WD,1,1,1,1,1,0,0,20240101,20241231\nEARLY,1,1,1,1,1,1,1,20231201,20241231\n"
                                  "LATE,1,1,1,1,1,1,1,20240101,20250115\n")
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar,
                                            **trips_with_stop_times({"T1": "WD", "T2": "EARLY", "T3": "LATE"})})
    assert counts == {"service_window_outside_feed_period": 2}
    assert sorted((n[4] for n in notices(conn, vid, "service_window_outside_feed_period")), key=lambda c: c["serviceId"]) == [
        {"serviceId": "EARLY", "serviceWindowStartDate": "2023-12-01", "serviceWindowEndDate": "2024-12-31",
         "daysBeforeFeedStart": 31, "daysAfterFeedEnd": 0},
        {"serviceId": "LATE", "serviceWindowStartDate": "2024-01-01", "serviceWindowEndDate": "2025-01-15",
         "daysBeforeFeedStart": 0, "daysAfterFeedEnd": 15}]


def test_feed_valid_beyond_total_service_window(conn, tmp_path):
    # The only service's last date is Friday 29 November; feed_info's period ends 32 days later (more than 14).
    calendar = CALENDAR_HEADER + "WD,1,1,1,1,1,0,0,20240101,20241130\n"
    vid, counts = validate(conn, tmp_path, {"calendar.txt": calendar})
    assert counts == {"feed_valid_beyond_total_service_window": 1}
    assert notices(conn, vid, "feed_valid_beyond_total_service_window")[0][4] == {
        "feedStartDate": "2024-01-01", "feedEndDate": "2024-12-31",
        "serviceWindowStartDate": "2024-01-01", "serviceWindowEndDate": "2024-11-29"}


def test_future_feed(conn, tmp_path):
    # feed_info's period starts on 1 July, after the validation date; the service, from 1 January, starts 182 days
    # before it (service_window_outside_feed_period).
    vid, counts = validate(conn, tmp_path, {"feed_info.txt": FEED_INFO.replace("20240101,", "20240701,")})
    assert counts == {"future_feed": 1, "service_window_outside_feed_period": 1}
    assert notices(conn, vid, "future_feed") == [
        ("feed_info.txt", None, "feed_start_date", "2024-07-01", {"feedStartDate": "2024-07-01", "currentDate": "2024-06-01"})]
    assert notices(conn, vid, "service_window_outside_feed_period")[0][4]["daysBeforeFeedStart"] == 182


def test_same_name_and_description_for_stop(conn, tmp_path):
    # S1's description repeats its name in upper case (Unicode: É); S2's says more than its name.
    stops = ("stop_id,stop_name,stop_desc,stop_lat,stop_lon\n"
             "S1,Écluse,ÉCLUSE,52.5,13.4\nS2,Second,Second platform,52.51,13.41\n")
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops})
    assert counts == {"same_name_and_description_for_stop": 1}
    assert notices(conn, vid, "same_name_and_description_for_stop") == [
        ("stops.txt", 2, "stop_desc", "ÉCLUSE", {"stopId": "S1", "stopDesc": "ÉCLUSE"})]


def test_missing_bike_allowance_on_ferry_trips(conn, tmp_path):
    # R1 is a ferry: T1 (empty) and T2 (0, no information) are reported, T3 (1) and T4 (2) are not. R2 is a bus.
    routes = "route_id,agency_id,route_short_name,route_type\nR1,A,F,4\nR2,A,2,3\n"
    trips = ("route_id,service_id,trip_id,bikes_allowed\n"
             "R1,WD,T1,\nR1,WD,T2,0\nR1,WD,T3,1\nR1,WD,T4,2\nR2,WD,T5,\n")
    files = {**trips_with_stop_times({t: "WD" for t in ("T1", "T2", "T3", "T4", "T5")}), "routes.txt": routes,
             "trips.txt": trips}
    vid, counts = validate(conn, tmp_path, files)
    assert counts == {"missing_bike_allowance": 2}
    assert notices(conn, vid, "missing_bike_allowance") == [
        ("trips.txt", 2, "bikes_allowed", None, {"routeId": "R1", "tripId": "T1"}),
        ("trips.txt", 3, "bikes_allowed", "0", {"routeId": "R1", "tripId": "T2"})]


def test_stop_without_zone_id(conn, tmp_path):
    # fare_rules.txt prices R1 by zone: R1 stops at S1 (zone Z1) and S2 (no zone: reported). S3 has no zone
    # either, but only R2 stops there, and R2's fare does not depend on zones.
    stops = ("stop_id,stop_name,stop_lat,stop_lon,zone_id\n"
             "S1,First,52.5,13.4,Z1\nS2,Second,52.51,13.41,\nS3,Third,52.52,13.42,\n")
    routes = "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,2,3\n"
    trips = "route_id,service_id,trip_id\nR1,WD,T1\nR2,WD,T2\n"
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\nT2,09:00:00,09:00:00,S1,1\nT2,09:10:00,09:10:00,S3,2\n")
    fares = "fare_id,price,currency_type,payment_method,transfers,agency_id\nF1,2.5,EUR,0,,A\nF2,2,EUR,0,,A\n"
    fare_rules = "fare_id,route_id,origin_id\nF1,R1,Z1\nF2,R2,\n"
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops, "routes.txt": routes, "trips.txt": trips,
                                            "stop_times.txt": st, "fare_attributes.txt": fares, "fare_rules.txt": fare_rules})
    assert counts == {"stop_without_zone_id": 1}
    assert notices(conn, vid, "stop_without_zone_id") == [
        ("stops.txt", 3, "zone_id", None, {"stopId": "S2", "stopName": "Second"})]


THREE_STOPS = ("stop_id,stop_name,stop_lat,stop_lon\n"
               "S1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.42\n")


def test_trip_headsign_matches_intermediate_stop(conn, tmp_path):
    # Each trip stops at S1, S2, S3. T1's headsign is S1's name in upper case (the first stop counts), T2's is
    # S2's; T3's is the last stop's name, which is where a headsign should point.
    trips = "route_id,service_id,trip_id,trip_headsign\nR1,WD,T1,FIRST\nR1,WD,T2,Second\nR1,WD,T3,Third\n"
    st = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"{t},08:00:00,08:00:00,S1,10\n{t},08:10:00,08:10:00,S2,20\n{t},08:20:00,08:20:00,S3,30\n"
        for t in ("T1", "T2", "T3"))
    vid, counts = validate(conn, tmp_path, {"stops.txt": THREE_STOPS, "trips.txt": trips, "stop_times.txt": st})
    assert counts == {"trip_headsign_matches_intermediate_stop": 2}
    assert [(n[1], n[4]) for n in notices(conn, vid, "trip_headsign_matches_intermediate_stop")] == [
        (2, {"tripId": "T1", "tripHeadsign": "FIRST", "stopId1": "S1", "stopSequence": 10, "stopId2": "S3"}),
        (3, {"tripId": "T2", "tripHeadsign": "Second", "stopId1": "S2", "stopSequence": 20, "stopId2": "S3"})]


def test_trip_headsign_check_stops_at_the_first_circular_trip(conn, tmp_path):
    # MobilityData's code returns from the whole check at a circular trip (first stop = last stop), kept for equal
    # counts: T0, first in trips.txt, runs S1, S2, S1; T1, after it, would be reported (headsign S1's name).
    trips = "route_id,service_id,trip_id,trip_headsign\nR1,WD,T0,Loop\nR1,WD,T1,FIRST\n"
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T0,07:00:00,07:00:00,S1,1\nT0,07:10:00,07:10:00,S2,2\nT0,07:20:00,07:20:00,S1,3\n"
          "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\nT1,08:20:00,08:20:00,S3,3\n")
    vid, counts = validate(conn, tmp_path, {"stops.txt": THREE_STOPS, "trips.txt": trips, "stop_times.txt": st})
    assert counts == {}


def test_trip_with_shape_dist_traveled_but_no_shape_distances(conn, tmp_path):
    # SH2's second point has no shape_dist_traveled. T2 (on SH2) has a distance on its first stop time: reported;
    # T1 is on SH1, whose points all have one; T3 is on SH2 but its stop times give no distance.
    shapes = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
              "SH1,52.5,13.4,1,0\nSH1,52.51,13.41,2,1300\nSH2,52.5,13.4,1,0\nSH2,52.51,13.41,2,\n")
    trips = "route_id,service_id,trip_id,shape_id\nR1,WD,T1,SH1\nR1,WD,T2,SH2\nR1,WD,T3,SH2\n"
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
          "T1,08:00:00,08:00:00,S1,1,0\nT1,08:10:00,08:10:00,S2,2,1300\n"
          "T2,08:00:00,08:00:00,S1,1,0\nT2,08:10:00,08:10:00,S2,2,\n"
          "T3,08:00:00,08:00:00,S1,1,\nT3,08:10:00,08:10:00,S2,2,\n")
    vid, counts = validate(conn, tmp_path, {"shapes.txt": shapes, "trips.txt": trips, "stop_times.txt": st})
    assert counts == {"trip_with_shape_dist_traveled_but_no_shape_distances": 1}
    assert notices(conn, vid, "trip_with_shape_dist_traveled_but_no_shape_distances") == [
        ("trips.txt", 3, "shape_id", "SH2",
         {"tripCsvRowNumber": 3, "tripId": "T2", "shapeId": "SH2", "stopTimeCsvRowNumber": 4})]


def test_unsorted_stop_times(conn, tmp_path):
    # T1: lines 2-3, sorted. T2: lines 4 and 7, split by T3 (not contiguous). T3: lines 5-6, stop_sequence
    # 2 before 1 (not sorted).
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n"
          "T2,09:00:00,09:00:00,S1,1\nT3,10:10:00,10:10:00,S2,2\nT3,10:00:00,10:00:00,S1,1\n"
          "T2,09:10:00,09:10:00,S2,2\n")
    trips = "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,T2\nR1,WD,T3\n"
    vid, counts = validate(conn, tmp_path, {"trips.txt": trips, "stop_times.txt": st})
    assert counts == {"unsorted_stop_times": 2}
    assert sorted(n[4]["tripId"] + f" {n[4]['startCsvRowNumber']}-{n[4]['endCsvRowNumber']}"
                  for n in notices(conn, vid, "unsorted_stop_times")) == ["T2 4-7", "T3 5-6"]


def test_missing_pickup_drop_off_booking_rule_id(conn, tmp_path):
    # A Flex trip through zone G1 (pickup/drop-off windows), booking rules in the feed. Line 2: phone for pickup
    # (pickup_type 2) without pickup_booking_rule_id; line 3: phone for drop-off without drop_off_booking_rule_id;
    # both reported. Line 4 (T2) names both rules.
    st = ("trip_id,stop_id,location_group_id,stop_sequence,start_pickup_drop_off_window,end_pickup_drop_off_window,"
          "pickup_type,drop_off_type,pickup_booking_rule_id,drop_off_booking_rule_id\n"
          "T1,,G1,1,08:00:00,09:00:00,2,1,,BR1\nT1,,G1,2,08:00:00,09:00:00,1,2,BR1,\n"
          "T2,,G1,1,08:00:00,09:00:00,2,2,BR1,BR1\nT2,,G1,2,08:00:00,09:00:00,2,2,BR1,BR1\n")
    files = {"stop_times.txt": st, "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,T2\n",
             "location_groups.txt": "location_group_id,location_group_name\nG1,Zone\n",
             "location_group_stops.txt": "location_group_id,stop_id\nG1,S1\nG1,S2\n",
             "booking_rules.txt": "booking_rule_id,booking_type,phone_number\nBR1,0,555-0100\n"}
    vid, counts = validate(conn, tmp_path, files)
    assert counts == {"missing_pickup_drop_off_booking_rule_id": 2}
    assert notices(conn, vid, "missing_pickup_drop_off_booking_rule_id") == [
        ("stop_times.txt", 2, "pickup_booking_rule_id", None, {"pickupType": 2, "dropOffType": 1}),
        ("stop_times.txt", 3, "drop_off_booking_rule_id", None, {"pickupType": 1, "dropOffType": 2})]


def test_stop_too_far_from_shape_allows_400_m_at_the_ends_of_rail_trips(conn, tmp_path):
    # S3 is about 245 m from the shapes. It starts rail trip T1 (route_type 2: a large station, 400 m allowed) on
    # SH1, not reported; it starts bus trip T2 on SH2, the same line: reported (more than 100 m).
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS2,Second,52.51,13.41\nS3,Third,52.4978,13.4\n"
    shapes = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
              "SH1,52.5,13.4,1\nSH1,52.51,13.41,2\nSH2,52.5,13.4,1\nSH2,52.51,13.41,2\n")
    routes = "route_id,agency_id,route_short_name,route_type\nR1,A,1,2\nR2,A,2,3\n"
    trips = "route_id,service_id,trip_id,shape_id\nR1,WD,T1,SH1\nR2,WD,T2,SH2\n"
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,S3,1\nT1,08:10:00,08:10:00,S2,2\nT2,09:00:00,09:00:00,S3,1\nT2,09:10:00,09:10:00,S2,2\n")
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops, "shapes.txt": shapes, "routes.txt": routes,
                                            "trips.txt": trips, "stop_times.txt": st})
    assert counts == {"stop_too_far_from_shape": 1}
    assert [(n[3], n[4]["shapeId"]) for n in notices(conn, vid, "stop_too_far_from_shape")] == [("S3", "SH2")]


def test_fast_travel_leg_runs_from_the_last_timed_stop_over_untimed_ones(conn, tmp_path):
    # S1 -> S3 is 22.2 km in 5 min (+60 s: both times in whole minutes), 222 km/h, over a bus's 150 km/h;
    # S2 has no times, so MobilityData measures the leg from S1 (and S2 -> S3 is no leg of its own).
    # (The far-stop rule sums the legs through S2 instead: 22.4 km, 224.4 km/h; see the test after.)
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.7,13.4\n"
    stop_times = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "T1,08:00:00,08:00:00,S1,1\nT1,,,S2,2\nT1,08:05:00,08:05:00,S3,3\n")
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops, "stop_times.txt": stop_times})
    assert counts == {"fast_travel_between_consecutive_stops": 1, "fast_travel_between_far_stops": 1}
    assert notices(conn, vid, "fast_travel_between_consecutive_stops") == [
        ("stop_times.txt", 4, "arrival_time", "222.4",
         {"prevCsvRowNumber": 2, "distanceKm": 22.239, "speedKph": 222.4, "maxSpeedKph": 150, "routeType": 3})]


def test_fast_travel_between_far_stops_sums_the_legs_through_untimed_stops(conn, tmp_path):
    # The trip above: S1 -> S2 -> S3 is 1.3 + 21.2 km in 5 min (+60 s), 224.4 km/h.
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.7,13.4\n"
    stop_times = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "T1,08:00:00,08:00:00,S1,1\nT1,,,S2,2\nT1,08:05:00,08:05:00,S3,3\n")
    vid, _ = validate(conn, tmp_path, {"stops.txt": stops, "stop_times.txt": stop_times})
    assert [(n[1], n[3], n[4]["csvRowNumber1"], n[4]["distanceKm"]) for n in
            notices(conn, vid, "fast_travel_between_far_stops")] == [(4, "224.4", 2, 22.44)]


def test_fast_travel_on_a_leg_shorter_than_a_minute(conn, tmp_path):
    # As sptrans-sao-paulo's trip N434-11-0: 1.97 km in 47 s is 150.6 km/h, just over a bus's 150 km/h
    # (times not in whole minutes: no extra 60 s).
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.517684,13.4\n"
    stop_times = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                  "T1,08:00:00,08:00:13,S1,1\nT1,08:01:00,08:01:00,S2,2\n")
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops, "stop_times.txt": stop_times})
    assert counts == {"fast_travel_between_consecutive_stops": 1}
    assert notices(conn, vid, "fast_travel_between_consecutive_stops") == [
        ("stop_times.txt", 3, "arrival_time", "150.6",
         {"prevCsvRowNumber": 2, "distanceKm": 1.966, "speedKph": 150.6, "maxSpeedKph": 150, "routeType": 3})]


def stops_north(*spacing_km: float) -> str:
    """stops.txt: S1 at 52.5 N 13.4 E and each next stop the given km further north (on a meridian)."""
    lat, rows = 52.5, ["S1,Stop 1,52.5,13.4"]
    for i, km in enumerate(spacing_km, start=2):
        lat += km / 111.19508  # km per degree of latitude on MobilityData's sphere (radius 6371.01 km)
        rows.append(f"S{i},Stop {i},{lat:.6f},13.4")
    return "stop_id,stop_name,stop_lat,stop_lon\n" + "\n".join(rows) + "\n"


def one_trip(*times: str, stops: list[str] | None = None) -> str:
    """stop_times.txt for trip T1 at S1, S2, ... (or the stops given), each time its arrival and departure."""
    ids = stops or [f"S{i}" for i in range(1, len(times) + 1)]
    return "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + "".join(
        f"T1,{t},{t},{s},{i}\n" for i, (t, s) in enumerate(zip(times, ids), start=1))


def test_fast_travel_between_far_stops_all_at_one_minute(conn, tmp_path):
    # Eleven stops 1.1 km apart, all at 08:00:00: no leg is too fast (1.1 km in the 60 s a 0 s leg counts as is
    # 66 km/h), but S1 -> S11 is 11 km in 60 s, 660 km/h. Reported once, for the first end with a far pair
    # (S11: S1 -> S10 is 9.9 km, not far), from the nearest start that is far (S1).
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops_north(*[1.1] * 10),
                                            "stop_times.txt": one_trip(*["08:00:00"] * 11)})
    assert counts == {"fast_travel_between_far_stops": 1}
    assert notices(conn, vid, "fast_travel_between_far_stops") == [
        ("stop_times.txt", 12, "arrival_time", "660.0",
         {"tripCsvRowNumber": 2, "tripId": "T1", "routeId": "R1", "speedKph": 660.0, "distanceKm": 11.0,
          "csvRowNumber1": 2, "stopSequence1": 1, "stopId1": "S1", "stopName1": "Stop 1", "departureTime1": "08:00:00",
          "csvRowNumber2": 12, "stopSequence2": 11, "stopId2": "S11", "stopName2": "Stop 11", "arrivalTime2": "08:00:00",
          "maxSpeedKph": 150, "routeType": 3})]


def test_no_fast_travel_between_far_stops_within_10_km(conn, tmp_path):
    # The same minute for all, but eleven stops 0.9 km apart: S1 -> S11 is 9 km, not far.
    _, counts = validate(conn, tmp_path, {"stops.txt": stops_north(*[0.9] * 10),
                                          "stop_times.txt": one_trip(*["08:00:00"] * 11)})
    assert counts == {}


def test_no_fast_travel_between_far_stops_at_a_plausible_speed(conn, tmp_path):
    # Eleven stops 1.1 km apart, a minute each: S1 -> S11 is 11 km in 10 min (+60 s), 60 km/h.
    times = [f"08:{m:02d}:00" for m in range(11)]
    _, counts = validate(conn, tmp_path, {"stops.txt": stops_north(*[1.1] * 10), "stop_times.txt": one_trip(*times)})
    assert counts == {}


def test_fast_travel_between_far_stops_without_the_extra_minute_for_times_in_seconds(conn, tmp_path):
    # S1 -> S2 is 2 km in 0 s (60 s as a leg: 120 km/h), S2 -> S3 9 km in 240 s (135 km/h): no leg is too fast.
    # S1 -> S3 is 11 km in 240 s, 165 km/h: times in seconds get no extra 60 s (in whole minutes it would be
    # 300 s, 132 km/h).
    stops = stops_north(2, 9)
    vid, counts = validate(conn, tmp_path, {"stops.txt": stops,
                                            "stop_times.txt": one_trip("08:00:10", "08:00:10", "08:04:10")})
    assert counts == {"fast_travel_between_far_stops": 1}
    assert [(n[1], n[3], n[4]["csvRowNumber1"], n[4]["distanceKm"]) for n in
            notices(conn, vid, "fast_travel_between_far_stops")] == [(4, "165.0", 2, 11.0)]


def test_no_fast_travel_between_far_stops_in_whole_minutes_with_the_extra_minute(conn, tmp_path):
    # The trip above in whole minutes: S1 -> S3 is 11 km in 240 + 60 s, 132 km/h.
    _, counts = validate(conn, tmp_path, {"stops.txt": stops_north(2, 9),
                                          "stop_times.txt": one_trip("08:00:00", "08:00:00", "08:04:00")})
    assert counts == {}


def test_fast_travel_between_far_stops_ends_at_an_unknown_stop(conn, tmp_path):
    # The one-minute trip, but its sixth stop time names a stop that stops.txt lacks: as MobilityData, the trip's
    # check ends there (reported as a foreign key violation), before any far pair.
    ids = ["S1", "S2", "S3", "S4", "S5", "NOPE", "S7", "S8", "S9", "S10", "S11"]
    _, counts = validate(conn, tmp_path, {"stops.txt": stops_north(*[1.1] * 10),
                                          "stop_times.txt": one_trip(*["08:00:00"] * 11, stops=ids)})
    assert counts.get("fast_travel_between_far_stops") is None
    assert counts["foreign_key_violation"] == 1
