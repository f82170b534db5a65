-- severity: WARNING
-- meaning: A route's route_url is its agency's agency_url.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_route_and_agency_url', 'WARNING', 'routes.txt', r.line_number, 'route_url', jsonb_build_object('route_id', r.route_id), r.route_url,
       jsonb_build_object('agencyId', a.agency_id, 'agencyCsvRowNumber', a.line_number), 'same_route_and_agency_url'
FROM gtfs.routes r JOIN gtfs.agency a ON a.feed_version_id = %(feed_version_id)s AND (a.agency_id = r.agency_id OR r.agency_id IS NULL)
WHERE r.feed_version_id = %(feed_version_id)s AND r.route_url = a.agency_url;
