-- severity: ERROR
-- meaning: A stop time with timepoint = 1 lacks arrival_time or departure_time.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_time_timepoint_without_times', 'ERROR', 'stop_times.txt', s.line_number, f.name,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), NULL, NULL::jsonb, 'stop_time_timepoint_without_times'
FROM (SELECT * FROM gtfs.stop_times WHERE feed_version_id = %(feed_version_id)s AND timepoint = 1
        AND (arrival_time IS NULL OR departure_time IS NULL)) s
CROSS JOIN LATERAL (VALUES ('arrival_time', s.arrival_time IS NULL), ('departure_time', s.departure_time IS NULL)) f(name, missing)
WHERE f.missing;
