-- severity: ERROR
-- meaning: A transfer's from_stop_id or to_stop_id is not a stop/platform or a station.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'transfer_with_invalid_stop_location_type', 'ERROR', 'transfers.txt', t.line_number, 'from_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.from_stop_id,
       jsonb_build_object('locationType', s.location_type), 'transfer_with_invalid_stop_location_type'
FROM gtfs.transfers t JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = t.from_stop_id
WHERE t.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) NOT IN (0, 1)
UNION ALL
SELECT %(feed_version_id)s, 'transfer_with_invalid_stop_location_type', 'ERROR', 'transfers.txt', t.line_number, 'to_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.to_stop_id,
       jsonb_build_object('locationType', s.location_type), 'transfer_with_invalid_stop_location_type'
FROM gtfs.transfers t JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = t.to_stop_id
WHERE t.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) NOT IN (0, 1);
