"""MobilityData's ShapeToStopMatchingValidator codes (include/sql/validation/_shape_match.sql): one behaviour per test.

Each fixture is a bus (or rail) feed along shape SH1, a line east along latitude 52.5 from longitude 13.40 to 13.42
(about 1,360 m; 0.001 degrees of longitude are 67.7 m there, 0.001 degrees of latitude 111.2 m). The expected notices
and their fields are those of MobilityData's rules (checked with the gtfs-validator oracle on the same zips); distances
are compared to 0.1 m (ours are Web Mercator distances scaled to the validator's sphere).
"""

from __future__ import annotations

import datetime as dt

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import validation, versions

TODAY = dt.date(2024, 6, 1)
FEED_INFO = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email\n"
             "P,https://p.example,en,20240101,20241231,1,data@p.example\n")
CODES = ("stop_too_far_from_shape", "stop_too_far_from_shape_using_user_distance", "stop_has_too_many_matches_for_shape",
         "stops_match_shape_out_of_order")
STOPS = ("stop_id,stop_name,stop_lat,stop_lon\n"
         "S1,West,52.5,13.4\nS2,Middle,52.5,13.41\nS3,East,52.5,13.42\nFAR,North,52.50135,13.41\n")
SHAPE = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nSH1,52.5,13.4,1\nSH1,52.5,13.41,2\nSH1,52.5,13.42,3\n"
SHAPE_DIST = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
              "SH1,52.5,13.4,1,0\nSH1,52.5,13.41,2,677\nSH1,52.5,13.42,3,1354\n")
TRIPS = "route_id,service_id,trip_id,shape_id\nR1,WD,T1,SH1\n"


def stop_times(*trips: tuple[str, list[str]], dist: dict[tuple[str, str], str] | None = None) -> str:
    """stop_times.txt with a shape_dist_traveled column (empty unless ``dist`` gives one), a minute per stop."""
    rows = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled"]
    for trip, stops in trips:
        for i, stop in enumerate(stops, 1):
            rows.append(f"{trip},08:{i:02d}:00,08:{i:02d}:00,{stop},{i},{(dist or {}).get((trip, stop), '')}")
    return "\n".join(rows) + "\n"


# FAR (150 m north of the shape) is the second stop of T1.
FEED_FAR = {"stops.txt": STOPS, "shapes.txt": SHAPE, "trips.txt": TRIPS,
            "stop_times.txt": stop_times(("T1", ["S1", "FAR", "S3"]))}
# T1 gives distances: S2's (1000 m) puts it 323 m east of where it is.
FEED_USER = {"stops.txt": STOPS, "shapes.txt": SHAPE_DIST, "trips.txt": TRIPS,
             "stop_times.txt": stop_times(("T1", ["S1", "S2", "S3"]),
                                          dist={("T1", "S1"): "0", ("T1", "S2"): "1000", ("T1", "S3"): "1354"})}
# FAR is too far by geography and by its distance: reported once, by stop_too_far_from_shape.
FEED_BOTH = {"stops.txt": STOPS, "shapes.txt": SHAPE_DIST, "trips.txt": TRIPS,
             "stop_times.txt": stop_times(("T1", ["S1", "FAR", "S3"]),
                                          dist={("T1", "S1"): "0", ("T1", "FAR"): "677", ("T1", "S3"): "1354"})}
# T1 visits S2 before S1: S1's only place on the shape is before S2's.
FEED_ORDER = {"stops.txt": STOPS, "shapes.txt": SHAPE, "trips.txt": TRIPS,
              "stop_times.txt": stop_times(("T1", ["S2", "S1", "S3"]))}
# SH1 goes east, turns north and comes back west above the line to its start: S1 is at its start and at its end.
# T1 starts and ends at S1: the first S1 matches the start, the last one the end (no notice).
LOOP = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
        "SH1,52.5,13.4,1\nSH1,52.5,13.42,2\nSH1,52.505,13.42,3\nSH1,52.505,13.4,4\nSH1,52.5,13.4,5\n")
FEED_LOOP = {"stops.txt": STOPS + "N,NorthEast,52.505,13.41\n", "shapes.txt": LOOP, "trips.txt": TRIPS,
             "stop_times.txt": stop_times(("T1", ["S1", "S2", "S3", "N", "S1"]))}
# SH1 runs back and forth 22 times through S1 (between 13.399 and 13.401, 68 m either side), then east to 13.42:
# 23 segments pass through S1, each a candidate of its own (the shape turns away from S1 at every point between).
ZIGZAG = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
          + "".join(f"SH1,52.5,{13.399 if i % 2 == 0 else 13.401},{i + 1}\n" for i in range(23))
          + "SH1,52.5,13.42,24\n")
FEED_ZIGZAG = {"stops.txt": STOPS, "shapes.txt": ZIGZAG, "trips.txt": TRIPS,
               "stop_times.txt": stop_times(("T1", ["S1", "S3"]))}
