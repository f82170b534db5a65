-- severity: ERROR
-- meaning: The first or last stop time of a trip lacks arrival_time or departure_time.
-- One notice per missing field; a trip of one stop time is its own first and last. As MobilityData, a first
-- or last stop time with a pickup/drop-off window (GTFS-Flex) needs no times: such trips' edges are looked up
-- by key (edges without a time only, so few) when stop_times.txt has the window columns.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT * FROM (
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
FROM v_trip t WHERE t.last_dep IS NULL
) e(feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WHERE NOT (ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
           AND EXISTS (SELECT 1 FROM gtfs.stop_times st WHERE st.feed_version_id = %(feed_version_id)s
                       AND st.trip_id = e.entity_key->>'trip_id' AND st.stop_sequence = (e.entity_key->>'stop_sequence')::integer
                       AND (st.start_pickup_drop_off_window IS NOT NULL OR st.end_pickup_drop_off_window IS NOT NULL)));
