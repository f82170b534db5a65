-- severity: WARNING
-- meaning: A vehicle would travel between two consecutive stops faster than is plausible for its route type.
-- Limits (km/h) by route_type: tram 100, subway 150, rail 500, bus 150, ferry 80, cable tram 30, aerial lift 50,
-- funicular 50, trolleybus 150, monorail 150, others 200. Legs between consecutive stop times that both have times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH lim AS (
    SELECT t.trip_id, r.route_type, CASE r.route_type WHEN 0 THEN 100 WHEN 1 THEN 150 WHEN 2 THEN 500 WHEN 3 THEN 150 WHEN 4 THEN 80 WHEN 5 THEN 30
                 WHEN 6 THEN 50 WHEN 7 THEN 50 WHEN 11 THEN 150 WHEN 12 THEN 150 ELSE 200 END AS kph
    FROM gtfs.trips t JOIN gtfs.routes r ON r.feed_version_id = %(feed_version_id)s AND r.route_id = t.route_id WHERE t.feed_version_id = %(feed_version_id)s),
leg AS (
    SELECT st.trip_id, st.stop_sequence, st.line_number, st.prev_line, (2 * 6371010 * asin(least(1, sqrt(power(sin(radians(b.stop_lat - a.stop_lat) / 2), 2) + cos(radians(a.stop_lat)) * cos(radians(b.stop_lat)) * power(sin(radians(b.stop_lon - a.stop_lon) / 2), 2))))) AS metres,
           -- times are often rounded to the minute: a leg shown as 0 s is given 60 s
           greatest(extract(epoch FROM st.arrival_time - st.prev_row_dep), 60) AS secs
    FROM v_st st
    JOIN gtfs.stops a ON a.feed_version_id = %(feed_version_id)s AND a.stop_id = st.prev_stop_id
    JOIN gtfs.stops b ON b.feed_version_id = %(feed_version_id)s AND b.stop_id = st.stop_id
    WHERE st.arrival_time IS NOT NULL AND st.prev_row_dep IS NOT NULL AND st.arrival_time >= st.prev_row_dep)
SELECT %(feed_version_id)s, 'fast_travel_between_consecutive_stops', 'WARNING', 'stop_times.txt', l.line_number, 'arrival_time',
       jsonb_build_object('trip_id', l.trip_id, 'stop_sequence', l.stop_sequence), round((l.metres / l.secs * 3.6)::numeric, 1)::text,
       jsonb_build_object('prevCsvRowNumber', l.prev_line, 'distanceKm', round((l.metres / 1000)::numeric, 3),
                          'speedKph', round((l.metres / l.secs * 3.6)::numeric, 1), 'maxSpeedKph', m.kph, 'routeType', m.route_type),
       'fast_travel_between_consecutive_stops'
FROM leg l JOIN lim m USING (trip_id)
WHERE l.metres / l.secs * 3.6 > m.kph;
