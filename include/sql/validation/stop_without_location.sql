-- severity: ERROR
-- meaning: A stop, station or entrance (location_type 0, 1, 2) lacks stop_lat or stop_lon.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_without_location', 'ERROR', 'stops.txt', s.line_number, CASE WHEN s.stop_lat IS NULL THEN 'stop_lat' ELSE 'stop_lon' END,
       jsonb_build_object('stop_id', s.stop_id), NULL, jsonb_build_object('locationType', coalesce(s.location_type, 0)), 'stop_without_location'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) IN (0, 1, 2) AND (s.stop_lat IS NULL OR s.stop_lon IS NULL);
