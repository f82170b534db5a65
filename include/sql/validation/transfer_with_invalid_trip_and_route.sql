-- severity: ERROR
-- meaning: A transfer's trip does not belong to the route it names.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'transfer_with_invalid_trip_and_route', 'ERROR', 'transfers.txt', t.line_number, 'from_route_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.from_route_id,
       jsonb_build_object('tripId', t.from_trip_id, 'expectedRouteId', tr.route_id), 'transfer_with_invalid_trip_and_route'
FROM gtfs.transfers t JOIN gtfs.trips tr ON tr.feed_version_id = %(feed_version_id)s AND tr.trip_id = t.from_trip_id
WHERE t.feed_version_id = %(feed_version_id)s AND t.from_route_id IS NOT NULL AND tr.route_id IS DISTINCT FROM t.from_route_id
UNION ALL
SELECT %(feed_version_id)s, 'transfer_with_invalid_trip_and_route', 'ERROR', 'transfers.txt', t.line_number, 'to_route_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.to_route_id,
       jsonb_build_object('tripId', t.to_trip_id, 'expectedRouteId', tr.route_id), 'transfer_with_invalid_trip_and_route'
FROM gtfs.transfers t JOIN gtfs.trips tr ON tr.feed_version_id = %(feed_version_id)s AND tr.trip_id = t.to_trip_id
WHERE t.feed_version_id = %(feed_version_id)s AND t.to_route_id IS NOT NULL AND tr.route_id IS DISTINCT FROM t.to_route_id;
