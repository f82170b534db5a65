"""Geometry building (issue 4): each test is one behaviour on a small feed of its own."""

from __future__ import annotations

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import geometry, versions
from gtfs_pipeline.errors import GtfsPipelineError

# Stops: S4 is a generic node (location_type 3) without coordinates.
STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type\n"
    "S1,One,52.5,13.4,0\n"
    "S2,Two,52.51,13.41,0\n"
    "S3,Three,52.52,13.42,0\n"
    "S4,Node,,,3\n"
    "S5,Five,52.53,13.4,0\n"
)
# SH_A is written out of order; SH_ONE has one point; SH_REP repeats a point.
SHAPES = (
    "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
    "SH_A,52.52,13.42,30,2600.5\n"
    "SH_A,52.5,13.4,10,0\n"
    "SH_A,52.51,13.41,20,1300\n"
    "SH_ONE,52.52,13.42,1,0\n"
    "SH_REP,52.5,13.4,1,0\n"
    "SH_REP,52.5,13.4,2,0\n"
    "SH_REP,52.51,13.41,3,1300\n"
)
ROUTES = "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\nR2,A,2,3\nR3,A,3,3\n"
# T1 uses a shape; T2's shape_id is not in shapes.txt; T3 has no shape_id (same
# located stops as T2); T4's shape has one point; T5 has one located stop.
TRIPS = (
    "route_id,service_id,trip_id,shape_id\n"
    "R1,WD,T1,SH_A\n"
    "R1,WD,T2,SH_MISSING\n"
    "R1,WD,T3,\n"
    "R2,WD,T4,SH_ONE\n"
    "R2,WD,T5,\n"
    "R2,WD,T6,SH_REP\n"
)
STOP_TIMES = (
    "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,08:00:00,08:00:00,S1,1\nT1,08:05:00,08:05:00,S2,2\nT1,08:10:00,08:10:00,S3,3\n"
    "T2,09:10:00,09:10:00,S3,30\nT2,09:00:00,09:00:00,S1,10\nT2,09:02:00,09:02:00,S4,15\nT2,09:05:00,09:05:00,S2,20\n"
    "T3,10:00:00,10:00:00,S1,1\nT3,10:05:00,10:05:00,S2,2\nT3,10:10:00,10:10:00,S3,3\n"
    "T4,11:00:00,11:00:00,S3,1\nT4,11:05:00,11:05:00,S5,2\n"
    "T5,12:00:00,12:00:00,S1,1\nT5,12:05:00,12:05:00,S4,2\n"
    "T6,13:00:00,13:00:00,S1,1\nT6,13:05:00,13:05:00,S2,2\n"
)
FEED = {"stops.txt": STOPS, "shapes.txt": SHAPES, "routes.txt": ROUTES, "trips.txt": TRIPS,
        "stop_times.txt": STOP_TIMES}

LINE_S1_S2_S3 = "LINESTRING(13.4 52.5,13.41 52.51,13.42 52.52)"
LINE_S3_S5 = "LINESTRING(13.42 52.52,13.4 52.53)"


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def load(conn, tmp_path, files=FEED, feed_id="g", name="f.zip"):
    vid, _ = versions.load_feed(conn, write_feed(tmp_path / name, files), feed_id)
    return vid


@pytest.fixture
def built(conn, tmp_path):
    """The fixture feed, loaded and with its geometry built: (version id, counts)."""
    vid = load(conn, tmp_path)
    return vid, geometry.build_geometry(conn, vid)


def test_every_stop_has_a_row_and_located_stops_a_point(conn, built):
    vid, _ = built
    assert rows(conn, "SELECT stop_id, stop_name, location_type, issue, ST_AsText(geom), ST_SRID(geom)"
                      " FROM gtfs.stop_geom WHERE feed_version_id = %s ORDER BY stop_id", vid) == [
        ("S1", "One", 0, None, "POINT(13.4 52.5)", 4326),
        ("S2", "Two", 0, None, "POINT(13.41 52.51)", 4326),
        ("S3", "Three", 0, None, "POINT(13.42 52.52)", 4326),
        ("S4", "Node", 3, "no_coordinates", None, None),
        ("S5", "Five", 0, None, "POINT(13.4 52.53)", 4326),
    ]


