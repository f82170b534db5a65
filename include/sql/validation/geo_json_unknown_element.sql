-- severity: INFO
-- meaning: locations.geojson has a member that GTFS does not define (the document: type, features; a feature: id, type, properties, geometry; a geometry: type, coordinates).
-- As MobilityData's GeoJsonFileLoader: one notice per unknown member of each object (unknownElement).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'geo_json_unknown_element', 'INFO', 'locations.geojson', NULL, u.element, u.entity_key, u.element,
       jsonb_build_object('filename', 'locations.geojson', 'unknownElement', u.element), 'geo_json_unknown_element'
FROM (
    SELECT k AS element, NULL::jsonb AS entity_key, -1 AS feature_index, 0 AS part
    FROM gtfs.locations_document d, jsonb_object_keys(d.members) k
    WHERE d.feed_version_id = %(feed_version_id)s AND k <> 'type'
    UNION ALL
    SELECT k, jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.feature_index, 1
    FROM gtfs.locations l, jsonb_object_keys(CASE WHEN jsonb_typeof(l.feature) = 'object' THEN l.feature END) k
    WHERE l.feed_version_id = %(feed_version_id)s AND k NOT IN ('id', 'type', 'properties', 'geometry')
    UNION ALL
    SELECT k, jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.feature_index, 2
    FROM gtfs.locations l,
         jsonb_object_keys(CASE WHEN jsonb_typeof(l.feature -> 'geometry') = 'object' THEN l.feature -> 'geometry' END) k
    WHERE l.feed_version_id = %(feed_version_id)s AND k NOT IN ('type', 'coordinates')) u;
