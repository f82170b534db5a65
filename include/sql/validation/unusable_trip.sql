-- severity: WARNING
-- meaning: A trip has at most one stop time (it needs at least two to be usable).
-- As MobilityData (TripUsabilityValidator): trips without any stop time are reported too (and are also unused_trip).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unusable_trip', 'WARNING', 'trips.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id), t.trip_id, NULL::jsonb, 'unusable_trip'
FROM gtfs.trips t LEFT JOIN v_trip v USING (trip_id) WHERE t.feed_version_id = %(feed_version_id)s AND coalesce(v.edges, 0) <= 1;
