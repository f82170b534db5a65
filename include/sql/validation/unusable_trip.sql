-- severity: WARNING
-- meaning: A trip has exactly one stop time (it needs at least two).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unusable_trip', 'WARNING', 'trips.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id), t.trip_id, NULL::jsonb, 'unusable_trip'
FROM gtfs.trips t JOIN v_trip v USING (trip_id) WHERE t.feed_version_id = %(feed_version_id)s AND v.edges = 1;
