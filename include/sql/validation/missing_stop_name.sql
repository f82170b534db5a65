-- severity: ERROR
-- meaning: A stop, station or entrance (location_type 0, 1, 2) has no stop_name.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_stop_name', 'ERROR', 'stops.txt', s.line_number, 'stop_name', jsonb_build_object('stop_id', s.stop_id), NULL,
       jsonb_build_object('locationType', coalesce(s.location_type, 0)), 'missing_stop_name'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) IN (0, 1, 2) AND s.stop_name IS NULL;
