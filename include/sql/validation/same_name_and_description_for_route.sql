-- severity: WARNING
-- meaning: route_desc repeats route_short_name or route_long_name.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_name_and_description_for_route', 'WARNING', 'routes.txt', line_number, 'route_desc', jsonb_build_object('route_id', route_id), route_desc, NULL::jsonb, 'same_name_and_description_for_route'
FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s AND (lower(route_desc) = lower(route_short_name) OR lower(route_desc) = lower(route_long_name));
