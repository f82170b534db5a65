-- severity: WARNING
-- meaning: A trip of a ferry route (route_type 4) does not say whether bikes are allowed (bikes_allowed empty, 0 or unknown).
-- As MobilityData (BikesAllowanceValidator): every trip of a route with route_type 4 whose bikes_allowed is empty,
-- 0 (no information) or a value the reference does not define.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_bike_allowance', 'WARNING', 'trips.txt', t.line_number, 'bikes_allowed',
       jsonb_build_object('trip_id', t.trip_id), t.bikes_allowed::text,
       jsonb_build_object('routeId', t.route_id, 'tripId', t.trip_id), 'missing_bike_allowance'
FROM gtfs.trips t
JOIN gtfs.routes r ON r.feed_version_id = %(feed_version_id)s AND r.route_id = t.route_id
WHERE t.feed_version_id = %(feed_version_id)s AND r.route_type = 4
  AND (t.bikes_allowed IS NULL OR t.bikes_allowed NOT IN (1, 2));
