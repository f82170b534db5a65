-- severity: ERROR
-- meaning: A timeframes.txt start_time or end_time is after 24:00:00.
-- One notice per such field.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'timeframe_start_or_end_time_greater_than_twenty_four_hours', 'ERROR', 'timeframes.txt',
       t.line_number, v.f, jsonb_build_object('timeframe_group_id', t.timeframe_group_id, 'service_id', t.service_id),
       v.val::text, NULL::jsonb, 'timeframe_start_or_end_time_greater_than_twenty_four_hours'
FROM gtfs.timeframes t
CROSS JOIN LATERAL (VALUES ('start_time', t.start_time), ('end_time', t.end_time)) v(f, val)
WHERE t.feed_version_id = %(feed_version_id)s AND (t.start_time > interval '24 hours' OR t.end_time > interval '24 hours')
  AND v.val > interval '24 hours';
