-- severity: ERROR
-- meaning: A Polygon or MultiPolygon of locations.geojson is not a valid geometry (e.g. a ring that is not closed or that crosses itself).
-- As MobilityData (JTS's IsValidOp): the message is the reason; PostGIS uses GEOS, JTS's port, whose messages
-- are the same (e.g. "Self-intersection[1 1]"). Only for a feature that has every required member.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'invalid_geometry', 'ERROR', 'locations.geojson', NULL, 'geometry',
       jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.reason,
       jsonb_build_object('featureIndex', l.feature_index, 'featureId', l.location_id,
                          'geometryType', l.feature -> 'geometry' ->> 'type', 'message', l.reason),
       'invalid_geometry'
FROM (SELECT l.*, CASE WHEN l.geometry IS NULL OR NOT ST_IsValid(l.geometry)
                       THEN gtfs.geojson_invalid_reason(l.feature -> 'geometry') END AS reason
      FROM gtfs.locations l
      WHERE l.feed_version_id = %(feed_version_id)s
        AND l.location_id IS NOT NULL AND l.feature ?& ARRAY['type', 'properties', 'geometry']
        AND coalesce(l.feature -> 'geometry' ?& ARRAY['type', 'coordinates'], false)
        AND l.feature -> 'geometry' ->> 'type' IN ('Polygon', 'MultiPolygon')) l
WHERE l.reason IS NOT NULL;
