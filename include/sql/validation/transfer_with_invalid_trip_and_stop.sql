-- severity: ERROR
-- meaning: A transfer's trip does not stop at the transfer's stop (or at a stop of that station).
-- Only trips that have stop times are checked (a trip without any is reported elsewhere).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'transfer_with_invalid_trip_and_stop', 'ERROR', 'transfers.txt', t.line_number, 'from_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.from_stop_id,
       jsonb_build_object('tripId', t.from_trip_id), 'transfer_with_invalid_trip_and_stop'
FROM gtfs.transfers t
WHERE t.feed_version_id = %(feed_version_id)s AND t.from_stop_id IS NOT NULL AND t.from_trip_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM v_trip vt WHERE vt.trip_id = t.from_trip_id)
  AND NOT EXISTS (SELECT 1 FROM gtfs.stop_times st LEFT JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = st.stop_id
                  WHERE st.feed_version_id = %(feed_version_id)s AND st.trip_id = t.from_trip_id AND (st.stop_id = t.from_stop_id OR s.parent_station = t.from_stop_id))
UNION ALL
SELECT %(feed_version_id)s, 'transfer_with_invalid_trip_and_stop', 'ERROR', 'transfers.txt', t.line_number, 'to_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id), t.to_stop_id,
       jsonb_build_object('tripId', t.to_trip_id), 'transfer_with_invalid_trip_and_stop'
FROM gtfs.transfers t
WHERE t.feed_version_id = %(feed_version_id)s AND t.to_stop_id IS NOT NULL AND t.to_trip_id IS NOT NULL
  AND EXISTS (SELECT 1 FROM v_trip vt WHERE vt.trip_id = t.to_trip_id)
  AND NOT EXISTS (SELECT 1 FROM gtfs.stop_times st LEFT JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = st.stop_id
                  WHERE st.feed_version_id = %(feed_version_id)s AND st.trip_id = t.to_trip_id AND (st.stop_id = t.to_stop_id OR s.parent_station = t.to_stop_id));
