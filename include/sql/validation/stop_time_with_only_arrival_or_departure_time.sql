-- severity: ERROR
-- meaning: A stop time has an arrival_time or a departure_time but not both.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_time_with_only_arrival_or_departure_time', 'ERROR', 'stop_times.txt', s.line_number,
       CASE WHEN s.arrival_time IS NOT NULL THEN 'arrival_time' ELSE 'departure_time' END,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), coalesce(s.arrival_time, s.departure_time)::text,
       NULL::jsonb, 'stop_time_with_only_arrival_or_departure_time'
FROM gtfs.stop_times s WHERE s.feed_version_id = %(feed_version_id)s AND (s.arrival_time IS NULL) <> (s.departure_time IS NULL);
