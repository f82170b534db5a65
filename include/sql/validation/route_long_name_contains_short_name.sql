-- severity: WARNING
-- meaning: route_long_name starts with route_short_name, followed by nothing, a space, '-', '(' or ')'.
-- As MobilityData (RouteNameValidator): case-insensitive prefix; the rest of the long name must be empty or
-- start with whitespace, '-', '(' or ')' ("10 Express" is reported, "10th Avenue" is not).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_long_name_contains_short_name', 'WARNING', 'routes.txt', line_number, 'route_long_name', jsonb_build_object('route_id', route_id), route_long_name,
       jsonb_build_object('routeShortName', route_short_name), 'route_long_name_contains_short_name'
FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s AND starts_with(lower(route_long_name), lower(route_short_name))
  AND (length(route_long_name) = length(route_short_name)
       OR substr(route_long_name, length(route_short_name) + 1) ~ '^[[:space:]()-]');
