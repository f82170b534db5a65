-- severity: ERROR
-- meaning: stop_times.txt refers to a location that is not a stop or platform (location_type is not 0).
-- The stops concerned are found from the distinct stops in use (v_stop_use); only their stop times are read.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH bad AS MATERIALIZED (
    SELECT s.stop_id, s.line_number, s.location_type FROM gtfs.stops s
    WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) <> 0
      AND EXISTS (SELECT 1 FROM v_stop_use u WHERE u.stop_id = s.stop_id))
SELECT %(feed_version_id)s, 'location_with_unexpected_stop_time', 'ERROR', 'stop_times.txt', st.line_number, 'stop_id',
       jsonb_build_object('trip_id', st.trip_id, 'stop_sequence', st.stop_sequence), st.stop_id,
       jsonb_build_object('stopsCsvRowNumber', s.line_number, 'locationType', s.location_type), 'location_with_unexpected_stop_time'
FROM gtfs.stop_times st JOIN bad s ON s.stop_id = st.stop_id
WHERE st.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM bad);
