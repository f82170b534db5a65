-- severity: ERROR
-- meaning: A route has neither route_short_name nor route_long_name.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_both_short_and_long_name_missing', 'ERROR', 'routes.txt', line_number, 'route_short_name', jsonb_build_object('route_id', route_id),
       NULL, NULL::jsonb, 'route_both_short_and_long_name_missing'
FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s AND route_short_name IS NULL AND route_long_name IS NULL;
