-- severity: ERROR
-- meaning: An object of locations.geojson has the same member twice.
-- MobilityData's reader stops at the first repeated key and keeps no feature: one notice (duplicatedElement).
-- Here the loader finds the first one on the JSON text (gtfs.locations_document.duplicated_key) and keeps the
-- features, each object with the last value of a repeated member (as jsonb reads it).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'geo_json_duplicated_element', 'ERROR', 'locations.geojson', NULL, d.duplicated_key, NULL, d.duplicated_key,
       jsonb_build_object('filename', 'locations.geojson', 'duplicatedElement', d.duplicated_key), 'geo_json_duplicated_element'
FROM gtfs.locations_document d
WHERE d.feed_version_id = %(feed_version_id)s AND d.duplicated_key IS NOT NULL;
