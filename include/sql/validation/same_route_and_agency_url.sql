-- severity: WARNING
-- meaning: A route's route_url is an agency's agency_url (compared case-insensitively).
-- As MobilityData: every agency of the feed, not only the route's own; one notice per (route, agency).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_route_and_agency_url', 'WARNING', 'routes.txt', r.line_number, 'route_url', jsonb_build_object('route_id', r.route_id), r.route_url,
       jsonb_build_object('agencyName', a.agency_name, 'agencyCsvRowNumber', a.line_number), 'same_route_and_agency_url'
FROM gtfs.routes r JOIN gtfs.agency a ON a.feed_version_id = %(feed_version_id)s AND lower(a.agency_url) = lower(r.route_url)
WHERE r.feed_version_id = %(feed_version_id)s;
