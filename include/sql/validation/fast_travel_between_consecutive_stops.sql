-- severity: WARNING
-- meaning: A vehicle would travel between two consecutive stops faster than is plausible for its route type.
-- Limits (km/h) by route_type: see v_trip_info in _prepare.sql. As MobilityData (StopTimeTravelSpeedValidator):
-- a leg runs from the last stop time with a departure to the next one with an arrival, so stop times
-- without times are passed over (the distance is the straight line between the two timed stops); a leg
-- of 0 s or less counts as 60 s, and a leg between two times in whole minutes gets 60 s more (such times
-- may be off by up to 30 s each).
-- _prepare.sql keeps the candidate legs in v_st: a leg from the stop time just before (a cheap distance with
-- a margin), and every timed stop time after untimed ones (after_untimed), whose start is looked up here.
-- The exact great-circle check is here.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH start AS (  -- each candidate leg with its start: the stop time just before, or the last one with a departure
    SELECT st.trip_id, st.stop_sequence, st.line_number, st.arrival_time, st.stop_id, st.prev_seq, st.prev_stop_id, st.prev_dep
    FROM v_st st WHERE st.possibly_fast OR st.arr_before_prev_dep  -- (a leg that goes back in time counts as 60 s)
    UNION ALL
    SELECT st.trip_id, st.stop_sequence, st.line_number, st.arrival_time, st.stop_id, p.stop_sequence, p.stop_id, p.departure_time
    FROM v_st st
    CROSS JOIN LATERAL (  -- one key lookup per stop time after an untimed gap
        SELECT p.stop_sequence, p.stop_id, p.departure_time FROM gtfs.stop_times p
        WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = st.trip_id AND p.stop_sequence < st.stop_sequence
          AND p.departure_time IS NOT NULL
        ORDER BY p.stop_sequence DESC LIMIT 1) p
    WHERE st.after_untimed),
leg AS MATERIALIZED (  -- the legs that are too fast, before the previous stop times' lines are looked up
    SELECT * FROM (
    SELECT s.trip_id, s.stop_sequence, s.line_number, s.prev_seq, k.kph, k.route_type,
           (2 * 6371010 * asin(least(1, sqrt(power(sin(radians(b.lat - a.lat) / 2), 2) + cos(radians(a.lat)) * cos(radians(b.lat)) * power(sin(radians(b.lon - a.lon) / 2), 2))))) AS metres,
           CASE WHEN s.arrival_time <= s.prev_dep THEN 60::float8
                WHEN mod(date_part('epoch', s.arrival_time)::bigint, 60) = 0 AND mod(date_part('epoch', s.prev_dep)::bigint, 60) = 0
                THEN date_part('epoch', s.arrival_time - s.prev_dep) + 60
                ELSE date_part('epoch', s.arrival_time - s.prev_dep) END AS secs
    FROM start s
    JOIN v_trip_info k ON k.trip_id = s.trip_id AND k.route_type IS NOT NULL
    JOIN v_stop_xy a ON a.stop_id = s.prev_stop_id
    JOIN v_stop_xy b ON b.stop_id = s.stop_id) l
    WHERE l.metres / l.secs * 3.6 > l.kph)
SELECT %(feed_version_id)s, 'fast_travel_between_consecutive_stops', 'WARNING', 'stop_times.txt', l.line_number, 'arrival_time',
       jsonb_build_object('trip_id', l.trip_id, 'stop_sequence', l.stop_sequence), round((l.metres / l.secs * 3.6)::numeric, 1)::text,
       jsonb_build_object('prevCsvRowNumber', p.line_number, 'distanceKm', round((l.metres / 1000)::numeric, 3),
                          'speedKph', round((l.metres / l.secs * 3.6)::numeric, 1), 'maxSpeedKph', l.kph, 'routeType', l.route_type),
       'fast_travel_between_consecutive_stops'
FROM leg l
CROSS JOIN LATERAL (  -- one key lookup per leg (LIMIT 1 keeps it a lookup, never a scan of stop_times)
    SELECT p.line_number FROM gtfs.stop_times p
    WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = l.trip_id AND p.stop_sequence = l.prev_seq LIMIT 1) p;
