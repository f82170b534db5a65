-- Preparation (not a rule): the trips fast_travel_between_far_stops checks, and their stop times with the summed
-- distance from each trip's first stop, as MobilityData's StopTimeTravelSpeedValidator.validateFarStops measures it.
-- A trip is checked only when the ordered pass (v_st) cannot rule it out: its legs are short of the time the fastest
-- allowed vehicle needs by more than 60 s in all (v_st.far_deficit; more than 0 s when one of its times is not in whole
-- minutes, since such a pair gets no extra 60 s), or it has untimed or unlocated stop times (legs the pass cannot
-- measure). On a feed whose times are all given that is a few trips; on one that times only its timepoints, every trip.

-- The trips to check, with their route's limit.
CREATE TABLE v_far_trip AS
SELECT p.trip_id, p.unlocated, k.kph, k.route_type
FROM (SELECT v.trip_id, sum(v.far_deficit) AS deficit, bool_or(v.after_untimed OR v.unlocated) AS unmeasured,
             bool_or(v.unlocated) AS unlocated
      FROM v_st v GROUP BY v.trip_id) p
JOIN v_trip_info k ON k.trip_id = p.trip_id AND k.route_type IS NOT NULL
WHERE p.deficit > 60 OR p.unmeasured
   OR (p.deficit > 0 AND EXISTS (  -- a time in seconds: its pairs may lack the extra 60 s
       SELECT 1 FROM gtfs.stop_times x WHERE x.feed_version_id = %(feed_version_id)s AND x.trip_id = p.trip_id
         AND (date_part('second', x.arrival_time) <> 0 OR date_part('second', x.departure_time) <> 0)));
ANALYZE v_far_trip;

-- Each stop: its name and coordinates, else its parent's, else its grandparent's (MobilityData's StopUtil); NULL: none.
CREATE TABLE v_far_stop AS
SELECT s.stop_id, s.stop_name,
       CASE WHEN s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL THEN s.stop_lat
            WHEN p.stop_lat IS NOT NULL AND p.stop_lon IS NOT NULL THEN p.stop_lat
            WHEN g.stop_lat IS NOT NULL AND g.stop_lon IS NOT NULL THEN g.stop_lat END AS lat,
       CASE WHEN s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL THEN s.stop_lon
            WHEN p.stop_lat IS NOT NULL AND p.stop_lon IS NOT NULL THEN p.stop_lon
            WHEN g.stop_lat IS NOT NULL AND g.stop_lon IS NOT NULL THEN g.stop_lon END AS lon
FROM gtfs.stops s
LEFT JOIN gtfs.stops p ON p.feed_version_id = %(feed_version_id)s AND p.stop_id = s.parent_station
LEFT JOIN gtfs.stops g ON g.feed_version_id = %(feed_version_id)s AND g.stop_id = p.parent_station
WHERE s.feed_version_id = %(feed_version_id)s;
ANALYZE v_far_stop;

-- The checked trips' stop times: times in seconds, whether the stop is known to stops.txt, cum (km from the trip's
-- first stop time, over the located stops: an unlocated one adds no leg, the next leg starts at the last located
-- stop, or at (0, 0) before the first), the trip's first end that names an unknown stop, and least_start: the
-- least cum·3600/limit − departure among the stop times at least 10 km before (a pair over the limit has
-- cum_e·3600/limit − arr_e above it).
CREATE TABLE v_far_st AS
SELECT r.*, min(r.cum * 3600 / r.kph - r.dep) OVER (PARTITION BY r.trip_id ORDER BY r.cum
                                                    RANGE BETWEEN UNBOUNDED PRECEDING AND 10 PRECEDING) AS least_start
FROM (  -- (untimed stop times only add distance: dropped before the sort by cum)
    SELECT l.trip_id, l.kph, l.route_type, l.stop_sequence, l.line_number, l.stop_id, l.stop_name, l.known,
           l.arrival_time, l.departure_time, l.arr, l.dep, l.unknown_end_seq, l.has_unknown,
           sum(l.km) OVER (PARTITION BY l.trip_id ORDER BY l.stop_sequence ROWS UNBOUNDED PRECEDING) AS cum
    FROM (
        SELECT x.*,
               CASE WHEN x.lat IS NULL THEN 0 ELSE
               2 * 6371.01 * asin(least(1, sqrt(power(sin(radians(x.lat - x.plat) / 2), 2)
                   + cos(radians(x.plat)) * cos(radians(x.lat)) * power(sin(radians(x.lon - x.plon) / 2), 2)))) END AS km
        FROM (
            SELECT st.*,
                   -- the last located stop before: the previous stop time's, unless the trip has unlocated ones
                   -- (for the trip's first stop time, (0, 0) adds the same to every cum: no pair changes)
                   CASE WHEN NOT st.unlocated THEN coalesce(lag(st.lat) OVER w, 0)
                        ELSE coalesce((SELECT q.lat FROM gtfs.stop_times y JOIN v_far_stop q ON q.stop_id = y.stop_id
                                       WHERE y.feed_version_id = %(feed_version_id)s AND y.trip_id = st.trip_id
                                         AND y.stop_sequence < st.stop_sequence AND q.lat IS NOT NULL
                                       ORDER BY y.stop_sequence DESC LIMIT 1), 0) END AS plat,
                   CASE WHEN NOT st.unlocated THEN coalesce(lag(st.lon) OVER w, 0)
                        ELSE coalesce((SELECT q.lon FROM gtfs.stop_times y JOIN v_far_stop q ON q.stop_id = y.stop_id
                                       WHERE y.feed_version_id = %(feed_version_id)s AND y.trip_id = st.trip_id
                                         AND y.stop_sequence < st.stop_sequence AND q.lat IS NOT NULL
                                       ORDER BY y.stop_sequence DESC LIMIT 1), 0) END AS plon,
                   min(st.stop_sequence) FILTER (WHERE NOT st.known AND st.arrival_time IS NOT NULL) OVER w AS unknown_end_seq,
                   bool_or(NOT st.known) OVER w AS has_unknown
            FROM (
                SELECT c.trip_id, c.unlocated, c.kph, c.route_type, x.stop_sequence, x.line_number, x.stop_id,
                       x.arrival_time, x.departure_time,
                       date_part('epoch', x.arrival_time) AS arr, date_part('epoch', x.departure_time) AS dep,
                       s.stop_id IS NOT NULL AS known, s.stop_name, s.lat, s.lon
                FROM gtfs.stop_times x
                JOIN v_far_trip c ON c.trip_id = x.trip_id
                LEFT JOIN v_far_stop s ON s.stop_id = x.stop_id
                WHERE x.feed_version_id = %(feed_version_id)s
                  -- a range of trips when the step runs in parts, as v_st's (validation.py): NULL is an open end
                  AND (x.trip_id >= %(trip_lo)s OR %(trip_lo)s IS NULL) AND (x.trip_id < %(trip_hi)s OR %(trip_hi)s IS NULL)) st
            -- (lag ignores the frame; the whole-trip frame makes min and bool_or one value per trip, in the same pass)
            WINDOW w AS (PARTITION BY st.trip_id ORDER BY st.stop_sequence ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) x) l) r
WHERE r.arrival_time IS NOT NULL OR r.departure_time IS NOT NULL;
CREATE INDEX ON v_far_st (trip_id, stop_sequence);
ANALYZE v_far_st;
