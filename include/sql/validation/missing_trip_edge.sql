-- severity: ERROR
-- meaning: The first or last stop time of a trip lacks arrival_time or departure_time.
-- One notice per missing field; a trip of one stop time is its own first and last.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_trip_edge', 'ERROR', 'stop_times.txt', t.first_line, 'arrival_time',
       jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.first_seq), NULL, jsonb_build_object('edge', 'first'), 'missing_trip_edge'
FROM v_trip t WHERE t.first_arr IS NULL
UNION ALL
SELECT %(feed_version_id)s, 'missing_trip_edge', 'ERROR', 'stop_times.txt', t.first_line, 'departure_time',
       jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.first_seq), NULL, jsonb_build_object('edge', 'first'), 'missing_trip_edge'
FROM v_trip t WHERE t.first_dep IS NULL
UNION ALL
SELECT %(feed_version_id)s, 'missing_trip_edge', 'ERROR', 'stop_times.txt', t.last_line, 'arrival_time',
       jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.last_seq), NULL, jsonb_build_object('edge', 'last'), 'missing_trip_edge'
FROM v_trip t WHERE t.last_arr IS NULL
UNION ALL
SELECT %(feed_version_id)s, 'missing_trip_edge', 'ERROR', 'stop_times.txt', t.last_line, 'departure_time',
       jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.last_seq), NULL, jsonb_build_object('edge', 'last'), 'missing_trip_edge'
FROM v_trip t WHERE t.last_dep IS NULL;
