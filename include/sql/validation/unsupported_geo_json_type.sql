-- severity: ERROR
-- meaning: locations.geojson is not a FeatureCollection (its type is another GeoJSON type).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unsupported_geo_json_type', 'ERROR', 'locations.geojson', NULL, 'type', NULL, d.members ->> 'type',
       jsonb_build_object('geoJsonType', d.members ->> 'type',
                          'message', 'Unsupported GeoJSON type: ' || (d.members ->> 'type') || '. Use ''FeatureCollection'' instead.'),
       'unsupported_geo_json_type'
FROM gtfs.locations_document d
WHERE d.feed_version_id = %(feed_version_id)s AND d.members ? 'type' AND d.members ->> 'type' IS DISTINCT FROM 'FeatureCollection';
