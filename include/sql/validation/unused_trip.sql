-- severity: WARNING
-- meaning: A trip has no stop times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unused_trip', 'WARNING', 'trips.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id), t.trip_id, NULL::jsonb, 'unused_trip'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND NOT EXISTS (SELECT 1 FROM v_trip v WHERE v.trip_id = t.trip_id);
