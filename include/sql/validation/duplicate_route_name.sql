-- severity: WARNING
-- meaning: Two routes of one agency and route_type have the same short and long names.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'duplicate_route_name', 'WARNING', 'routes.txt', r.line_number, 'route_short_name', jsonb_build_object('route_id', r.route_id),
       concat_ws(' / ', r.route_short_name, r.route_long_name), jsonb_build_object('prevCsvRowNumber', r.first_line), 'duplicate_route_name'
FROM (SELECT *, row_number() OVER w AS k, first_value(line_number) OVER w AS first_line FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY route_short_name, route_long_name, route_type, agency_id ORDER BY line_number)) r
WHERE r.k > 1;
