-- severity: ERROR
-- meaning: A stop time arrives before the departure of the previous stop time (with a departure) of its trip.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_time_with_arrival_before_previous_departure_time', 'ERROR', 'stop_times.txt', s.line_number, 'arrival_time',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.arrival_time::text,
       jsonb_build_object('prevCsvRowNumber', p.line_number, 'departureTime', p.departure_time::text), 'stop_time_with_arrival_before_previous_departure_time'
FROM v_st s JOIN v_st p ON p.trip_id = s.trip_id AND p.rn = s.prev_dep_packed / 1000000
WHERE extract(epoch FROM s.arrival_time) < mod(s.prev_dep_packed, 1000000);
