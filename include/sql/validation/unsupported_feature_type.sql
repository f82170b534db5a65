-- severity: ERROR
-- meaning: A feature of locations.geojson has a type other than "Feature".
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unsupported_feature_type', 'ERROR', 'locations.geojson', NULL, 'type',
       jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.feature ->> 'type',
       jsonb_build_object('featureIndex', l.feature_index, 'featureId', l.location_id, 'featureType', l.feature ->> 'type'),
       'unsupported_feature_type'
FROM gtfs.locations l
WHERE l.feed_version_id = %(feed_version_id)s AND l.feature ? 'type' AND l.feature ->> 'type' IS DISTINCT FROM 'Feature';
