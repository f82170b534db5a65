-- severity: WARNING
-- meaning: The stops of a transfer are more than 10 km apart.
-- As MobilityData (TransferDistanceValidator); the distance and the stops' coordinates: v_transfer_distance in _prepare.sql.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'transfer_distance_too_large', 'WARNING', 'transfers.txt', d.line_number, 'to_stop_id',
       jsonb_build_object('from_stop_id', d.from_stop_id, 'to_stop_id', d.to_stop_id, 'from_trip_id', d.from_trip_id, 'to_trip_id', d.to_trip_id),
       d.to_stop_id, jsonb_build_object('fromStopId', d.from_stop_id, 'distanceKm', round((d.metres / 1000)::numeric, 3)),
       'transfer_distance_too_large'
FROM v_transfer_distance d
WHERE d.metres > 10000;
