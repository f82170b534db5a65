-- severity: WARNING
-- meaning: feed_info.txt has more than one row.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'more_than_one_entity', 'WARNING', 'feed_info.txt', NULL::bigint, NULL, NULL::jsonb, count(*)::text, NULL::jsonb, 'more_than_one_entity'
FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s HAVING count(*) > 1;
