-- severity: ERROR
-- meaning: stop_times.txt refers to a location that is not a stop or platform (location_type is not 0).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'location_with_unexpected_stop_time', 'ERROR', 'stop_times.txt', st.line_number, 'stop_id',
       jsonb_build_object('trip_id', st.trip_id, 'stop_sequence', st.stop_sequence), st.stop_id,
       jsonb_build_object('stopsCsvRowNumber', s.line_number, 'locationType', s.location_type), 'location_with_unexpected_stop_time'
FROM v_st st JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = st.stop_id AND coalesce(s.location_type, 0) <> 0;
