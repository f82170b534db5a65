-- severity: ERROR
-- meaning: A colour field is not six hexadecimal digits.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'invalid_color', 'ERROR', 'routes.txt', t.line_number, 'route_color', jsonb_build_object('route_id', t.route_id), t.route_color, NULL::jsonb, 'invalid_color'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_color IS NOT NULL AND t.route_color !~ '^[0-9A-Fa-f]{6}$'
UNION ALL
SELECT t.feed_version_id, 'invalid_color', 'ERROR', 'routes.txt', t.line_number, 'route_text_color', jsonb_build_object('route_id', t.route_id), t.route_text_color, NULL::jsonb, 'invalid_color'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_text_color IS NOT NULL AND t.route_text_color !~ '^[0-9A-Fa-f]{6}$';
