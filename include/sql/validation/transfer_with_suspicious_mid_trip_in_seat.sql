-- severity: WARNING
-- meaning: An in-seat transfer (transfer_type 4 or 5) is at a stop that is not the from trip's last stop (or not the to trip's first stop).
-- As MobilityData (TransfersInSeatTransferTypeValidator): for each direction whose stop is in stops.txt and is
-- served by the trip (else other rules report it), the trip's last stop time (from) or first stop time (to), by
-- stop_sequence, must be at the transfer's stop. Transfers are few: each trip's ends are looked up by key.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'transfer_with_suspicious_mid_trip_in_seat', 'WARNING', 'transfers.txt', t.line_number, d.stop_field,
       jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id),
       d.stop_id, jsonb_build_object('tripIdFieldName', d.trip_field, 'tripId', d.trip_id, 'stopIdFieldName', d.stop_field),
       'transfer_with_suspicious_mid_trip_in_seat'
FROM gtfs.transfers t
CROSS JOIN LATERAL (VALUES ('from_trip_id', t.from_trip_id, 'from_stop_id', t.from_stop_id, true),
                           ('to_trip_id', t.to_trip_id, 'to_stop_id', t.to_stop_id, false)) d(trip_field, trip_id, stop_field, stop_id, is_from)
CROSS JOIN LATERAL (
    SELECT e.stop_id FROM gtfs.stop_times e
    WHERE e.feed_version_id = %(feed_version_id)s AND e.trip_id = d.trip_id
    ORDER BY CASE WHEN d.is_from THEN -e.stop_sequence ELSE e.stop_sequence END LIMIT 1) edge
WHERE t.feed_version_id = %(feed_version_id)s AND t.transfer_type IN (4, 5)
  AND EXISTS (SELECT 1 FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND s.stop_id = d.stop_id)
  AND EXISTS (SELECT 1 FROM gtfs.stop_times o WHERE o.feed_version_id = %(feed_version_id)s AND o.trip_id = d.trip_id
                AND o.stop_id = d.stop_id)
  AND edge.stop_id IS DISTINCT FROM d.stop_id;
