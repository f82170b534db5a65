-- severity: ERROR
-- meaning: Two frequencies.txt entries of the same trip overlap in time.
-- Entries compared with the previous one of the trip, in start_time order.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'overlapping_frequency', 'ERROR', 'frequencies.txt', f.line_number, 'start_time',
       jsonb_build_object('trip_id', f.trip_id, 'start_time', f.start_time::text), f.start_time::text,
       jsonb_build_object('prevCsvRowNumber', f.prev_line, 'prevEndTime', f.prev_end::text), 'overlapping_frequency'
FROM (SELECT *, lag(end_time) OVER w AS prev_end, lag(line_number) OVER w AS prev_line
      FROM gtfs.frequencies WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY trip_id ORDER BY start_time)) f
WHERE f.prev_end > f.start_time;
