"""locations.geojson (GTFS-Flex zones): every feature loads, and MobilityData's GeoJSON codes are reported.

The codes are those of MobilityData's GeoJsonFileLoader and GtfsGeoJsonFeaturesContainer; the loader keeps
the features (by position) and the document's other members, and one rule per code checks them.
"""

from __future__ import annotations

import datetime as dt
import json

from feedbuilder import write_feed
from gtfs_pipeline import validation, versions

TODAY = dt.date(2024, 6, 1)
FEED_INFO = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date,feed_version,feed_contact_email\n"
             "P,https://p.example,en,20240101,20241231,1,data@p.example\n")
SQUARE = [[[13.40, 52.50], [13.41, 52.50], [13.41, 52.51], [13.40, 52.51], [13.40, 52.50]]]
BOWTIE = [[[13.40, 52.50], [13.42, 52.52], [13.42, 52.50], [13.40, 52.52], [13.40, 52.50]]]
GEOJSON_CODES = {"geo_json_unknown_element", "missing_required_element", "unsupported_geo_json_type",
                 "unsupported_feature_type", "unsupported_geometry_type", "invalid_geometry",
                 "duplicate_geo_json_key", "geo_json_duplicated_element", "malformed_json"}


def polygon(coordinates) -> dict:
    return {"type": "Polygon", "coordinates": coordinates}


