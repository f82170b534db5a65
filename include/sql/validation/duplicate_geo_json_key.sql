-- severity: ERROR
-- meaning: Two features of locations.geojson have the same id.
-- As MobilityData (GtfsGeoJsonFeaturesContainer): each later feature with an id already seen gets one notice
-- with the first feature's index (firstIndex) and its own (secondIndex).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'duplicate_geo_json_key', 'ERROR', 'locations.geojson', NULL, 'id',
       jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id), l.location_id,
       jsonb_build_object('featureId', l.location_id, 'firstIndex', l.first_index, 'secondIndex', l.feature_index),
       'duplicate_geo_json_key'
FROM (SELECT location_id, feature_index,
             min(feature_index) OVER (PARTITION BY location_id) AS first_index
      FROM gtfs.locations WHERE feed_version_id = %(feed_version_id)s AND location_id IS NOT NULL) l
WHERE l.feature_index > l.first_index;
