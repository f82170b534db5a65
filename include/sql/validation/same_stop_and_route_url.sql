-- severity: WARNING
-- meaning: A stop's stop_url is a route's route_url (compared case-insensitively, as MobilityData).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_stop_and_route_url', 'WARNING', 'stops.txt', s.line_number, 'stop_url', jsonb_build_object('stop_id', s.stop_id), s.stop_url,
       jsonb_build_object('routeId', r.route_id, 'routeCsvRowNumber', r.line_number), 'same_stop_and_route_url'
FROM gtfs.stops s JOIN gtfs.routes r ON r.feed_version_id = %(feed_version_id)s AND lower(r.route_url) = lower(s.stop_url) WHERE s.feed_version_id = %(feed_version_id)s;
