"""Validation rules: each fixture triggers each listed code exactly as many times as expected.

Fixtures are grouped (one database serves many codes) and every expectation is
exact: a fixture's notices are compared as a whole {code: count} mapping, so a
rule that fires where it should not fails the test too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import validation, versions
from gtfs_pipeline.report import write_report
from test_rules_flex_and_more import FLEX_CODES
from test_geojson_rules import GEOJSON_CODES
from test_rules_shape_matching import CODES as SHAPE_MATCHING_CODES
from test_validation_parity_rules import PARITY_CODES

TODAY = dt.date(2024, 6, 1)
FEED_INFO = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email\n"
             "P,https://p.example,en,20240101,20241231,1,data@p.example\n")


def load_and_validate(conn, tmp_path, files, name="f.zip", feed_id="f", drop=(), publish=False):
    vid, _ = versions.load_feed(conn, write_feed(tmp_path / name, files, drop=drop), feed_id,
                                publish_version=publish, geometry=False)
    result = validation.validate_version(conn, vid, today=TODAY)
    assert result["failed"] == {}
    return vid, result


def notices(conn, vid, code):
    with conn.cursor() as cur:
        cur.execute("SELECT filename, line_number, field_name, value FROM gtfs.notice"
                    " WHERE feed_version_id = %s AND code = %s ORDER BY filename, line_number, field_name", (vid, code))
        return cur.fetchall()


def test_every_rule_file_is_well_formed():
    rules = validation.rules()
    assert len(rules) >= 60
    for r in rules:
        assert r.severity in validation.SEVERITIES and r.meaning, r.code
        text = r.sql
        assert f"'{r.code}'" in text and "%(feed_version_id)s" in text
        assert r.code not in validation.LOADER_CODES or r.code in (
            "missing_required_field", "duplicate_key", "missing_required_file"), r.code


def test_steps_with_the_longest_chain_of_dependents_start_first():
    tasks = validation._plan(validation.rules(), ["T5"])
    order = [t.name for t in sorted((t for t in tasks if t.rule is None), key=lambda t: t.rank)]
    # The ordered pass's parts (13 steps wait on them, one after another), then the matcher's
    # chain (v_sm_pattern .. v_sm_problem), before steps that only rules wait on.
    assert order[:4] == ["_prepare/v_stop_xy", "_prepare/v_route_speed", "_prepare/v_st#0", "_prepare/v_st#1"]
    assert order.index("_shape_match/v_sm_near") < order.index("_prepare/v_block_trip")
    assert order.index("_shape_match/v_sm_pattern") < order.index("_rows/v_stop_times_row")
    # and every step still comes after the steps it needs
    rank = {t.makes: t.rank for t in tasks if t.rule is None}
    assert all(rank[n] < t.rank for t in tasks if t.rule is None for n in t.needs)


def test_clean_feed_has_no_notices(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, {"feed_info.txt": FEED_INFO})
    assert result["counts"] == {}
    assert result["by_severity"] == {"ERROR": 0, "WARNING": 0, "INFO": 0}
    assert set(result["timings"]) >= {r.code for r in validation.rules()}


STOPS_A = """stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,platform_code
S1,First,52.5,13.4,,ST,
S2,Second,52.51,13.41,,,
ST,Station,52.5,13.4,1,,
ST2,Station2,52.5,13.4,1,ST,
E1,,52.5,13.4,2,,
N1,Node,,,3,S2,
S3,Third,,,,,
S4,Origin,0.1,0.2,,,
P1,Plat,52.5,13.4,,,3
"""
FIXTURE_A = {
    "agency.txt": ("agency_id,agency_name,agency_url,agency_timezone,agency_email\n"
                   "A,Agency,https://a.example,Europe/Berlin,info@a.example\n"
                   "B,Other,not-a-url,Europe/Paris,bad-email\n"
                   "C,Third,https://c.example,Mars/Base,\n"),
    "stops.txt": STOPS_A,
    "routes.txt": ("route_id,agency_id,route_short_name,route_long_name,route_type,route_color,route_text_color,route_desc\n"
                   "R1,A,1,,3,,,\nR2,A,,,3,,,\nR3,X,3,Line 3,3,FFFFFF,FFFFEE,\nR4,A,4,4 Express,3,ZZZZZZ,,4\n"),
    "trips.txt": ("route_id,service_id,trip_id,shape_id,block_id\n"
                  "R1,WD,T1,,B1\nR1,WD,T2,,B1\nR1,NOPE,T3,,\nR1,WD,T4,SH9,\nR1,WD,T5,,\nR1,WD,T6,,\n"),
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                       "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n"
                       "T2,08:05:00,08:05:00,S1,1\nT2,08:20:00,08:20:00,S2,2\n"
                       "T4,09:00:00,09:00:00,S1,1\nT4,09:10:00,,S2,2\nT4,08:55:00,08:56:00,S1,3\n"
                       "T5,10:00:00,10:00:00,ST,1\n"
                       "T6,,,S1,1\nT6,10:10:00,10:10:00,S9,2\n"),
}
EXPECTED_A = {
    "inconsistent_agency_timezone": 2, "invalid_url": 1, "invalid_email": 1, "invalid_timezone": 1,
    "station_with_parent_station": 1, "unused_station": 1, "location_without_parent_station": 1,
    "missing_stop_name": 1, "wrong_parent_location_type": 1, "stop_without_location": 1, "point_near_origin": 1,
    "platform_without_parent_station": 1, "stop_without_stop_time": 3, "route_both_short_and_long_name_missing": 1,
    "foreign_key_violation": 4, "route_color_contrast": 1, "invalid_color": 1, "route_long_name_contains_short_name": 1,
    "same_name_and_description_for_route": 1, "unused_trip": 1, "unusable_trip": 2,
    "block_trips_with_overlapping_stop_times": 1, "stop_time_with_only_arrival_or_departure_time": 1,
    "stop_time_with_arrival_before_previous_departure_time": 1, "missing_trip_edge": 2,
    "location_with_unexpected_stop_time": 1, "missing_recommended_file": 1,
}


def test_fixture_a_stops_routes_trips_and_times(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, FIXTURE_A)
    assert result["counts"] == EXPECTED_A
    # Exact locations of a few.
    assert notices(conn, vid, "foreign_key_violation") == [
        ("routes.txt", 4, "agency_id", "X"), ("stop_times.txt", 11, "stop_id", "S9"),
        ("trips.txt", 4, "service_id", "NOPE"), ("trips.txt", 5, "shape_id", "SH9")]
    assert notices(conn, vid, "stop_time_with_arrival_before_previous_departure_time") == [
        ("stop_times.txt", 8, "arrival_time", "08:55:00")]
    # The same notices on one connection (temporary tables, no parts) and on three (three trip ranges).
    with conn.cursor() as cur:
        cur.execute("SELECT code, filename, line_number, field_name, value, context::text FROM gtfs.notice"
                    " WHERE feed_version_id = %s ORDER BY 1, 2, 3, 4, 5, 6", (vid,))
        rows = cur.fetchall()
    for connections in (1, 3):
        again = validation.validate_version(conn, vid, today=TODAY, connections=connections)
        assert again["connections"] == connections and again["counts"] == EXPECTED_A and again["failed"] == {}
        with conn.cursor() as cur:
            cur.execute("SELECT code, filename, line_number, field_name, value, context::text FROM gtfs.notice"
                        " WHERE feed_version_id = %s ORDER BY 1, 2, 3, 4, 5, 6", (vid,))
            assert cur.fetchall() == rows
        cur = conn.cursor()
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'gtfs\\_validation\\_%%'")
        assert cur.fetchone()[0] == 0  # the run's schema is gone
    assert notices(conn, vid, "missing_trip_edge") == [
        ("stop_times.txt", 10, "arrival_time", None), ("stop_times.txt", 10, "departure_time", None)]
    assert notices(conn, vid, "inconsistent_agency_timezone") == [
        ("agency.txt", 3, "agency_timezone", "Europe/Paris"), ("agency.txt", 4, "agency_timezone", "Mars/Base")]
    with conn.cursor() as cur:
        cur.execute("SELECT context FROM gtfs.notice WHERE feed_version_id = %s"
                    " AND code = 'stop_time_with_arrival_before_previous_departure_time'", (vid,))
        assert cur.fetchone()[0] == {"prevCsvRowNumber": 6, "departureTime": "09:00:00"}
        cur.execute("SELECT context->>'tripIdB', context->>'intersection' FROM gtfs.notice WHERE feed_version_id = %s"
                    " AND code = 'block_trips_with_overlapping_stop_times'", (vid,))
        assert cur.fetchall() == [("T2", "2024-01-01")]


FIXTURE_B = {
    "feed_info.txt": ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date\n"
                      "P,https://p.example,en,20240101,20240605\n"),
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                  "S1,First,52.5,13.4,,ST\nS2,Second,52.51,13.41,,ST\nST,Station,52.5,13.4,1,\n"
                  "E1,Entrance,52.5,13.4,2,ST\nPL,Platform,52.5,13.4,0,ST\nBA,Boarding,52.5,13.4,4,PL\n"),
    "shapes.txt": ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
                   "SH1,52.5,13.4,1,0\nSH1,52.505,13.405,2,500\nSH1,52.51,13.41,3,400\n"
                   "SH1,52.52,13.42,4,400\nSH1,52.52,13.42,5,400\nSH2,52.5,13.4,1,\n"),
    "trips.txt": "route_id,service_id,trip_id,shape_id\nR1,WD,T1,SH1\n",
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
                       "T1,08:00:00,08:00:00,S1,1,0\nT1,08:10:00,08:11:00,S2,2,0\n"),
    "frequencies.txt": ("trip_id,start_time,end_time,headway_secs\n"
                        "T1,06:00:00,07:00:00,600\nT1,06:30:00,08:00:00,600\nT1,09:00:00,09:00:00,0\n"
                        "T1,10:00:00,09:30:00,600\n"),
    "transfers.txt": ("from_stop_id,to_stop_id,transfer_type,from_trip_id,from_route_id\n"
                      "S1,S2,1,T1,R9\nE1,S2,0,,\nPL,S2,1,T1,\n"),
    "pathways.txt": ("pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional\n"
                     "W1,E1,ST,7,1\nW2,E1,PL,1,0\n"),
}
EXPECTED_B = {
    "feed_expiration_date7_days": 1, "missing_feed_contact_email_and_url": 1, "decreasing_shape_distance": 1,
    "equal_shape_distance_diff_coordinates": 1, "equal_shape_distance_same_coordinates": 1, "single_shape_point": 1,
    "unused_shape": 1, "decreasing_or_equal_stop_time_distance": 1, "overlapping_frequency": 1,
    "start_and_end_range_equal": 1, "start_and_end_range_out_of_order": 1, "number_out_of_range": 1,
    "transfer_with_invalid_trip_and_route": 1, "foreign_key_violation": 1, "transfer_with_invalid_stop_location_type": 1,
    "transfer_with_invalid_trip_and_stop": 1, "bidirectional_exit_gate": 1, "pathway_to_wrong_location_type": 1,
    "pathway_to_platform_with_boarding_areas": 1, "stop_without_stop_time": 1,
    # S1, S2 and BA are in station ST, which has pathways, but no pathway reaches them.
    "pathway_unreachable_location": 3,
    "missing_recommended_field": 1,  # feed_info.txt without feed_version
    "service_window_outside_feed_period": 1,  # WD runs until December, feed_info's period ends in June
}


def test_fixture_b_shapes_frequencies_transfers_pathways(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, FIXTURE_B)
    assert result["counts"] == EXPECTED_B
    assert notices(conn, vid, "decreasing_shape_distance") == [("shapes.txt", 4, "shape_dist_traveled", "400")]
    assert notices(conn, vid, "overlapping_frequency") == [("frequencies.txt", 3, "start_time", "06:30:00")]
    assert notices(conn, vid, "transfer_with_invalid_trip_and_stop") == [("transfers.txt", 4, "from_stop_id", "PL")]


def test_rerun_replaces_only_its_own_notices(conn, tmp_path):
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type\n"
          "T1,08:00:00,08:00:00,S1,1,0\nT1,08:10:00,,S2,2,two\n")
    vid, first = load_and_validate(conn, tmp_path, {"stop_times.txt": st, "feed_info.txt": FEED_INFO})
    expected = {"invalid_integer": 1, "stop_time_with_only_arrival_or_departure_time": 1, "missing_trip_edge": 1}
    assert first["counts"] == expected
    again = validation.validate_version(conn, vid, today=TODAY)
    assert again["counts"] == expected
    with conn.cursor() as cur:
        cur.execute("SELECT source FROM gtfs.notice WHERE feed_version_id = %s AND code = 'invalid_integer'", (vid,))
        assert cur.fetchall() == [("loader",)]
        cur.execute("SELECT code, severity, notices FROM gtfs.notice_summary WHERE feed_version_id = %s ORDER BY code",
                    (vid,))
        assert cur.fetchall() == [("invalid_integer", "ERROR", 1), ("missing_trip_edge", "ERROR", 1),
                                  ("stop_time_with_only_arrival_or_departure_time", "ERROR", 1)]


def test_expiry_and_missing_required_agency_id(conn, tmp_path):
    # Two agencies: a route without agency_id is an error (missing_required_agency_id); the calendar ended before "today".
    agency = ("agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,Europe/Berlin\n"
              "B,Other,https://b.example,Europe/Berlin\n")
    routes = "route_id,agency_id,route_short_name,route_type\nR1,,1,3\n"
    cal = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
           "WD,1,1,1,1,1,0,0,20240101,20240301\n")
    vid, result = load_and_validate(conn, tmp_path, {"agency.txt": agency, "routes.txt": routes, "calendar.txt": cal,
                                                     "feed_info.txt": FEED_INFO})
    assert result["counts"] == {"missing_required_agency_id": 1, "expired_calendar": 1,
                                # the only service ended in March, feed_info's period runs to December
                                "trip_coverage_not_active_for_next7_days": 1, "feed_valid_beyond_total_service_window": 1}
    assert notices(conn, vid, "missing_required_agency_id") == [("routes.txt", 2, "agency_id", None)]


def test_policy_blocks_and_allows(conn, tmp_path):
    good, _ = load_and_validate(conn, tmp_path, {"feed_info.txt": FEED_INFO}, name="a.zip", publish=True)
    bad, _ = load_and_validate(conn, tmp_path, FIXTURE_A, name="b.zip")
    allowed, reason = validation.policy_allows_publish(conn, bad, "error")
    assert not allowed and reason.startswith("block_on=error: 23 ERROR notices: foreign_key_violation (4), ")
    with conn.cursor() as cur:
        cur.execute("SELECT status, blocked_reason FROM gtfs.feed_version WHERE feed_version_id = %s", (bad,))
        assert cur.fetchone() == ("loaded", reason)
        cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = 'f'")
        assert cur.fetchone() == (good,)
    assert validation.policy_allows_publish(conn, bad, "fatal") == (True, "allowed (block_on=fatal)")
    assert validation.policy_allows_publish(conn, bad, "never") == (True, "allowed (block_on=never)")
    with conn.cursor() as cur:
        cur.execute("SELECT blocked_reason FROM gtfs.feed_version WHERE feed_version_id = %s", (bad,))
        assert cur.fetchone() == (None,)
    # No stop times at all: unusable, blocked even by the lenient default.
    empty, _ = load_and_validate(conn, tmp_path, {"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"},
                                 name="c.zip")
    assert validation.policy_allows_publish(conn, empty) == (False, "fatal: no stop times")
    with pytest.raises(Exception, match="block_on must be one of"):
        validation.policy_allows_publish(conn, empty, "sometimes")


def test_report_is_self_contained_html(conn, tmp_path):
    vid, _ = load_and_validate(conn, tmp_path, FIXTURE_A)
    path = write_report(conn, vid, tmp_path)
    text = path.read_text()
    assert path.name == f"f-v{vid}-validation.html"
    assert "<svg" in text and "<polyline" in text and text.count("<circle") == 6
    assert "foreign_key_violation" in text and "stop_times.txt" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in text
    with conn.cursor() as cur:
        cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
        assert cur.fetchone() == (str(path),)


FIXTURE_C = {
    "agency.txt": ("agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                   "A,Agency,https://a.example,Europe/Berlin,e1\n"),
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,stop_url\n"
                  "S1,First,52.5,13.4,https://a.example\n"
                  "S2,\"Sec\nond\",52.51,13.41,https://r3.example\n"
                  "S3,Pole,89.5,10.0,\n"
                  "SÜ,Umlaut,52.5,13.4,\n"
                  "S6,Far,52.6,13.4,\n"),
    "routes.txt": ("route_id,agency_id,route_short_name,route_long_name,route_type,route_url,network_id\n"
                   "R1,A,1,,3,https://a.example,N1\nR2,A,1,,3,,\nR3,A,ABCDEFGHIJKLMN,,3,https://r3.example,\n"
                   "R4,A,4,,99,,\n"),
    "trips.txt": ("route_id,service_id,trip_id,shape_id\n"
                  "R1,WD,T1,SH1\nR4,WD,T2,\nR1,WD,T3,SH1\nR1,WD,T4,SH1\n"),
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,timepoint,shape_dist_traveled\n"
                       "T1,08:00:00,08:00:00,S1,1,1,\nT1,,,S2,2,1,\nT1,08:20:00,08:20:00,S1,3,1,\n"
                       "T2,09:00:00,09:00:00,S3,1,,\nT2,09:10:00,09:10:00,S1,2,,\n"
                       "T3,10:00:00,10:00:00,S1,1,,0\nT3,10:30:00,10:30:00,S6,2,,1500\n"
                       "T4,11:00:00,11:00:00,S1,1,,0\nT4,11:10:00,11:10:00,S2,2,,1000.5\n"),
    "shapes.txt": ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
                   "SH1,52.5,13.4,1,0\nSH1,52.500005,13.4,2,0\nSH1,52.51,13.41,3,1000\n"),
    "feed_info.txt": ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_contact_email\n"
                      "P,https://p.example,en,20240101,20240620,data@p.example\n"
                      "P,https://p.example,en,20240101,,data@p.example\n"),
    "fare_attributes.txt": "fare_id,price,currency_type,payment_method,transfers\nF1,2.5,XYZ,0,\n",
    "fare_rules.txt": "fare_id,route_id\nF1,R1\nF1,R1\n",
    "attributions.txt": "attribution_id,organization_name,is_producer\nAT1,Org,0\n",
    "networks.txt": "network_id,network_name\nN1,Net\n",
    "route_networks.txt": "network_id,route_id\nN1,R2\n",
}
EXPECTED_C = {
    "invalid_language_code": 1, "same_route_and_agency_url": 1, "duplicate_route_name": 1,
    "route_short_name_too_long": 1, "unexpected_enum_value": 1, "same_stop_and_agency_url": 1,
    "same_stop_and_route_url": 2,  # S1 = R1 url, S2 = R3 url
    "point_near_pole": 1, "non_ascii_or_non_printable_char": 1,
    "new_line_in_value": 1, "stop_without_stop_time": 1, "stop_time_timepoint_without_times": 2,
    "fast_travel_between_consecutive_stops": 1, "fast_travel_between_far_stops": 1,  # T2 from the pole: 4 100 km in 11 min
    "more_than_one_entity": 1, "missing_feed_info_date": 1,
    "feed_expiration_date30_days": 1, "invalid_currency": 1, "duplicate_key": 1,
    "attribution_without_role": 1, "route_networks_specified_in_more_than_one_file": 1,
    "equal_shape_distance_diff_coordinates_distance_below_threshold": 1, "stop_too_far_from_shape": 1,
    "stops_match_shape_out_of_order": 1,  # T1 goes S1, S2 and back to S1, which SH1 passes only at its start
    "trip_distance_exceeds_shape_distance": 1, "trip_distance_exceeds_shape_distance_below_threshold": 1,
    "missing_timepoint_value": 6,  # T2, T3, T4: times, and timepoint empty in a file that has the column
    # feed_version on both feed_info rows, feed_end_date on the second; agency_id of F1 (the feed has one agency)
    "missing_recommended_field": 4,
    "service_window_outside_feed_period": 1,  # WD runs until December, feed_info's period ends in June
}


def test_fixture_c_names_urls_feed_info_fares_and_shapes(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, FIXTURE_C)
    assert result["counts"] == EXPECTED_C
    assert notices(conn, vid, "stop_time_timepoint_without_times") == [
        ("stop_times.txt", 3, "arrival_time", None), ("stop_times.txt", 3, "departure_time", None)]
    assert notices(conn, vid, "fast_travel_between_consecutive_stops")[0][:3] == ("stop_times.txt", 6, "arrival_time")
    assert notices(conn, vid, "non_ascii_or_non_printable_char") == [("stops.txt", 6, "stop_id", "SÜ")]  # S2 spans two lines
    assert notices(conn, vid, "trip_distance_exceeds_shape_distance") == [("trips.txt", 4, "shape_id", "SH1")]
    assert notices(conn, vid, "trip_distance_exceeds_shape_distance_below_threshold") == [
        ("trips.txt", 5, "shape_id", "SH1")]


def test_an_extended_route_type_loads_with_mobilitydatas_unexpected_enum_value(conn, tmp_path):
    # MobilityData's GtfsRouteTypeEnum lists 0-7, 11 and 12: an HVT type (700, bus service) is a WARNING.
    routes = "route_id,agency_id,route_short_name,route_type\nR1,A,1,700\n"
    vid, result = load_and_validate(conn, tmp_path, {"routes.txt": routes, "feed_info.txt": FEED_INFO})
    assert notices(conn, vid, "unexpected_enum_value") == [("routes.txt", 2, "route_type", "700")]
    with conn.cursor() as cur:
        cur.execute("SELECT route_type FROM gtfs.routes WHERE feed_version_id = %s", (vid,))
        assert cur.fetchall() == [(700,)]


def test_missing_required_file_feed_info_with_translations(conn, tmp_path):
    translations = "table_name,field_name,language,translation,record_id\nstops,stop_name,de,Erste,S1\n"
    vid, result = load_and_validate(conn, tmp_path, {"translations.txt": translations})
    assert result["counts"] == {"missing_required_file": 1}


FIXTURE_D = {
    "feed_info.txt": FEED_INFO,
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,level_id\n"
                  "S1,First,52.5,13.4,,,\nS2,Second,52.51,13.41,,,\nST,Station,52.5,13.4,1,,\n"
                  "E1,Entrance,52.5,13.4,2,ST,L1\nPA,Platform A,52.5,13.4,0,ST,L1\nPB,Platform B,52.5,13.4,0,ST,\n"
                  "N1,Node,,,3,ST,L1\nN2,Node 2,,,3,ST,L1\n"),
    "levels.txt": "level_id,level_index\nL1,0\n",
    # PA both ways; PB only reached (one-way elevator, and PB has no level); N2 only leaves; N1 isolated.
    "pathways.txt": ("pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional\n"
                     "W1,E1,PA,1,1\nW2,PA,PB,5,0\nW3,N2,E1,1,0\n"),
    "translations.txt": ("table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
                         "stops,stop_name,de,Erste,S1,,\nstops,stop_name,de,Neun,S9,,\n"
                         "stop_times,stop_headsign,de,X,T1,1,\nstop_times,stop_headsign,de,Y,T1,7,\n"
                         "routes,route_long_name,de,Z,R1,,Eins\nfeed_info,feed_publisher_name,de,P,F1,,\n"
                         "agency,agency_name,de,Agentur,A,X,\n"),
    "timeframes.txt": ("timeframe_group_id,start_time,end_time,service_id\n"
                       "TF1,06:00:00,10:00:00,WD\nTF1,09:00:00,12:00:00,WD\nTF2,08:00:00,,WD\n"
                       "TF3,20:00:00,25:00:00,WD\nTF4,10:00:00,09:00:00,WD\nTF5,07:00:00,07:00:00,WD\n"),
    "rider_categories.txt": ("rider_category_id,rider_category_name,is_default_fare_category\n"
                             "ADULT,Adult,1\nSENIOR,Senior,1\nCHILD,Child,0\n"),
    "fare_products.txt": ("fare_product_id,fare_product_name,rider_category_id,amount,currency\n"
                          "FP1,Single,ADULT,2.50,EUR\nFP1,Single,SENIOR,1.50,EUR\nFP1,Single,CHILD,1.00,EUR\n"
                          "FP2,Day,ADULT,7.00,EUR\n"),
    "fare_leg_rules.txt": "leg_group_id,fare_product_id\nG1,FP1\nG2,FP2\n",
    "fare_transfer_rules.txt": ("from_leg_group_id,to_leg_group_id,transfer_count,duration_limit,duration_limit_type,"
                                "fare_transfer_type,fare_product_id\n"
                                "G1,G1,-1,,,0,\nG1,G1,0,,,0,\nG1,G1,,,,0,FP1\nG1,G2,2,,,0,\nG2,G1,,600,,0,\n"
                                "G2,G2,1,,1,0,\n"),
}
EXPECTED_D = {
    "missing_level_id": 1, "pathway_unreachable_location": 3, "stop_without_stop_time": 2,
    "translation_unexpected_value": 3, "translation_foreign_key_violation": 2,
    "timeframe_overlap": 1, "timeframe_only_start_or_end_time_specified": 1,
    "timeframe_start_or_end_time_greater_than_twenty_four_hours": 1,
    "start_and_end_range_out_of_order": 1, "start_and_end_range_equal": 1,  # TF4, TF5
    "fare_product_with_multiple_default_rider_categories": 1,
    "fare_transfer_rule_invalid_transfer_count": 1, "fare_transfer_rule_without_transfer_count": 1,
    "fare_transfer_rule_with_forbidden_transfer_count": 1, "fare_transfer_rule_duration_limit_without_type": 1,
    "fare_transfer_rule_duration_limit_type_without_duration_limit": 1,
    "pathway_dangling_generic_node": 1,  # N2: its only pathway leads to E1
}


def test_fixture_d_levels_pathways_translations_timeframes_and_fares(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, FIXTURE_D)
    assert result["counts"] == EXPECTED_D
    assert notices(conn, vid, "missing_level_id") == [("stops.txt", 7, "level_id", None)]
    assert notices(conn, vid, "pathway_unreachable_location") == [
        ("stops.txt", 7, "stop_id", "PB"), ("stops.txt", 8, "stop_id", "N1"), ("stops.txt", 9, "stop_id", "N2")]
    assert notices(conn, vid, "pathway_dangling_generic_node") == [("stops.txt", 9, "stop_id", "N2")]
    assert notices(conn, vid, "translation_foreign_key_violation") == [
        ("translations.txt", 3, "record_id", "S9"), ("translations.txt", 5, "record_id", "T1")]
    assert notices(conn, vid, "translation_unexpected_value") == [
        ("translations.txt", 6, "record_id", "R1"), ("translations.txt", 7, "record_id", "F1"),
        ("translations.txt", 8, "record_sub_id", "X")]
    assert notices(conn, vid, "timeframe_overlap") == [("timeframes.txt", 3, "start_time", "09:00:00")]
    assert notices(conn, vid, "timeframe_start_or_end_time_greater_than_twenty_four_hours") == [
        ("timeframes.txt", 5, "end_time", "25:00:00")]
    assert notices(conn, vid, "fare_product_with_multiple_default_rider_categories") == [
        ("fare_products.txt", 3, "rider_category_id", "SENIOR")]
    assert [n[1] for code in ("fare_transfer_rule_invalid_transfer_count", "fare_transfer_rule_without_transfer_count",
                              "fare_transfer_rule_with_forbidden_transfer_count",
                              "fare_transfer_rule_duration_limit_without_type",
                              "fare_transfer_rule_duration_limit_type_without_duration_limit")
            for n in notices(conn, vid, code)] == [3, 4, 5, 6, 7]
    with conn.cursor() as cur:
        cur.execute("SELECT context FROM gtfs.notice WHERE feed_version_id = %s AND code = 'pathway_unreachable_location'"
                    " ORDER BY line_number", (vid,))
        assert [c["hasEntrance"] for c, in cur.fetchall()] == [True, False, False]


def test_every_rule_code_has_an_exact_expectation():
    covered = set(EXPECTED_A) | set(EXPECTED_B) | set(EXPECTED_C) | set(EXPECTED_D) | {
        "expired_calendar", "missing_required_field", "missing_trip_edge",
        "stop_time_with_only_arrival_or_departure_time", "missing_required_file"} | PARITY_CODES | FLEX_CODES | (GEOJSON_CODES - {"malformed_json"}) | set(SHAPE_MATCHING_CODES)
    assert {r.code for r in validation.rules()} - covered == set()


# MobilityData's semantics (issue 14), each with a case that the project's earlier rules counted differently.
FIXTURE_PARITY = {
    "agency.txt": ("agency_id,agency_name,agency_url,agency_timezone\n"
                   "A,Agency,https://a.example,Europe/Berlin\nB,Other,https://b.example,Europe/Berlin\n"),
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
                  "S1,One,52.5,13.4,,\nS2,Two,52.527,13.4,,\nS4,Grouped,52.6,13.4,,\n"
                  "ST,Station,52.5,13.4,1,\nE1,Entrance,52.5,13.4,2,ST\n"),
    "location_groups.txt": "location_group_id,location_group_name\nG1,Zone\n",
    "location_group_stops.txt": "location_group_id,stop_id\nG1,S4\n",
    # R1: another agency's URL in other case; "10th Avenue" does not repeat "10". R2: luma 0 vs 51 (< 72), "5-Express".
    "routes.txt": ("route_id,agency_id,route_short_name,route_long_name,route_type,route_url,route_color,route_text_color\n"
                   "R1,A,10,10th Avenue,3,HTTPS://B.EXAMPLE,,\nR2,A,5,5-Express,3,,000000,333333\n"),
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,T2\nR2,WD,T3\n",
    # T1: 3 km in one whole minute, counted as 120 s: 90 km/h, under the bus limit. T2: Flex windows (phone for pickup and drop-off), no times.
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,location_group_id,stop_sequence,"
                       "start_pickup_drop_off_window,end_pickup_drop_off_window,pickup_type,drop_off_type\n"
                       "T1,08:00:00,08:00:00,S1,,1,,,,\nT1,08:01:00,08:01:00,S2,,2,,,,\n"
                       "T2,,,,G1,1,08:00:00,09:00:00,2,2\nT2,,,,G1,2,08:00:00,09:00:00,2,2\n"),
    # calendar_dates.txt only, every service expired: reported at its first line.
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20240101,1\nWD,20240102,1\n",
    "fare_attributes.txt": "fare_id,price,currency_type,payment_method,transfers,agency_id\nF1,2.5,EUR,0,,A\nF2,3,EUR,0,,A\n",
    # Rows that differ in fare_id are valid fares v1; only the identical row is a duplicate_key.
    "fare_rules.txt": "fare_id,route_id\nF1,R1\nF2,R1\nF1,R1\n",
}
EXPECTED_PARITY = {
    "same_route_and_agency_url": 1, "route_color_contrast": 1, "route_long_name_contains_short_name": 1,
    "unused_station": 1, "expired_calendar": 1, "unused_trip": 1, "unusable_trip": 1, "duplicate_key": 1,
    "missing_recommended_file": 1,
    "trip_coverage_not_active_for_next7_days": 1,  # the only dates are in January
}


def test_fixture_parity_follows_mobilitydatas_semantics(conn, tmp_path):
    vid, result = load_and_validate(conn, tmp_path, FIXTURE_PARITY, drop=("calendar.txt",))
    assert result["counts"] == EXPECTED_PARITY
    assert notices(conn, vid, "expired_calendar") == [("calendar_dates.txt", 2, "service_id", "WD")]
    assert notices(conn, vid, "duplicate_key") == [("fare_rules.txt", 4, "fare_id", "F1")]
    assert notices(conn, vid, "unusable_trip") == [("trips.txt", 4, "trip_id", "T3")]
    assert notices(conn, vid, "unused_station") == [("stops.txt", 5, "stop_id", "ST")]
