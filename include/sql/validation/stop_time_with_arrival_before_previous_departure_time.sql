-- severity: ERROR
-- meaning: A stop time arrives before the departure of the previous stop time (with a departure) of its trip.
-- The previous stop time with a departure: the one just before (v_st.arr_before_prev_dep), or, after stop
-- times without times (v_st.after_untimed), the last earlier one that has a departure.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_time_with_arrival_before_previous_departure_time', 'ERROR', 'stop_times.txt', s.line_number, 'arrival_time',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.arrival_time::text,
       jsonb_build_object('prevCsvRowNumber', p.line_number, 'departureTime', p.departure_time::text), 'stop_time_with_arrival_before_previous_departure_time'
FROM v_st s
CROSS JOIN LATERAL (
    SELECT p.line_number, p.departure_time FROM gtfs.stop_times p
    WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = s.trip_id AND p.stop_sequence < s.stop_sequence
      AND p.departure_time IS NOT NULL
    ORDER BY p.stop_sequence DESC LIMIT 1) p
WHERE (s.arr_before_prev_dep OR s.after_untimed) AND s.arrival_time < p.departure_time;