def test_stop_with_out_of_range_coordinates_gets_no_point(conn, tmp_path):
    stops = STOPS + "S6,Nowhere,95.0,13.4,0\n"
    vid = load(conn, tmp_path, {**FEED, "stops.txt": stops})
    counts = geometry.build_geometry(conn, vid)
    assert rows(conn, "SELECT issue, geom FROM gtfs.stop_geom WHERE stop_id = 'S6'") == [
        ("coordinates_out_of_range", None)]
    assert (counts["stops"], counts["stops_located"], counts["stops_out_of_range"]) == (6, 4, 1)


def test_shape_points_are_joined_in_sequence_order_not_file_order(conn, built):
    assert rows(conn, "SELECT ST_AsText(geom), point_count, max_shape_dist_traveled, issue"
                      " FROM gtfs.shape_geom WHERE shape_id = 'SH_A'") == [(LINE_S1_S2_S3, 3, 2600.5, None)]


def test_shape_length_is_geodesic_metres(conn, built):
    # Vincenty/Karney on WGS 84 for (52.5,13.4)->(52.51,13.41)->(52.52,13.42): 1299.5 m per leg.
    [(length,)] = rows(conn, "SELECT length_m FROM gtfs.shape_geom WHERE shape_id = 'SH_A'")
    [(check,)] = rows(conn, "SELECT ST_Distance('SRID=4326;POINT(13.4 52.5)'::geography,"
                            " 'SRID=4326;POINT(13.41 52.51)'::geography)"
                            " + ST_Distance('SRID=4326;POINT(13.41 52.51)'::geography,"
                            " 'SRID=4326;POINT(13.42 52.52)'::geography)")
    assert length == pytest.approx(check, rel=1e-9)
    assert 2590 < length < 2610


def test_one_point_shape_has_a_row_without_line_and_is_reported(conn, built):
    vid, counts = built
    assert rows(conn, "SELECT geom, length_m, point_count, issue FROM gtfs.shape_geom"
                      " WHERE shape_id = 'SH_ONE'") == [(None, None, 1, "single_point")]
    assert rows(conn, "SELECT code, severity, filename, value FROM gtfs.notice"
                      " WHERE feed_version_id = %s AND code = 'shape_without_line'", vid) == [
        ("shape_without_line", "WARNING", "shapes.txt", "SH_ONE")]
    assert counts["shapes_single_point"] == 1


def test_repeated_shape_points_are_kept_and_reported(conn, built):
    vid, counts = built
    assert rows(conn, "SELECT ST_AsText(geom), point_count, repeated_point_count, issue FROM gtfs.shape_geom"
                      " WHERE shape_id = 'SH_REP'") == [
        ("LINESTRING(13.4 52.5,13.4 52.5,13.41 52.51)", 3, 1, "repeated_points")]
    assert rows(conn, "SELECT code, severity, value FROM gtfs.notice"
                      " WHERE feed_version_id = %s AND code = 'repeated_shape_points'", vid) == [
        ("repeated_shape_points", "INFO", "SH_REP")]
    assert counts["shapes_with_repeated_points"] == 1


def test_every_trip_gets_its_line_and_its_source(conn, built):
    assert rows(conn, "SELECT trip_id, source, derived_because, ST_AsText(geom) FROM gtfs.trip_geometry"
                      " ORDER BY trip_id") == [
        ("T1", "shapes.txt", None, LINE_S1_S2_S3),
        ("T2", "derived", "shape_id_not_in_shapes", LINE_S1_S2_S3),
        ("T3", "derived", "no_shape_id", LINE_S1_S2_S3),
        ("T4", "derived", "shape_without_line", LINE_S3_S5),
        ("T5", None, "no_shape_id", None),
        ("T6", "shapes.txt", None, "LINESTRING(13.4 52.5,13.4 52.5,13.41 52.51)"),
    ]


def test_derived_line_follows_stop_sequence_and_skips_stops_without_coordinates(conn, built):
    # T2's stop_times are written out of order and pass S4, which has no coordinates.
    assert rows(conn, "SELECT p.stop_ids, ST_AsText(p.geom) FROM gtfs.trip_geom t"
                      " JOIN gtfs.pattern_geom p USING (feed_version_id, pattern_id) WHERE t.trip_id = 'T2'") == [
        (["S1", "S2", "S3"], LINE_S1_S2_S3)]


