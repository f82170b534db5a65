-- severity: WARNING
-- meaning: An attribution has none of is_producer, is_operator, is_authority set to 1.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'attribution_without_role', 'WARNING', 'attributions.txt', line_number, 'is_producer', jsonb_build_object('attribution_id', attribution_id), NULL, NULL::jsonb, 'attribution_without_role'
FROM gtfs.attributions WHERE feed_version_id = %(feed_version_id)s AND coalesce(is_producer, 0) <> 1 AND coalesce(is_operator, 0) <> 1 AND coalesce(is_authority, 0) <> 1;
