-- severity: ERROR
-- meaning: A frequencies.txt or timeframes.txt entry starts and ends at the same time.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'start_and_end_range_equal', 'ERROR', 'frequencies.txt', line_number, 'start_time', jsonb_build_object('trip_id', trip_id, 'start_time', start_time::text),
       start_time::text, jsonb_build_object('endFieldName', 'end_time'), 'start_and_end_range_equal'
FROM gtfs.frequencies WHERE feed_version_id = %(feed_version_id)s AND start_time = end_time
UNION ALL
SELECT %(feed_version_id)s, 'start_and_end_range_equal', 'ERROR', 'timeframes.txt', line_number, 'start_time', jsonb_build_object('timeframe_group_id', timeframe_group_id, 'service_id', service_id),
       start_time::text, jsonb_build_object('endFieldName', 'end_time'), 'start_and_end_range_equal'
FROM gtfs.timeframes WHERE feed_version_id = %(feed_version_id)s AND start_time = end_time;