def test_trips_with_the_same_located_stops_share_one_derived_line(conn, built):
    assert rows(conn, "SELECT count(DISTINCT pattern_id) FROM gtfs.trip_geom WHERE trip_id IN ('T2', 'T3')") == [(1,)]
    assert rows(conn, "SELECT stop_ids FROM gtfs.pattern_geom ORDER BY pattern_id") == [
        (["S1", "S2", "S3"],), (["S3", "S5"],)]


def test_route_line_collects_the_distinct_lines_of_its_trips(conn, built):
    assert rows(conn, "SELECT route_id, ST_GeometryType(geom), ST_NumGeometries(geom), line_count, trip_count"
                      " FROM gtfs.route_geom ORDER BY route_id") == [
        ("R1", "ST_MultiLineString", 2, 2, 3),   # SH_A, and the pattern of T2 and T3
        ("R2", "ST_MultiLineString", 2, 2, 2),   # the pattern of T4, and SH_REP (T5 has no line)
        ("R3", None, None, 0, 0),                # no trips
    ]
    assert rows(conn, "SELECT ST_AsText(ST_GeometryN(geom, 1)) FROM gtfs.route_geom WHERE route_id = 'R1'") == [
        (LINE_S1_S2_S3,)]


def test_counts_are_returned_and_stored_beside_the_version(conn, built):
    vid, counts = built
    expected = {
        "feed_version_id": vid,
        "stops": 5, "stops_located": 4, "stops_without_coordinates": 1, "stops_out_of_range": 0,
        "shapes": 3, "shape_lines": 2, "shapes_single_point": 1, "shapes_with_repeated_points": 1,
        "shape_points_out_of_range": 0,
        "trips": 6, "trips_from_shapes": 2, "trips_derived": 3, "trips_without_geometry": 1, "stop_patterns": 2,
        "routes": 3, "routes_with_geometry": 2,
    }
    assert {k: v for k, v in counts.items() if k not in ("seconds", "step_seconds")} == expected
    assert set(counts["step_seconds"]) == set(geometry.GEOMETRY_STEPS) | {"swap"}
    stored = rows(conn, "SELECT " + ", ".join(geometry.COUNT_COLUMNS) +
                  " FROM gtfs.feed_version_geometry WHERE feed_version_id = %s", vid)
    assert stored == [tuple(expected[c] for c in geometry.COUNT_COLUMNS)]


def test_extent_is_the_box_and_hull_of_the_located_stops(conn, built):
    vid, _ = built
    # S2 lies on the edge S1-S3 of the hull (up to rounding): simplifying by 1e-9 degrees drops it.
    assert rows(conn, "SELECT ST_AsText(extent), ST_SRID(extent),"
                      " ST_AsText(ST_Normalize(ST_SimplifyPreserveTopology(hull, 1e-9))), ST_SRID(hull)"
                      " FROM gtfs.feed_version_geometry WHERE feed_version_id = %s", vid) == [
        ("POLYGON((13.4 52.5,13.4 52.53,13.42 52.53,13.42 52.5,13.4 52.5))", 4326,
         "POLYGON((13.4 52.5,13.4 52.53,13.42 52.52,13.4 52.5))", 4326)]


def test_feed_without_shapes_txt_derives_every_trip(conn, tmp_path):
    vid = load(conn, tmp_path, {k: v for k, v in FEED.items() if k != "shapes.txt"})
    counts = geometry.build_geometry(conn, vid)
    assert (counts["shapes"], counts["trips_from_shapes"], counts["trips_derived"],
            counts["trips_without_geometry"]) == (0, 0, 5, 1)
    assert rows(conn, "SELECT DISTINCT derived_because FROM gtfs.trip_geom ORDER BY 1") == [
        ("no_shape_id",), ("shape_id_not_in_shapes",)]


def test_minimal_feed_without_any_shape(conn, tmp_path):
    vid = load(conn, tmp_path, {})
    geometry.build_geometry(conn, vid)
    assert rows(conn, "SELECT trip_id, source, ST_AsText(geom) FROM gtfs.trip_geometry") == [
        ("T1", "derived", "LINESTRING(13.4 52.5,13.41 52.51)")]


