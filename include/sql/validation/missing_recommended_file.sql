-- severity: WARNING
-- meaning: feed_info.txt is missing (recommended).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_recommended_file', 'WARNING', 'feed_info.txt', NULL::bigint, NULL, NULL::jsonb, NULL, NULL::jsonb, 'missing_recommended_file'
WHERE NOT EXISTS (SELECT 1 FROM gtfs.feed_version_file WHERE feed_version_id = %(feed_version_id)s AND filename = 'feed_info.txt')
  AND NOT EXISTS (SELECT 1 FROM gtfs.feed_version_file WHERE feed_version_id = %(feed_version_id)s AND filename = 'translations.txt' AND load_path <> 'kept');
