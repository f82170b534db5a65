-- severity: INFO
-- meaning: A trip's stop times are not in one block of consecutive rows sorted by stop_sequence.
-- As MobilityData (StopTimesTripBlockOrderValidator): one notice per trip whose rows are not contiguous in
-- stop_times.txt or whose stop_sequence does not increase in file order, with its first and last row. (The
-- ordered pass flags, in v_st, each stop time whose line is not the line after its predecessor's: a trip has
-- one exactly when it is not a sorted block. A value spanning lines makes a jump of more than one line too.)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unsorted_stop_times', 'INFO', 'stop_times.txt', r.first_line, 'trip_id',
       jsonb_build_object('trip_id', u.trip_id), u.trip_id,
       jsonb_build_object('tripId', u.trip_id, 'startCsvRowNumber', r.first_line, 'endCsvRowNumber', r.last_line),
       'unsorted_stop_times'
FROM (SELECT DISTINCT trip_id FROM v_st WHERE out_of_file_order) u
CROSS JOIN LATERAL (
    SELECT min(s.line_number) AS first_line, max(s.line_number) AS last_line FROM gtfs.stop_times s
    WHERE s.feed_version_id = %(feed_version_id)s AND s.trip_id = u.trip_id) r;