FEATURES = [
    {"id": "Z1", "type": "Feature", "properties": {"stop_name": "Zone 1"}, "geometry": polygon(SQUARE)},
    {"id": "Z1", "type": "Feature", "properties": {}, "geometry": polygon(SQUARE)},          # id again
    {"type": "Feature", "properties": {}, "geometry": polygon(SQUARE)},                      # no id
    {"id": "Z3", "type": "Fature", "properties": {}, "geometry": polygon(SQUARE)},          # feature type
    {"id": "Z4", "type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [13.4, 52.5]}},
    {"id": "Z5", "type": "Feature", "properties": {}, "geometry": polygon(BOWTIE)},          # crosses itself
    {"id": "Z6", "type": "Feature", "properties": {}, "bbox": [0, 0, 1, 1], "geometry": polygon(SQUARE)},
    {"id": "Z7", "type": "Feature", "properties": {}, "geometry": {"type": "Polygon"}},    # no coordinates
]


def load_geojson(conn, tmp_path, document: str | bytes):
    vid, _ = versions.load_feed(conn, write_feed(tmp_path / "f.zip", {"feed_info.txt": FEED_INFO,
                                                                      "locations.geojson": document}),
                                "f", publish_version=False, geometry=False)
    result = validation.validate_version(conn, vid, today=TODAY)
    assert result["failed"] == {}
    return vid, {c: n for c, n in result["counts"].items() if c in GEOJSON_CODES}


def geojson_notices(conn, vid, code):
    with conn.cursor() as cur:
        cur.execute("SELECT field_name, value, context FROM gtfs.notice WHERE feed_version_id = %s AND code = %s"
                    " ORDER BY (context ->> 'featureIndex')::int NULLS FIRST, field_name", (vid, code))
        return cur.fetchall()


def test_every_feature_loads_in_file_order_with_its_geometry_when_readable(conn, tmp_path):
    vid, _ = load_geojson(conn, tmp_path, json.dumps({"type": "FeatureCollection", "features": FEATURES}))
    with conn.cursor() as cur:
        cur.execute("SELECT feature_index, location_id, geometry IS NOT NULL, ST_GeometryType(geometry)"
                    " FROM gtfs.locations WHERE feed_version_id = %s ORDER BY feature_index", (vid,))
        assert cur.fetchall() == [
            (0, "Z1", True, "ST_Polygon"), (1, "Z1", True, "ST_Polygon"), (2, None, True, "ST_Polygon"),
            (3, "Z3", True, "ST_Polygon"), (4, "Z4", True, "ST_Point"), (5, "Z5", True, "ST_Polygon"),
            (6, "Z6", True, "ST_Polygon"), (7, "Z7", False, None)]


def test_the_features_codes_of_mobilitydata(conn, tmp_path):
    document = json.dumps({"type": "FeatureCollection", "name": "zones", "features": FEATURES})
    vid, counts = load_geojson(conn, tmp_path, document)
    assert counts == {"duplicate_geo_json_key": 1, "missing_required_element": 2, "unsupported_feature_type": 1,
                      "unsupported_geometry_type": 1, "invalid_geometry": 1, "geo_json_unknown_element": 2}
    assert geojson_notices(conn, vid, "duplicate_geo_json_key") == [
        ("id", "Z1", {"featureId": "Z1", "firstIndex": 0, "secondIndex": 1})]
    assert geojson_notices(conn, vid, "missing_required_element") == [
        ("features.id", None, {"featureIndex": 2, "featureId": None, "missingElement": "features.id"}),
        ("features.geometry.coordinates", None,
         {"featureIndex": 7, "featureId": "Z7", "missingElement": "features.geometry.coordinates"})]
    assert geojson_notices(conn, vid, "unsupported_feature_type") == [
        ("type", "Fature", {"featureIndex": 3, "featureId": "Z3", "featureType": "Fature"})]
    assert geojson_notices(conn, vid, "unsupported_geometry_type") == [
        ("geometry", "Point", {"featureIndex": 4, "featureId": "Z4", "geometryType": "Point"})]
    assert geojson_notices(conn, vid, "invalid_geometry") == [
        ("geometry", "Self-intersection[13.41 52.51]",
         {"featureIndex": 5, "featureId": "Z5", "geometryType": "Polygon", "message": "Self-intersection[13.41 52.51]"})]
    assert geojson_notices(conn, vid, "geo_json_unknown_element") == [
        ("bbox", "bbox", {"filename": "locations.geojson", "unknownElement": "bbox"}),
        ("name", "name", {"filename": "locations.geojson", "unknownElement": "name"})]


def test_a_ring_that_is_not_closed_is_an_invalid_geometry_and_the_feature_stays(conn, tmp_path):
    open_ring = [SQUARE[0][:-1]]
    document = json.dumps({"type": "FeatureCollection", "features": [
        {"id": "Z1", "type": "Feature", "properties": {}, "geometry": polygon(open_ring)}]})
    vid, counts = load_geojson(conn, tmp_path, document)
    assert counts == {"invalid_geometry": 1}
    message = "IllegalArgumentException: Points of LinearRing do not form a closed linestring"
    assert geojson_notices(conn, vid, "invalid_geometry") == [
        ("geometry", message, {"featureIndex": 0, "featureId": "Z1", "geometryType": "Polygon", "message": message})]


def test_a_document_that_is_not_a_feature_collection(conn, tmp_path):
    document = json.dumps({"type": "Feature", "features": FEATURES[:1]})
    vid, counts = load_geojson(conn, tmp_path, document)
    assert counts == {"unsupported_geo_json_type": 1}
    assert geojson_notices(conn, vid, "unsupported_geo_json_type") == [
        ("type", "Feature", {"geoJsonType": "Feature",
                             "message": "Unsupported GeoJSON type: Feature. Use 'FeatureCollection' instead."})]


def test_a_document_without_a_type(conn, tmp_path):
    vid, counts = load_geojson(conn, tmp_path, json.dumps({"features": FEATURES[:1]}))
    assert counts == {"missing_required_element": 1}
    assert geojson_notices(conn, vid, "missing_required_element") == [
        ("type", None, {"featureIndex": None, "featureId": None, "missingElement": "type"})]


def test_a_repeated_member_is_reported_once_and_the_features_load(conn, tmp_path):
    document = ('{"type": "FeatureCollection", "features": ['
                '{"id": "Z1", "type": "Feature", "properties": {"stop_name": "A", "stop_name": "B"},'
                ' "geometry": ' + json.dumps(polygon(SQUARE)) + '},'
                '{"id": "Z2", "type": "Feature", "properties": {"stop_name": "A"}, "geometry": '
                + json.dumps(polygon(SQUARE)) + '}]}')
    vid, counts = load_geojson(conn, tmp_path, document)
    assert counts == {"geo_json_duplicated_element": 1}
    assert geojson_notices(conn, vid, "geo_json_duplicated_element") == [
        ("stop_name", "stop_name", {"filename": "locations.geojson", "duplicatedElement": "stop_name"})]
    with conn.cursor() as cur:
        cur.execute("SELECT location_id, properties FROM gtfs.locations WHERE feed_version_id = %s"
                    " ORDER BY feature_index", (vid,))
        assert cur.fetchall() == [("Z1", {"stop_name": "B"}), ("Z2", {"stop_name": "A"})]


def test_a_document_that_is_not_an_object_is_malformed_json_and_is_kept_as_a_file(conn, tmp_path):
    vid, counts = load_geojson(conn, tmp_path, json.dumps(FEATURES[:1]))
    assert counts == {"malformed_json": 1}
    with conn.cursor() as cur:
        cur.execute("SELECT value FROM gtfs.notice WHERE feed_version_id = %s AND code = 'malformed_json'", (vid,))
        assert cur.fetchall() == [("Expected a JSON object at the root",)]
        cur.execute("SELECT count(*) FROM gtfs.locations WHERE feed_version_id = %s", (vid,))
        assert cur.fetchone() == (0,)
        cur.execute("SELECT filename FROM gtfs.extra_file WHERE feed_version_id = %s", (vid,))
        assert cur.fetchall() == [("locations.geojson",)]


def test_zone_vertices_near_the_origin_or_a_pole(conn, tmp_path):
    # MobilityData checks each vertex of a zone as it checks stops: 4 corners and the closing vertex.
    origin = [[[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.2], [0.1, 0.1]]]
    pole = [[[10.0, 89.5], [10.1, 89.5], [10.1, 89.6], [10.0, 89.5]]]
    document = json.dumps({"type": "FeatureCollection", "features": [
        {"id": "Z0", "type": "Feature", "properties": {}, "geometry": polygon(origin)},
        {"id": "Z1", "type": "Feature", "properties": {}, "geometry": polygon(SQUARE)},
        {"id": "Z2", "type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates": [pole]}}]})
    vid, _ = load_geojson(conn, tmp_path, document)
    with conn.cursor() as cur:
        cur.execute("SELECT code, context ->> 'entityId', count(*), min(value) FROM gtfs.notice"
                    " WHERE feed_version_id = %s AND filename = 'locations.geojson' GROUP BY 1, 2 ORDER BY 1", (vid,))
        assert cur.fetchall() == [("point_near_origin", "Z0", 5, "0.1,0.1"), ("point_near_pole", "Z2", 4, "89.5,10")]