# Three trips on SH1: T1 and T2 have the same stops (T2 is not matched again), T3 another pattern with FAR: FAR is
# reported once, for T1 (the first trip in trips.txt that reaches it).
FEED_PATTERNS = {"stops.txt": STOPS, "shapes.txt": SHAPE,
                 "trips.txt": "route_id,service_id,trip_id,shape_id\nR1,WD,T1,SH1\nR1,WD,T2,SH1\nR1,WD,T3,SH1\n",
                 "stop_times.txt": stop_times(("T1", ["S1", "FAR", "S3"]), ("T2", ["S1", "FAR", "S3"]),
                                              ("T3", ["S1", "FAR", "S2", "S3"]))}


def validate(conn, tmp_path, files):
    vid, _ = versions.load_feed(conn, write_feed(tmp_path / "f.zip", {"feed_info.txt": FEED_INFO, **files}), "f",
                                publish_version=False, geometry=False)
    result = validation.validate_version(conn, vid, today=TODAY, only=list(CODES))
    assert result["failed"] == {}
    return vid, {c: n for c, n in result["counts"].items() if c in CODES}


def notices(conn, vid, code):
    with conn.cursor() as cur:
        cur.execute("SELECT filename, line_number, field_name, value, context FROM gtfs.notice"
                    " WHERE feed_version_id = %s AND code = %s ORDER BY line_number", (vid, code))
        return cur.fetchall()


def test_stop_150_m_from_its_shape(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_FAR)
    assert counts == {"stop_too_far_from_shape": 1}
    [(filename, line, field, value, context)] = notices(conn, vid, "stop_too_far_from_shape")
    assert (filename, line, field, value) == ("stop_times.txt", 3, "stop_id", "FAR")
    distance = context.pop("geoDistanceToShape")
    assert distance == pytest.approx(150.1, abs=0.1)
    assert context["match"] == pytest.approx([52.5, 13.41], abs=1e-6)
    assert {k: v for k, v in context.items() if k != "match"} == {
        "tripCsvRowNumber": 2, "shapeId": "SH1", "tripId": "T1", "stopTimeCsvRowNumber": 3, "stopId": "FAR",
        "stopName": "North"}


def test_stop_placed_far_by_its_shape_dist_traveled(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_USER)
    assert counts == {"stop_too_far_from_shape_using_user_distance": 1}
    [(_, line, _, value, context)] = notices(conn, vid, "stop_too_far_from_shape_using_user_distance")
    assert (line, value, context["tripId"], context["stopTimeCsvRowNumber"]) == (3, "S2", "T1", 3)
    # 1000 of 1354: 0.7386 of the way from 13.40 to 13.42
    assert context["match"] == pytest.approx([52.5, 13.414771], abs=1e-6)
    assert context["geoDistanceToShape"] == pytest.approx(323.0, abs=0.1)


def test_stop_too_far_both_ways_is_reported_once(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_BOTH)
    assert counts == {"stop_too_far_from_shape": 1}
    assert [n[3] for n in notices(conn, vid, "stop_too_far_from_shape")] == ["FAR"]


def test_stops_out_of_order_along_the_shape(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_ORDER)
    assert counts == {"stops_match_shape_out_of_order": 1}
    [(_, line, _, value, context)] = notices(conn, vid, "stops_match_shape_out_of_order")
    assert (line, value) == (3, "S1")
    assert {k: v for k, v in context.items() if not k.startswith("match")} == {
        "tripCsvRowNumber": 2, "shapeId": "SH1", "tripId": "T1", "stopTimeCsvRowNumber1": 3, "stopId1": "S1",
        "stopName1": "West", "stopTimeCsvRowNumber2": 2, "stopId2": "S2", "stopName2": "Middle"}
    assert context["match1"] == pytest.approx([52.5, 13.4], abs=1e-6)
    assert context["match2"] == pytest.approx([52.5, 13.41], abs=1e-6)


def test_loop_matches_the_last_stop_at_the_end_of_the_shape(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_LOOP)
    assert counts == {}


def test_stop_with_23_places_on_the_shape(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_ZIGZAG)
    assert counts == {"stop_has_too_many_matches_for_shape": 1}
    [(_, line, _, value, context)] = notices(conn, vid, "stop_has_too_many_matches_for_shape")
    assert (line, value, context["matchCount"], context["tripId"]) == (2, "S1", 23, "T1")


def test_one_trip_per_pattern_and_one_notice_per_stop(conn, tmp_path):
    vid, counts = validate(conn, tmp_path, FEED_PATTERNS)
    assert counts == {"stop_too_far_from_shape": 1}
    [(_, line, _, value, context)] = notices(conn, vid, "stop_too_far_from_shape")
    assert (line, value, context["tripId"], context["tripCsvRowNumber"]) == (3, "FAR", "T1", 2)


def test_stop_missing_from_stops_txt_is_matched_at_latitude_0_longitude_0(conn, tmp_path):
    # GHOST is not in stops.txt: MobilityData places it at (0, 0), thousands of km from SH1, and names it without a name.
    vid, counts = validate(conn, tmp_path, {**FEED_FAR, "stop_times.txt": stop_times(("T1", ["S1", "GHOST", "S3"]))})
    assert counts == {"stop_too_far_from_shape": 1}
    [(_, line, _, value, context)] = notices(conn, vid, "stop_too_far_from_shape")
    assert (line, value, context["stopName"], round(context["geoDistanceToShape"] / 1000)) == (3, "GHOST", "", 5970)
