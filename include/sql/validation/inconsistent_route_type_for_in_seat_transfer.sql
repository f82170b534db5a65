-- severity: WARNING
-- meaning: An in-seat transfer (transfer_type 4) joins two routes of different route_type.
-- As MobilityData (InconsistentRouteTypeForInSeatTransferValidator): transfers with transfer_type 4 whose
-- from_route_id and to_route_id both name routes of routes.txt. Types outside MobilityData's enum (0-7, 11, 12:
-- extended types such as 700) are all its UNRECOGNIZED, so two of them are the same type.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'inconsistent_route_type_for_in_seat_transfer', 'WARNING', 'transfers.txt', t.line_number, 'to_route_id',
       jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id),
       t.to_route_id,
       jsonb_build_object('fromRouteId', t.from_route_id, 'fromRouteType', f.route_type, 'toRouteType', r.route_type),
       'inconsistent_route_type_for_in_seat_transfer'
FROM gtfs.transfers t
JOIN gtfs.routes f ON f.feed_version_id = %(feed_version_id)s AND f.route_id = t.from_route_id
JOIN gtfs.routes r ON r.feed_version_id = %(feed_version_id)s AND r.route_id = t.to_route_id
WHERE t.feed_version_id = %(feed_version_id)s AND t.transfer_type = 4 AND (CASE WHEN f.route_type IN (0, 1, 2, 3, 4, 5, 6, 7, 11, 12) THEN f.route_type ELSE -1 END)
      IS DISTINCT FROM (CASE WHEN r.route_type IN (0, 1, 2, 3, 4, 5, 6, 7, 11, 12) THEN r.route_type ELSE -1 END);
