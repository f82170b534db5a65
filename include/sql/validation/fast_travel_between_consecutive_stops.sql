-- severity: WARNING
-- meaning: A vehicle would travel between two consecutive stops faster than is plausible for its route type.
-- Limits (km/h) by route_type: see v_trip_info in _prepare.sql. Legs between consecutive stop times that
-- both have times. As MobilityData: a leg of 0 s or less counts as 60 s, and a leg between two times in
-- whole minutes gets 60 s more (such times may be off by up to 30 s each).
-- _prepare.sql keeps the candidate legs in v_st (a cheap distance with a margin); the exact great-circle check is here.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH leg AS MATERIALIZED (  -- the legs that are too fast, before the previous stop times are looked up
    SELECT * FROM (
    SELECT st.trip_id, st.stop_sequence, st.line_number, st.prev_seq, k.kph, k.route_type,
           (2 * 6371010 * asin(least(1, sqrt(power(sin(radians(b.lat - a.lat) / 2), 2) + cos(radians(a.lat)) * cos(radians(b.lat)) * power(sin(radians(b.lon - a.lon) / 2), 2))))) AS metres,
           CASE WHEN st.arrival_time <= st.prev_dep THEN 60::float8
                WHEN mod(date_part('epoch', st.arrival_time)::bigint, 60) = 0 AND mod(date_part('epoch', st.prev_dep)::bigint, 60) = 0
                THEN date_part('epoch', st.arrival_time - st.prev_dep) + 60
                ELSE date_part('epoch', st.arrival_time - st.prev_dep) END AS secs
    FROM v_st st
    JOIN v_trip_info k ON k.trip_id = st.trip_id AND k.route_type IS NOT NULL
    JOIN v_stop_xy a ON a.stop_id = st.prev_stop_id
    JOIN v_stop_xy b ON b.stop_id = st.stop_id
    WHERE st.possibly_fast OR st.arr_before_prev_dep) l  -- (a leg that goes back in time counts as 60 s)
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
