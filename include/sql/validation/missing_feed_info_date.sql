-- severity: WARNING
-- meaning: feed_info.txt gives one of feed_start_date and feed_end_date but not the other.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_feed_info_date', 'WARNING', 'feed_info.txt', line_number, CASE WHEN feed_start_date IS NULL THEN 'feed_start_date' ELSE 'feed_end_date' END,
       NULL::jsonb, NULL, NULL::jsonb, 'missing_feed_info_date'
FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s AND (feed_start_date IS NULL) <> (feed_end_date IS NULL);
