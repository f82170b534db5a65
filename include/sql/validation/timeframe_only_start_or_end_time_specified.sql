-- severity: ERROR
-- meaning: A timeframes.txt row gives only one of start_time and end_time.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'timeframe_only_start_or_end_time_specified', 'ERROR', 'timeframes.txt', t.line_number,
       CASE WHEN t.start_time IS NULL THEN 'end_time' ELSE 'start_time' END,
       jsonb_build_object('timeframe_group_id', t.timeframe_group_id, 'service_id', t.service_id),
       coalesce(t.start_time, t.end_time)::text, NULL::jsonb, 'timeframe_only_start_or_end_time_specified'
FROM gtfs.timeframes t
WHERE t.feed_version_id = %(feed_version_id)s AND (t.start_time IS NULL) <> (t.end_time IS NULL);