def test_rebuild_gives_the_same_rows_and_no_duplicates(conn, built):
    vid, first_counts = built
    tables = ["stop_geom", "shape_geom", "pattern_geom", "trip_geom", "route_geom"]

    def snapshot():
        snap = {t: rows(conn, f"SELECT * FROM gtfs.{t} ORDER BY 1, 2") for t in tables}
        snap["notice"] = rows(conn, "SELECT code, value FROM gtfs.notice WHERE source = 'geometry' ORDER BY 1, 2")
        snap["trip_geometry"] = rows(conn, "SELECT trip_id, source, ST_AsEWKB(geom) FROM gtfs.trip_geometry"
                                           " ORDER BY 1")
        return snap

    before = snapshot()
    again = geometry.build_geometry(conn, vid)
    assert snapshot() == before
    assert {k: v for k, v in again.items() if k not in ("seconds", "step_seconds")} == \
        {k: v for k, v in first_counts.items() if k not in ("seconds", "step_seconds")}
    assert rows(conn, "SELECT count(*) FROM gtfs.feed_version_geometry") == [(1,)]
    assert rows(conn, "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                      " WHERE n.nspname = 'gtfs_part' AND c.relkind = 'r' AND c.relname LIKE '%%geom%%' ORDER BY 1") == [
        (f"{t}_v{vid}",) for t in sorted(tables)]


def test_rebuilding_one_version_leaves_the_others_alone(conn, tmp_path):
    v1 = load(conn, tmp_path, name="a.zip")
    v2 = load(conn, tmp_path, {**FEED, "stops.txt": STOPS.replace("S5,Five", "S6,Six")}, name="b.zip")
    geometry.build_geometry(conn, v1)
    geometry.build_geometry(conn, v2)
    geometry.build_geometry(conn, v1)
    assert rows(conn, "SELECT feed_version_id, count(*) FROM gtfs.stop_geom GROUP BY 1 ORDER BY 1") == [
        (v1, 5), (v2, 5)]


def test_current_views_show_the_published_version_only(conn, tmp_path):
    v1 = load(conn, tmp_path, name="a.zip")
    geometry.build_geometry(conn, v1)
    v2 = load(conn, tmp_path, {**FEED, "stops.txt": STOPS.replace("S5,Five", "S6,Six")}, name="b.zip")
    geometry.build_geometry(conn, v2)
    for view in ("stop_geom", "shape_geom", "pattern_geom", "trip_geom", "route_geom", "trip_geometry",
                 "feed_version_geometry"):
        assert rows(conn, f"SELECT DISTINCT feed_version_id FROM gtfs_current.{view}") == [(v2,)], view
    assert rows(conn, "SELECT count(*) FROM gtfs.stop_geom") == [(10,)]


def test_every_geometry_column_has_a_gist_index(conn, built):
    vid, _ = built
    missing = rows(conn, """
        SELECT c.relname, a.attname FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname IN ('gtfs', 'gtfs_part') AND c.relkind IN ('r', 'p') AND a.attnum > 0
           AND NOT a.attisdropped AND a.atttypid = 'geometry'::regtype
           AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                            JOIN pg_am am ON am.oid = ic.relam
                           WHERE i.indrelid = c.oid AND am.amname = 'gist' AND i.indkey[0] = a.attnum)
         ORDER BY 1, 2""")
    assert missing == []
    assert rows(conn, "SELECT count(*) FROM pg_class WHERE relname = %s", f"shape_geom_v{vid}_geom_idx") == [(1,)]


def test_spatial_query_on_trip_geometry_finds_lines_by_bounding_box(conn, built):
    # S5 is only on T4's derived line.
    assert rows(conn, "SELECT trip_id FROM gtfs.trip_geometry"
                      " WHERE geom && ST_MakeEnvelope(13.39, 52.525, 13.405, 52.54, 4326) ORDER BY 1") == [("T4",)]


def test_drop_geometry_removes_the_version_geometry(conn, built):
    vid, _ = built
    with conn.cursor() as cur:
        geometry.drop_geometry(cur, vid)
    conn.commit()
    for table in ("stop_geom", "shape_geom", "pattern_geom", "trip_geom", "route_geom", "feed_version_geometry"):
        assert rows(conn, f"SELECT count(*) FROM gtfs.{table}") == [(0,)], table
    assert rows(conn, "SELECT count(*) FROM gtfs.notice WHERE source = 'geometry'") == [(0,)]


def test_unknown_version_is_refused(conn):
    with pytest.raises(GtfsPipelineError, match="no feed version 999"):
        geometry.build_geometry(conn, 999)

