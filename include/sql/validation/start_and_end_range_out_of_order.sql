-- severity: ERROR
-- meaning: A start date or time is after its end (calendar, feed_info, frequencies, timeframes).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'start_and_end_range_out_of_order', 'ERROR', 'calendar.txt', line_number, 'start_date', jsonb_build_object('service_id', service_id),
       start_date::text, jsonb_build_object('endFieldName', 'end_date', 'endValue', end_date::text), 'start_and_end_range_out_of_order'
FROM gtfs.calendar WHERE feed_version_id = %(feed_version_id)s AND start_date > end_date
UNION ALL
SELECT %(feed_version_id)s, 'start_and_end_range_out_of_order', 'ERROR', 'feed_info.txt', line_number, 'feed_start_date', NULL,
       feed_start_date::text, jsonb_build_object('endFieldName', 'feed_end_date', 'endValue', feed_end_date::text), 'start_and_end_range_out_of_order'
FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s AND feed_start_date > feed_end_date
UNION ALL
SELECT %(feed_version_id)s, 'start_and_end_range_out_of_order', 'ERROR', 'frequencies.txt', line_number, 'start_time', jsonb_build_object('trip_id', trip_id, 'start_time', start_time::text),
       start_time::text, jsonb_build_object('endFieldName', 'end_time', 'endValue', end_time::text), 'start_and_end_range_out_of_order'
FROM gtfs.frequencies WHERE feed_version_id = %(feed_version_id)s AND start_time > end_time
UNION ALL
SELECT %(feed_version_id)s, 'start_and_end_range_out_of_order', 'ERROR', 'timeframes.txt', line_number, 'start_time', jsonb_build_object('timeframe_group_id', timeframe_group_id, 'service_id', service_id),
       start_time::text, jsonb_build_object('endFieldName', 'end_time', 'endValue', end_time::text), 'start_and_end_range_out_of_order'
FROM gtfs.timeframes WHERE feed_version_id = %(feed_version_id)s AND start_time > end_time;
