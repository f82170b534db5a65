"""GTFS-Flex, booking and other rules added for parity with MobilityData's validator (issue 14).

Each feed below holds, row by row, the cases of several rules (rows that must be reported and rows that must
not); it is loaded and validated once per module in one database, and each test checks one rule's notices
exactly (file, line, field, entity key, value, context). One test per feed checks the whole {code: count}.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from conftest import _admin, _server_dsn
from feedbuilder import write_feed
from gtfs_pipeline import db, validation, versions

TODAY = dt.date(2024, 6, 1)
FEED_INFO = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email\n"
             "P,https://p.example,en,20240101,20241231,1,data@p.example\n")

# The codes whose rules these tests specify (test_validation checks that every rule has an exact expectation).
FLEX_CODES = {
    "forbidden_real_time_booking_field_value", "forbidden_same_day_booking_field_value",
    "forbidden_prior_day_booking_field_value", "invalid_prior_notice_duration_min", "missing_prior_notice_duration_min",
    "forbidden_prior_notice_start_day", "prior_notice_last_day_after_start_day", "missing_prior_notice_last_day",
    "missing_prior_notice_last_time", "forbidden_prior_notice_start_time", "missing_prior_notice_start_time",
    "forbidden_arrival_or_departure_time", "missing_pickup_or_drop_off_window", "invalid_pickup_drop_off_window",
    "forbidden_pickup_type", "forbidden_drop_off_type", "forbidden_geography_id", "forbidden_shape_dist_traveled",
    "forbidden_continuous_pickup_drop_off", "duplicate_geography_id", "overlapping_zone_and_pickup_drop_off_window",
    "missing_stop_times_record", "missing_required_agency_id", "inconsistent_agency_lang",
    "feed_info_lang_and_agency_lang_mismatch", "stop_access_specified_for_stop_with_no_parent_station",
    "stop_access_specified_for_incorrect_location", "pathway_to_stop_with_access_outside_of_station_pathways",
    "pathway_loop", "pathway_dangling_generic_node", "transfer_distance_too_large", "transfer_distance_above_2_km",
    "inconsistent_route_type_for_in_seat_transfer", "transfer_with_suspicious_mid_trip_in_seat", "duplicate_fare_media",
    "translation_unknown_table_name", "inconsistent_route_type_for_block_id",
}

BOOKING_HEADER = ("booking_rule_id,booking_type,prior_notice_duration_min,prior_notice_duration_max,prior_notice_last_day,"
                  "prior_notice_last_time,prior_notice_start_day,prior_notice_start_time,prior_notice_service_id\n")
BOOKING = {"booking_rules.txt": BOOKING_HEADER + (
    "RT_OK,0,,,,,,,\n"                          # 2: real time, nothing else: clean
    "RT_BAD,0,30,,1,,,,WD\n"                    # 3: real time with a duration, a last day and a service
    "SD_OK,1,30,60,,,,,\n"                      # 4: same day, min <= max: clean
    "SD_BAD,1,,,2,17:00:00,,,\n"                # 5: same day with last day and time, no duration min
    "SD_MINMAX,1,60,30,,,,,\n"                  # 6: same day, max < min
    "PD_OK,2,,,1,17:00:00,7,08:00:00,\n"        # 7: prior day, last day 1 <= start day 7: clean
    "PD_BAD,2,30,,,,,,\n"                       # 8: prior day with a duration min, no last day or time
    "PD_DAYS,2,,,7,17:00:00,3,08:00:00,\n"      # 9: last day 7 after start day 3
    "PD_NOSTARTTIME,2,,,1,17:00:00,7,,\n"       # 10: start day without start time
    "PD_NOSTARTDAY,2,,,1,17:00:00,,08:00:00,\n"  # 11: start time without start day
    "SD_MAXSTART,1,30,60,,,2,08:00:00,\n")}     # 12: same day with duration max and a start day

STOP_TIMES_HEADER = ("trip_id,arrival_time,departure_time,stop_id,location_group_id,stop_sequence,"
                     "start_pickup_drop_off_window,end_pickup_drop_off_window,pickup_type,drop_off_type,shape_dist_traveled\n")
FLEX = {
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\nR1,WD,F1\nR1,WD,F2\n",
    "location_groups.txt": "location_group_id,location_group_name\nG1,Zone\n",
    "location_group_stops.txt": "location_group_id,stop_id\nG1,S1\nG1,S2\n",
    "stop_times.txt": STOP_TIMES_HEADER + (
        "T1,08:00:00,08:00:00,S1,,1,,,,,\n"                  # 2: regular stop time: clean
        "T1,08:10:00,08:11:00,S2,,2,,,,,\n"                  # 3: clean
        "F1,,,,G1,1,08:00:00,09:00:00,2,2,\n"                # 4: Flex, phone for pickup and drop-off: clean
        "F1,,,,G1,2,08:00:00,09:00:00,1,3,\n"                # 5: no pickup, drop-off with the driver: clean
        "F2,08:00:00,08:00:00,,G1,1,08:00:00,09:00:00,2,2,\n"  # 6: a window with times
        "F2,,,,G1,2,08:00:00,,2,2,\n"                        # 7: no end of window
        "F2,,,,G1,3,09:00:00,09:00:00,2,2,\n"                # 8: a window that ends when it starts
        "F2,,,,G1,4,08:00:00,09:00:00,,3,\n"                 # 9: empty pickup_type (regular)
        "F2,,,,G1,5,08:00:00,09:00:00,3,0,\n"                # 10: pickup with the driver, regular drop-off
        "F2,,,S1,G1,6,08:00:00,09:00:00,2,2,\n"              # 11: a stop and a location group
        "F2,,,,G1,7,08:00:00,09:00:00,2,2,1.5\n"),           # 12: a shape distance at a location group
}


def square(lon: float, lat: float, size: float) -> dict:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


# Z1 and Z2 overlap; Z3 is far from both; Z4 lies inside Z1 (nested areas do not overlap); feature S1 has a stop's id.
GEOJSON = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": zone, "properties": {}, "geometry": geometry} for zone, geometry in (
        ("Z1", square(13.40, 52.50, 0.02)), ("Z2", square(13.41, 52.51, 0.02)), ("Z3", square(13.50, 52.60, 0.01)),
        ("Z4", square(13.401, 52.501, 0.004)), ("S1", square(13.60, 52.70, 0.01)))]})
ZONES = {
    "locations.geojson": GEOJSON,
    # location group S2 has a stop's id too.
    "location_groups.txt": "location_group_id,location_group_name\nG1,Zone\nS2,Other\n",
    "location_group_stops.txt": "location_group_id,stop_id\nG1,S1\nS2,S2\n",
    # R2 has continuous pickup (0): its Flex trip C is reported, its regular trip T1 is not.
    "routes.txt": "route_id,agency_id,route_short_name,route_type,continuous_pickup,continuous_drop_off\nR1,A,1,3,,\nR2,A,2,3,0,\n",
    "trips.txt": "route_id,service_id,trip_id\nR2,WD,T1\nR1,WD,Z\nR2,WD,C\n",
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,location_id,stop_sequence,"
                       "start_pickup_drop_off_window,end_pickup_drop_off_window,pickup_type,drop_off_type\n"
                       "T1,08:00:00,08:00:00,S1,,1,,,,\nT1,08:10:00,08:11:00,S2,,2,,,,\n"   # 2, 3
                       "Z,,,,Z1,1,08:00:00,10:00:00,2,2\n"     # 4: overlaps Z2 at 5 (same types, 09:00-10:00)
                       "Z,,,,Z2,2,09:00:00,11:00:00,2,2\n"     # 5
                       "Z,,,,Z3,3,08:00:00,11:00:00,2,2\n"     # 6: far from the others
                       "Z,,,,Z4,4,08:00:00,10:00:00,2,2\n"     # 7: inside Z1
                       "Z,,,,Z2,5,10:00:00,12:00:00,2,2\n"     # 8: starts when Z1's window (line 4) ends
                       "Z,,,,Z1,6,09:00:00,09:30:00,1,1\n"     # 9: other pickup and drop-off types than Z2's
                       "C,,,,Z3,1,08:00:00,09:00:00,2,2\nC,,,,Z3,2,08:00:00,09:00:00,2,2\n"   # 10, 11
                       "ONE,,,,Z3,1,08:00:00,09:00:00,2,2\n"),  # 12: a Flex trip of one stop time
}
ZONES["trips.txt"] += "R1,WD,ONE\n"


@pytest.fixture(scope="module")
def feeds(pg_server, template_db, tmp_path_factory):
    """One database; each feed of this module is loaded and validated on first use."""
    name = f"gtfs_flex_{uuid.uuid4().hex[:8]}"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    conn = db.connect(_server_dsn(pg_server, name))
    folder = tmp_path_factory.mktemp("flex")
    done: dict[str, tuple[int, dict]] = {}

    def validated(feed_id: str, files: dict[str, str]) -> tuple[int, dict]:
        if feed_id not in done:
            path = write_feed(folder / f"{feed_id}.zip", {"feed_info.txt": FEED_INFO, **files})
            vid, _ = versions.load_feed(conn, path, feed_id, publish_version=False, geometry=False)
            result = validation.validate_version(conn, vid, today=TODAY)
            assert result["failed"] == {}
            done[feed_id] = (vid, result["counts"])
        return done[feed_id]

    yield conn, validated
    conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def notices(conn, vid, code):
    with conn.cursor() as cur:
        cur.execute("SELECT filename, line_number, field_name, entity_key, value, context FROM gtfs.notice"
                    " WHERE feed_version_id = %s AND code = %s ORDER BY filename, line_number, field_name", (vid, code))
        rows = cur.fetchall()
    conn.rollback()
    return rows


def booking(feeds, code):
    conn, validated = feeds
    vid, _ = validated("booking", BOOKING)
    return notices(conn, vid, code)


def rule(booking_rule_id):
    return {"booking_rule_id": booking_rule_id}


# booking_rules.txt (BookingRulesEntityValidator)

def test_booking_feed_counts(feeds):
    assert feeds[1]("booking", BOOKING)[1] == {
        "forbidden_real_time_booking_field_value": 1, "forbidden_same_day_booking_field_value": 1,
        "forbidden_prior_day_booking_field_value": 1, "invalid_prior_notice_duration_min": 1,
        "missing_prior_notice_duration_min": 1, "forbidden_prior_notice_start_day": 1,
        "prior_notice_last_day_after_start_day": 1, "missing_prior_notice_last_day": 1,
        "missing_prior_notice_last_time": 1, "forbidden_prior_notice_start_time": 1,
        "missing_prior_notice_start_time": 1}


def test_forbidden_real_time_booking_field_value(feeds):
    assert booking(feeds, "forbidden_real_time_booking_field_value") == [
        ("booking_rules.txt", 3, "booking_type", rule("RT_BAD"), "0",
         {"fieldNames": "prior_notice_duration_min, prior_notice_last_day, prior_notice_service_id"})]


def test_forbidden_same_day_booking_field_value(feeds):
    assert booking(feeds, "forbidden_same_day_booking_field_value") == [
        ("booking_rules.txt", 5, "booking_type", rule("SD_BAD"), "1",
         {"fieldNames": "prior_notice_last_day, prior_notice_last_time"})]


def test_forbidden_prior_day_booking_field_value(feeds):
    assert booking(feeds, "forbidden_prior_day_booking_field_value") == [
        ("booking_rules.txt", 8, "booking_type", rule("PD_BAD"), "2", {"fieldNames": "prior_notice_duration_min"})]


def test_invalid_prior_notice_duration_min(feeds):
    assert booking(feeds, "invalid_prior_notice_duration_min") == [
        ("booking_rules.txt", 6, "prior_notice_duration_min", rule("SD_MINMAX"), "60", {"priorNoticeDurationMax": 30})]


def test_missing_prior_notice_duration_min(feeds):
    assert booking(feeds, "missing_prior_notice_duration_min") == [
        ("booking_rules.txt", 5, "prior_notice_duration_min", rule("SD_BAD"), None, None)]


def test_forbidden_prior_notice_start_day(feeds):
    assert booking(feeds, "forbidden_prior_notice_start_day") == [
        ("booking_rules.txt", 12, "prior_notice_start_day", rule("SD_MAXSTART"), "2", {"priorNoticeDurationMax": 60})]


def test_prior_notice_last_day_after_start_day(feeds):
    assert booking(feeds, "prior_notice_last_day_after_start_day") == [
        ("booking_rules.txt", 9, "prior_notice_last_day", rule("PD_DAYS"), "7", {"priorNoticeStartDay": 3})]


def test_missing_prior_notice_last_day(feeds):
    assert booking(feeds, "missing_prior_notice_last_day") == [
        ("booking_rules.txt", 8, "prior_notice_last_day", rule("PD_BAD"), None, None)]


def test_missing_prior_notice_last_time(feeds):
    assert booking(feeds, "missing_prior_notice_last_time") == [
        ("booking_rules.txt", 8, "prior_notice_last_time", rule("PD_BAD"), None, None)]


def test_forbidden_prior_notice_start_time(feeds):
    assert booking(feeds, "forbidden_prior_notice_start_time") == [
        ("booking_rules.txt", 11, "prior_notice_start_time", rule("PD_NOSTARTDAY"), "08:00:00", None)]


def test_missing_prior_notice_start_time(feeds):
    assert booking(feeds, "missing_prior_notice_start_time") == [
        ("booking_rules.txt", 10, "prior_notice_start_time", rule("PD_NOSTARTTIME"), None, {"priorNoticeStartDay": 7})]


# stop_times.txt with pickup/drop-off windows (PickupDropOffWindowValidator, PickupDropOffTypeValidator,
# StopTimesGeographyIdPresenceValidator, StopTimesShapeDistTraveledPresenceValidator)

def flex(feeds, code):
    conn, validated = feeds
    vid, _ = validated("flex", FLEX)
    return notices(conn, vid, code)


def stop_time(trip_id, stop_sequence):
    return {"trip_id": trip_id, "stop_sequence": stop_sequence}


def windows(start, end):
    return {"startPickupDropOffWindow": start, "endPickupDropOffWindow": end}


def test_flex_feed_counts(feeds):
    assert feeds[1]("flex", FLEX)[1] == {
        "forbidden_arrival_or_departure_time": 1, "missing_pickup_or_drop_off_window": 1,
        "invalid_pickup_drop_off_window": 1, "forbidden_pickup_type": 2, "forbidden_drop_off_type": 1,
        "forbidden_geography_id": 1, "forbidden_shape_dist_traveled": 1}


def test_forbidden_arrival_or_departure_time(feeds):
    assert flex(feeds, "forbidden_arrival_or_departure_time") == [
        ("stop_times.txt", 6, "arrival_time", stop_time("F2", 1), "08:00:00",
         {"arrivalTime": "08:00:00", "departureTime": "08:00:00", **windows("08:00:00", "09:00:00")})]


def test_missing_pickup_or_drop_off_window(feeds):
    assert flex(feeds, "missing_pickup_or_drop_off_window") == [
        ("stop_times.txt", 7, "end_pickup_drop_off_window", stop_time("F2", 2), None, windows("08:00:00", None))]


def test_invalid_pickup_drop_off_window(feeds):
    assert flex(feeds, "invalid_pickup_drop_off_window") == [
        ("stop_times.txt", 8, "start_pickup_drop_off_window", stop_time("F2", 3), "09:00:00",
         windows("09:00:00", "09:00:00"))]


def test_forbidden_pickup_type_regular_or_empty_and_with_the_driver(feeds):
    assert flex(feeds, "forbidden_pickup_type") == [
        ("stop_times.txt", 9, "pickup_type", stop_time("F2", 4), None, windows("08:00:00", "09:00:00")),
        ("stop_times.txt", 10, "pickup_type", stop_time("F2", 5), "3", windows("08:00:00", "09:00:00"))]


def test_forbidden_drop_off_type_regular_only(feeds):
    # drop_off_type 3 (with the driver, lines 5 and 9) is allowed with a window; 0 is not.
    assert flex(feeds, "forbidden_drop_off_type") == [
        ("stop_times.txt", 10, "drop_off_type", stop_time("F2", 5), "0", windows("08:00:00", "09:00:00"))]


def test_forbidden_geography_id(feeds):
    assert flex(feeds, "forbidden_geography_id") == [
        ("stop_times.txt", 11, "location_group_id", stop_time("F2", 6), "G1",
         {"stopId": "S1", "locationGroupId": "G1", "locationId": None})]


def test_forbidden_shape_dist_traveled(feeds):
    assert flex(feeds, "forbidden_shape_dist_traveled") == [
        ("stop_times.txt", 12, "shape_dist_traveled", stop_time("F2", 7), "1.5",
         {"tripId": "F2", "locationGroupId": "G1", "locationId": None})]


# GeoJSON locations, location groups and continuous stopping (OverlappingPickupDropOffZoneValidator,
# UniqueGeographyIdValidator, ContinuousPickupDropOffValidator)

def zones(feeds, code):
    conn, validated = feeds
    vid, _ = validated("zones", ZONES)
    return notices(conn, vid, code)


def test_zones_feed_counts(feeds):
    assert feeds[1]("zones", ZONES)[1] == {
        "overlapping_zone_and_pickup_drop_off_window": 1, "duplicate_geography_id": 2,
        "forbidden_continuous_pickup_drop_off": 2, "missing_stop_times_record": 1, "unusable_trip": 1}


def test_overlapping_zone_and_pickup_drop_off_window(feeds):
    assert zones(feeds, "overlapping_zone_and_pickup_drop_off_window") == [
        ("stop_times.txt", 4, "location_id", stop_time("Z", 1), "Z1",
         {"tripId": "Z", "stopSequence1": 1, "locationId1": "Z1", "startPickupDropOffWindow1": "08:00:00",
          "endPickupDropOffWindow1": "10:00:00", "stopSequence2": 2, "locationId2": "Z2",
          "startPickupDropOffWindow2": "09:00:00", "endPickupDropOffWindow2": "11:00:00"})]


def test_duplicate_geography_id(feeds):
    assert zones(feeds, "duplicate_geography_id") == [
        ("stops.txt", 2, "stop_id", {"stop_id": "S1"}, "S1",
         {"geographyId": "S1", "csvRowNumberA": 2, "csvRowNumberB": None, "featureIndex": 4}),
        ("stops.txt", 3, "stop_id", {"stop_id": "S2"}, "S2",
         {"geographyId": "S2", "csvRowNumberA": 3, "csvRowNumberB": 3, "featureIndex": None})]


def test_forbidden_continuous_pickup_drop_off(feeds):
    context = {"routeCsvRowNumber": 3, "tripId": "C", **windows("08:00:00", "09:00:00")}
    assert zones(feeds, "forbidden_continuous_pickup_drop_off") == [
        ("stop_times.txt", 10, "start_pickup_drop_off_window", stop_time("C", 1), "08:00:00", context),
        ("stop_times.txt", 11, "start_pickup_drop_off_window", stop_time("C", 2), "08:00:00", context)]


def test_missing_stop_times_record(feeds):
    # Trip ONE's only stop time phones for pickup and drop-off in a window; trip C (two such stop times) is fine.
    assert zones(feeds, "missing_stop_times_record") == [
        ("stop_times.txt", 12, "trip_id", stop_time("ONE", 1), "ONE", {"locationGroupId": None, "locationId": "Z3"})]


# agency.txt and languages (AgencyConsistencyValidator, RouteAgencyIdValidator, FareAttributeAgencyIdValidator,
# MatchingFeedAndAgencyLangValidator)

AGENCIES = {
    "agency.txt": ("agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                   "A,Agency,https://a.example,Europe/Berlin,en\n"     # 2: feed_info's language: clean
                   ",Nameless,https://n.example,Europe/Berlin,EN\n"    # 3: no agency_id; EN is en
                   "B,Other,https://b.example,Europe/Berlin,de\n"      # 4: another language
                   "C,Third,https://c.example,Europe/Berlin,\n"),      # 5: no language: clean
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,,2,3\n",
    "fare_attributes.txt": "fare_id,price,currency_type,payment_method,transfers,agency_id\nF1,2.5,EUR,0,,A\nF2,3,EUR,0,,\n",
}


def agencies(feeds, code):
    conn, validated = feeds
    vid, _ = validated("agencies", AGENCIES)
    return notices(conn, vid, code)


def test_agencies_feed_counts(feeds):
    assert feeds[1]("agencies", AGENCIES)[1] == {
        "missing_required_agency_id": 3, "inconsistent_agency_lang": 1, "feed_info_lang_and_agency_lang_mismatch": 1}


def test_missing_required_agency_id_with_several_agencies(feeds):
    assert agencies(feeds, "missing_required_agency_id") == [
        ("agency.txt", 3, "agency_id", None, None, {"agencyName": "Nameless"}),
        ("fare_attributes.txt", 3, "agency_id", {"fare_id": "F2"}, None, None),
        ("routes.txt", 3, "agency_id", {"route_id": "R2"}, None, None)]


def test_inconsistent_agency_lang(feeds):
    assert agencies(feeds, "inconsistent_agency_lang") == [
        ("agency.txt", 4, "agency_lang", {"agency_id": "B"}, "de", {"expected": "en", "actual": "de"})]


def test_feed_info_lang_and_agency_lang_mismatch(feeds):
    assert agencies(feeds, "feed_info_lang_and_agency_lang_mismatch") == [
        ("agency.txt", 4, "agency_lang", {"agency_id": "B"}, "de", {"agencyName": "Other", "feedLang": "en"})]


# Stations: stop_access and pathways (StopAccessValidator, PathwayStopAccessValidator, PathwayLoopValidator,
# PathwayDanglingGenericNodeValidator)

STATION = {
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station,stop_access\n"
                  "S1,First,52.5,13.4,,,\nS2,Second,52.51,13.41,,,\n"  # 2, 3
                  "ST,Station,52.5,13.4,1,,\n"                            # 4
                  "P1,Platform 1,52.5,13.4,0,ST,1\n"                      # 5: reached from the street
                  "P2,Platform 2,52.5,13.4,0,ST,0\n"                      # 6: clean
                  "P3,Lonely,52.5,13.4,0,,1\n"                            # 7: stop_access without a station
                  "E1,Entrance,52.5,13.4,2,ST,0\n"                        # 8: stop_access at an entrance
                  "N1,Node,,,3,ST,\n"                                     # 9: pathways to E1 only
                  "N2,Node 2,,,3,ST,\n"),                                 # 10: pathways to E1 and P2: clean
    "pathways.txt": ("pathway_id,from_stop_id,to_stop_id,pathway_mode,is_bidirectional\n"
                     "W1,E1,P1,1,1\nW2,E1,N1,1,1\nW3,N1,E1,1,1\nW4,E1,N2,1,1\nW5,N2,P2,1,1\n"
                     "W6,P2,P2,1,1\n"),  # 7: a loop
}


def station(feeds, code):
    conn, validated = feeds
    vid, _ = validated("station", STATION)
    return notices(conn, vid, code)


def test_station_feed_counts(feeds):
    assert feeds[1]("station", STATION)[1] == {
        "stop_access_specified_for_stop_with_no_parent_station": 1, "stop_access_specified_for_incorrect_location": 1,
        "pathway_to_stop_with_access_outside_of_station_pathways": 1, "pathway_loop": 1,
        "pathway_dangling_generic_node": 1,
        "stop_without_stop_time": 3}  # P1, P2 and P3 have no stop times


def test_stop_access_specified_for_stop_with_no_parent_station(feeds):
    assert station(feeds, "stop_access_specified_for_stop_with_no_parent_station") == [
        ("stops.txt", 7, "stop_access", {"stop_id": "P3"}, "1", {"stopName": "Lonely", "locationType": 0})]


def test_stop_access_specified_for_incorrect_location(feeds):
    assert station(feeds, "stop_access_specified_for_incorrect_location") == [
        ("stops.txt", 8, "stop_access", {"stop_id": "E1"}, "0", {"stopName": "Entrance", "locationType": 2})]


def test_pathway_to_stop_with_access_outside_of_station_pathways(feeds):
    assert station(feeds, "pathway_to_stop_with_access_outside_of_station_pathways") == [
        ("pathways.txt", 2, "to_stop_id", {"pathway_id": "W1"}, "P1", {"platformCode": None})]


def test_pathway_loop(feeds):
    assert station(feeds, "pathway_loop") == [("pathways.txt", 7, "to_stop_id", {"pathway_id": "W6"}, "P2", {"stopId": "P2"})]


def test_pathway_dangling_generic_node(feeds):
    assert station(feeds, "pathway_dangling_generic_node") == [
        ("stops.txt", 9, "stop_id", {"stop_id": "N1"}, "N1", {"stopName": "Node", "parentStation": "ST"})]


# Transfers, blocks, fare media and translations (TransferDistanceValidator,
# InconsistentRouteTypeForInSeatTransferValidator, TransfersInSeatTransferTypeValidator,
# InconsistentRouteTypeForBlockIdValidator, DuplicateFareMediaValidator, TranslationFieldAndReferenceValidator)

TRANSFERS = {
    # S1-S2 about 1.3 km, S1-S3 2.2 km, S1-S4 11.1 km.
    "stops.txt": ("stop_id,stop_name,stop_lat,stop_lon\n"
                  "S1,First,52.5,13.4\nS2,Second,52.51,13.41\nS3,Third,52.52,13.4\nS4,Fourth,52.6,13.4\n"),
    # R3 and R4 have extended types (700, 702), one type to MobilityData (its UNRECOGNIZED).
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,2,0\nR3,A,3,700\nR4,A,4,702\n",
    # Block B1 has a bus trip and a tram trip; block B2 one bus trip; block B3 trips of R3 and R4.
    "trips.txt": ("route_id,service_id,trip_id,block_id\nR1,WD,T1,B1\nR2,WD,T2,B1\nR1,WD,T3,B2\n"
                  "R3,WD,T4,B3\nR4,WD,T5,B3\n"),
    "stop_times.txt": ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
                       "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\nT1,08:20:00,08:20:00,S3,3\n"
                       "T2,09:00:00,09:00:00,S3,1\nT2,09:30:00,09:30:00,S4,2\n"
                       "T3,10:00:00,10:00:00,S3,1\nT3,10:20:00,10:20:00,S1,2\n"
                       "T4,11:00:00,11:00:00,S1,1\nT4,11:10:00,11:10:00,S2,2\n"
                       "T5,12:00:00,12:00:00,S2,1\nT5,12:10:00,12:10:00,S1,2\n"),
    "transfers.txt": ("from_stop_id,to_stop_id,from_route_id,to_route_id,from_trip_id,to_trip_id,transfer_type\n"
                      "S1,S2,,,,,0\n"            # 2: 1.3 km: clean
                      "S1,S3,,,,,0\n"            # 3: 2.2 km
                      "S1,S4,,,,,0\n"            # 4: 11.1 km
                      "S3,S3,R1,R2,T1,T2,4\n"    # 5: in seat at T1's last and T2's first stop; bus to tram
                      "S2,S3,R1,R1,T1,T3,4\n"    # 6: in seat from T1 at S2, not its last stop
                      "S2,S2,R3,R4,T4,T5,4\n"),  # 7: in seat from type 700 to 702: clean
    "fare_media.txt": ("fare_media_id,fare_media_name,fare_media_type\n"
                       "M1,Card,2\nM2,Card,2\nM3,Card,4\nM4,,0\nM5,,0\n"),  # M2 repeats M1, M5 repeats M4
    "translations.txt": ("table_name,field_name,language,translation,record_id,record_sub_id,field_value\n"
                         "stops,stop_name,de,Erste,S1,,\n"         # 2: clean
                         "routes_x,route_long_name,de,Foo,R1,,\n"  # 3: no such GTFS file
                         "levels,level_name,de,Ebene,L1,,\n"),     # 4: a GTFS file the feed does not have
}


def transfers(feeds, code):
    conn, validated = feeds
    vid, _ = validated("transfers", TRANSFERS)
    return notices(conn, vid, code)


def transfer(from_stop, to_stop, from_trip=None, to_trip=None):
    return {"from_stop_id": from_stop, "to_stop_id": to_stop, "from_trip_id": from_trip, "to_trip_id": to_trip}


def test_transfers_feed_counts(feeds):
    assert feeds[1]("transfers", TRANSFERS)[1] == {
        "transfer_distance_above_2_km": 1, "transfer_distance_too_large": 1,
        "inconsistent_route_type_for_in_seat_transfer": 1, "transfer_with_suspicious_mid_trip_in_seat": 1,
        "inconsistent_route_type_for_block_id": 1, "duplicate_fare_media": 2, "translation_unknown_table_name": 2,
        "unexpected_enum_value": 2}  # route types 700 and 702


def test_transfer_distance_above_2_km(feeds):
    assert transfers(feeds, "transfer_distance_above_2_km") == [
        ("transfers.txt", 3, "to_stop_id", transfer("S1", "S3"), "S3", {"fromStopId": "S1", "distanceKm": 2.224})]


def test_transfer_distance_too_large(feeds):
    assert transfers(feeds, "transfer_distance_too_large") == [
        ("transfers.txt", 4, "to_stop_id", transfer("S1", "S4"), "S4", {"fromStopId": "S1", "distanceKm": 11.12})]


def test_inconsistent_route_type_for_in_seat_transfer(feeds):
    assert transfers(feeds, "inconsistent_route_type_for_in_seat_transfer") == [
        ("transfers.txt", 5, "to_route_id", transfer("S3", "S3", "T1", "T2"), "R2",
         {"fromRouteId": "R1", "fromRouteType": 3, "toRouteType": 0})]


def test_transfer_with_suspicious_mid_trip_in_seat(feeds):
    assert transfers(feeds, "transfer_with_suspicious_mid_trip_in_seat") == [
        ("transfers.txt", 6, "from_stop_id", transfer("S2", "S3", "T1", "T3"), "S2",
         {"tripIdFieldName": "from_trip_id", "tripId": "T1", "stopIdFieldName": "from_stop_id"})]


def test_inconsistent_route_type_for_block_id(feeds):
    assert transfers(feeds, "inconsistent_route_type_for_block_id") == [
        ("trips.txt", 2, "block_id", None, "B1", {"routeIds": "R1, R2", "routeTypes": "3, 0"})]


def test_duplicate_fare_media(feeds):
    assert transfers(feeds, "duplicate_fare_media") == [
        ("fare_media.txt", 3, "fare_media_name", {"fare_media_id": "M2"}, "Card", {"csvRowNumber1": 2, "fareMediaId1": "M1"}),
        ("fare_media.txt", 6, "fare_media_name", {"fare_media_id": "M5"}, None, {"csvRowNumber1": 5, "fareMediaId1": "M4"})]


def test_translation_unknown_table_name(feeds):
    key = {"field_name": "route_long_name", "language": "de", "table_name": "routes_x"}
    assert transfers(feeds, "translation_unknown_table_name") == [
        ("translations.txt", 3, "table_name", key, "routes_x", None),
        ("translations.txt", 4, "table_name", {**key, "field_name": "level_name", "table_name": "levels"}, "levels", None)]
