-- severity: ERROR
-- meaning: A feature of locations.geojson has a geometry other than a Polygon or a MultiPolygon.
-- As MobilityData: only for a feature that has every required member (else missing_required_element).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unsupported_geometry_type', 'ERROR', 'locations.geojson', NULL, 'geometry',
       jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.feature -> 'geometry' ->> 'type',
       jsonb_build_object('featureIndex', l.feature_index, 'featureId', l.location_id,
                          'geometryType', l.feature -> 'geometry' ->> 'type'),
       'unsupported_geometry_type'
FROM gtfs.locations l
WHERE l.feed_version_id = %(feed_version_id)s
  AND l.location_id IS NOT NULL AND l.feature ?& ARRAY['type', 'properties', 'geometry']
  AND coalesce(l.feature -> 'geometry' ?& ARRAY['type', 'coordinates'], false)
  AND l.feature -> 'geometry' ->> 'type' NOT IN ('Polygon', 'MultiPolygon');
