-- severity: WARNING
-- meaning: route_short_name is longer than 12 characters.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_short_name_too_long', 'WARNING', 'routes.txt', line_number, 'route_short_name', jsonb_build_object('route_id', route_id), route_short_name, NULL::jsonb, 'route_short_name_too_long'
FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s AND length(route_short_name) > 12;
