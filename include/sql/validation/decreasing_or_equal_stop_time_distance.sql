-- severity: ERROR
-- meaning: shape_dist_traveled does not increase between consecutive stop times of a trip.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'decreasing_or_equal_stop_time_distance', 'ERROR', 'stop_times.txt', s.line_number, 'shape_dist_traveled',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.shape_dist_traveled::text,
       jsonb_build_object('prevCsvRowNumber', p.line_number, 'prevStopTimeDistTraveled', s.prev_dist, 'prevStopSequence', s.prev_seq),
       'decreasing_or_equal_stop_time_distance'
FROM v_st s
CROSS JOIN LATERAL (  -- one key lookup per reported stop time (LIMIT 1 keeps it a lookup, never a scan)
    SELECT p.line_number FROM gtfs.stop_times p
    WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = s.trip_id AND p.stop_sequence = s.prev_seq LIMIT 1) p
WHERE s.dist_not_increasing;
