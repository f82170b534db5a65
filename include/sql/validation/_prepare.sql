-- Preparation (not a rule): tables shared by several rules, so that stop_times (millions of
-- rows) is read in trip order once. Dropped at the end of the run. validation.py makes each
-- "CREATE TABLE v_x AS" (with the CREATE INDEX / ANALYZE of v_x after it) one step, run once
-- the v_* tables it names exist, on either connection: temporary tables with one connection,
-- unlogged tables in the run's own schema with more. A step that names %(trip_lo)s and
-- %(trip_hi)s runs in one part per connection (a range of trip_id each) and v_x is the view
-- of the parts.
-- Tables are small: the ordered pass keeps only the stop times a rule may report and
-- the first and last of each trip; everything else is summarised per trip or per stop.

-- Stops' coordinates (for distances between consecutive stop times).
CREATE TABLE v_stop_xy AS
SELECT stop_id, stop_lat AS lat, stop_lon AS lon, cos(radians(stop_lat)) AS coslat
FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s AND stop_lat BETWEEN -90 AND 90 AND stop_lon BETWEEN -180 AND 180;
ANALYZE v_stop_xy;

-- Note: joins below use these analysed temporary tables rather than the gtfs.* parents, whose
-- missing statistics make the planner expect hundreds of matches per key (and pick nested loops).

-- Per transfer between two stops: the great-circle distance between them (transfer_distance_too_large,
-- transfer_distance_above_2_km). As MobilityData (TransferDistanceValidator): each stop's coordinates, else those
-- of its parent station (up to three levels), else (0, 0) as MobilityData's StopUtil falls back to (a stop that
-- stops.txt lacks too); a sphere of radius 6,371,010 m (S2Earth). Transfers that lack from_stop_id or to_stop_id
-- are not measured.
CREATE TABLE v_transfer_distance AS
WITH named AS (
    SELECT from_stop_id AS stop_id FROM gtfs.transfers WHERE feed_version_id = %(feed_version_id)s
    UNION SELECT to_stop_id FROM gtfs.transfers WHERE feed_version_id = %(feed_version_id)s),
located AS (
    SELECT s.stop_id, coalesce(s.stop_lat, p.stop_lat, g.stop_lat, 0) AS lat,
           CASE WHEN s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL THEN s.stop_lon
                WHEN p.stop_lat IS NOT NULL AND p.stop_lon IS NOT NULL THEN p.stop_lon
                WHEN g.stop_lat IS NOT NULL AND g.stop_lon IS NOT NULL THEN g.stop_lon ELSE 0 END AS lon
    FROM gtfs.stops s
    -- (one key lookup each, LIMIT 1: the planner then expects one row per stop, not thousands, and does not size
    -- a hash table of tens of megabytes for a few hundred transfers)
    LEFT JOIN LATERAL (SELECT p.stop_lat, p.stop_lon, p.parent_station FROM gtfs.stops p
                       WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = s.parent_station LIMIT 1) p ON true
    LEFT JOIN LATERAL (SELECT g.stop_lat, g.stop_lon FROM gtfs.stops g
                       WHERE g.feed_version_id = %(feed_version_id)s AND g.stop_id = p.parent_station LIMIT 1) g ON true
    WHERE s.feed_version_id = %(feed_version_id)s AND s.stop_id IN (SELECT stop_id FROM named)),
ends AS (
    SELECT t.line_number, t.from_stop_id, t.to_stop_id, t.from_trip_id, t.to_trip_id,
           coalesce(a.lat, 0) AS a_lat, coalesce(a.lon, 0) AS a_lon, coalesce(b.lat, 0) AS b_lat, coalesce(b.lon, 0) AS b_lon
    FROM gtfs.transfers t
    LEFT JOIN located a ON a.stop_id = t.from_stop_id
    LEFT JOIN located b ON b.stop_id = t.to_stop_id
    WHERE t.feed_version_id = %(feed_version_id)s AND t.from_stop_id IS NOT NULL AND t.to_stop_id IS NOT NULL)
SELECT e.line_number, e.from_stop_id, e.to_stop_id, e.from_trip_id, e.to_trip_id,
       2 * 6371010 * asin(least(1, sqrt(power(sin(radians(e.b_lat - e.a_lat) / 2), 2)
           + cos(radians(e.a_lat)) * cos(radians(e.b_lat)) * power(sin(radians(e.b_lon - e.a_lon) / 2), 2)))) AS metres
FROM ends e;

-- Per route: its route type and that type's speed limit (km/h) for fast_travel_between_consecutive_stops:
-- tram 100, subway 150, rail 500, bus 150, ferry 80, cable tram 30, aerial lift 50,
-- funicular 50, trolleybus 150, monorail 150, others 200. (Small and quick: the ordered pass waits for it.)
CREATE TABLE v_route_speed AS
SELECT route_id, route_type,
       CASE route_type WHEN 0 THEN 100 WHEN 1 THEN 150 WHEN 2 THEN 500 WHEN 3 THEN 150 WHEN 4 THEN 80 WHEN 5 THEN 30
            WHEN 6 THEN 50 WHEN 7 THEN 50 WHEN 11 THEN 150 WHEN 12 THEN 150 ELSE 200 END AS kph
FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s;

-- Per trip: its line, route, shape, block and service, whether its route exists, its route's type and speed limit.
CREATE TABLE v_trip_info AS
SELECT t.trip_id, t.route_id, t.shape_id, t.line_number, t.block_id, t.service_id, r.route_id IS NOT NULL AS has_route, r.route_type, r.kph
FROM gtfs.trips t LEFT JOIN v_route_speed r ON r.route_id = t.route_id
WHERE t.feed_version_id = %(feed_version_id)s;
ANALYZE v_trip_info;

-- One ordered pass over stop_times (the primary key's order: no sort), with few window
-- functions (each costs about a second per 3 M rows): the previous stop time as one value
-- (gtfs.prev_stop_time), whether a next one exists, and the trip's stops (an aggregate over
-- the whole trip: computed once per trip, in the same window, so almost free; it replaces
-- a second pass for v_stop_use; and two sums of its shape_dist_traveled, for the stop-to-shape matcher). Kept: the first and the last stop time of each trip (the
-- last with the trip's stops), and the stop times that a sequence rule may report:
--   arr_before_prev_dep   arrival before the previous stop time's departure
--   after_untimed         arrival, but the previous stop time has no departure (the rule
--                         looks further back for the last departure)
--   dist_not_increasing   shape_dist_traveled <= the previous stop time's
--   possibly_fast         the leg from the previous stop may be too fast: an equirectangular
--                         distance (for legs up to a few hundred km within a few per cent of the
--                         great circle, mostly above it) against 0.9 x the lowest limit of the
--                         feed's route types; the rule checks the great-circle distance against
--                         the trip's own limit. (The lowest limit, not the trip's: a lookup of the
--                         trip on every one of millions of legs costs more than it saves.) The
--                         leg's seconds are the rule's without its +60 for whole minutes (60 for
--                         a leg of 0 s), never more: a 47 s leg is 47 s here, as in the rule.
--   out_of_file_order     the stop time's line is not the line after the previous stop time's (the trip is
--                         not one block of rows sorted by stop_sequence: unsorted_stop_times)
--   missing_timepoint     timepoint is empty but the stop time has an arrival or departure time
--                         (only when stop_times.txt has a timepoint column: MobilityData's
--                         missing_timepoint_value; the header constant drops the test otherwise)
--   far_deficit > 0       the seconds by which the leg is shorter than the fastest allowed vehicle
--                         of the feed needs for it (possibly_fast's distance and limit; a leg of
--                         0 s or back in time counts in full), plus any departure before its own
--                         arrival. A trip can travel too fast between far stops only when its sum
--                         is above 60 s (above 0 s when one of its times is not in whole minutes):
--                         a pair's time is the sum of its legs' and stops' times, and its distance
--                         the sum of its legs (fast_travel_between_far_stops.sql).
--   unlocated             the stop or the previous one has no coordinates of its own (the far-stop
--                         rule then measures from the last located stop: the trip is checked in full)
-- (Each reason is a column of v_st, true on the rows kept for it.) The previous stop time's
-- fields are taken out of the composite once (OFFSET 0 keeps the planner from repeating the
-- field selection in every condition).
-- JIT on: millions of rows through window functions and a long filter.
CREATE TABLE v_st AS
SELECT * FROM (
    SELECT w.trip_id, w.stop_sequence, w.line_number, w.arrival_time, w.departure_time, w.stop_id, w.shape_dist_traveled,
           w.prev_seq IS NULL AS is_first, w.is_last, w.prev_seq, w.prev_stop_id, w.prev_dep, w.prev_dist, w.stops, w.dist_sum, w.dist_wsum,
           w.prev_seq IS NOT NULL AND (a.stop_id IS NULL OR b.stop_id IS NULL) AS unlocated,
           w.arrival_time < w.prev_dep AS arr_before_prev_dep,
           w.arrival_time IS NOT NULL AND w.prev_seq IS NOT NULL AND w.prev_dep IS NULL AS after_untimed,
           w.shape_dist_traveled <= w.prev_dist AS dist_not_increasing,
           w.line_number <> w.prev_line + 1 AS out_of_file_order,
           ARRAY['timepoint'] && %(header_stop_times)s::text[] AND w.timepoint IS NULL
             AND (w.arrival_time IS NOT NULL OR w.departure_time IS NOT NULL) AS missing_timepoint,
           -- (constants in double precision: no numeric arithmetic per row)
           w.arrival_time >= w.prev_dep
             AND 111195 * 3.6 / 0.9 * sqrt((b.lat - a.lat) * (b.lat - a.lat)
                                           + (b.lon - a.lon) * (b.lon - a.lon) * a.coslat * b.coslat)
                 > (SELECT min(kph) FROM v_route_speed WHERE route_type IS NOT NULL)
                   * CASE WHEN w.arrival_time = w.prev_dep THEN 60::float8
                          ELSE date_part('epoch', w.arrival_time - w.prev_dep) END AS possibly_fast,
           -- (computed for the kept rows only: the filter below names only the cheap tests it implies)
           greatest(0, 111195 * 3.6 / 0.9 * sqrt((b.lat - a.lat) * (b.lat - a.lat)
                                                 + (b.lon - a.lon) * (b.lon - a.lon) * a.coslat * b.coslat)
                       / (SELECT min(kph) FROM v_route_speed WHERE route_type IS NOT NULL)
                       - date_part('epoch', w.arrival_time - w.prev_dep))
             + greatest(0, date_part('epoch', w.arrival_time - w.departure_time)) AS far_deficit
    FROM (
        SELECT trip_id, stop_sequence, line_number, arrival_time, departure_time, stop_id, shape_dist_traveled, timepoint,
               (p).stop_sequence AS prev_seq, (p).stop_id AS prev_stop_id, (p).departure_time AS prev_dep,
               (p).shape_dist_traveled AS prev_dist, prev_line, is_last, CASE WHEN is_last THEN stops END AS stops,
               CASE WHEN is_last THEN dist_sum END AS dist_sum, CASE WHEN is_last THEN dist_wsum END AS dist_wsum
        FROM (SELECT trip_id, stop_sequence, line_number, arrival_time, departure_time, stop_id, shape_dist_traveled, timepoint,
                     lag((stop_sequence, stop_id, departure_time, shape_dist_traveled)::gtfs.prev_stop_time) OVER w AS p,
                     lag(line_number) OVER w AS prev_line,
                     lead(stop_sequence) OVER w IS NULL AS is_last,
                     array_agg(stop_id) OVER w AS stops,
                     -- two sums of the trip's shape_dist_traveled values (plain, and weighted by stop_sequence): with the
                     -- stops, the key of the stop-to-shape matcher's patterns (numbers: no array per row)
                     sum(shape_dist_traveled) FILTER (WHERE ARRAY['shape_dist_traveled'] && %(header_stop_times)s::text[]) OVER w AS dist_sum,
                     sum(shape_dist_traveled * stop_sequence) FILTER (WHERE ARRAY['shape_dist_traveled'] && %(header_stop_times)s::text[]) OVER w AS dist_wsum
              FROM gtfs.stop_times WHERE feed_version_id = %(feed_version_id)s
                -- a range of trips when the step runs in parts (validation.py): NULL is an open end
                AND (trip_id >= %(trip_lo)s OR %(trip_lo)s IS NULL) AND (trip_id < %(trip_hi)s OR %(trip_hi)s IS NULL)
              -- (lag and lead ignore the frame; the whole-trip frame makes array_agg one value per trip)
              WINDOW w AS (PARTITION BY trip_id ORDER BY stop_sequence ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) o
        OFFSET 0) w
    LEFT JOIN v_stop_xy a ON a.stop_id = w.prev_stop_id
    LEFT JOIN v_stop_xy b ON b.stop_id = w.stop_id) f
-- (the flags are computed again for the kept rows only)
WHERE is_first OR is_last OR arr_before_prev_dep OR after_untimed OR dist_not_increasing OR possibly_fast OR missing_timepoint OR out_of_file_order
   -- far_deficit > 0: possibly_fast, a leg back in time (arr_before_prev_dep), a leg of 0 s between two stops,
   -- or a departure before its own arrival
   OR (arrival_time = prev_dep AND stop_id <> prev_stop_id) OR departure_time < arrival_time OR unlocated;
ANALYZE v_st;

-- Per trip: first and last stop time (the first joined to the last: cheaper than aggregating them).
CREATE TABLE v_trip AS
SELECT f.trip_id,
       CASE WHEN f.is_last THEN 1 ELSE 2 END AS edges,  -- 1: the trip has a single stop time (its first is its last)
       f.line_number AS first_line, f.stop_sequence AS first_seq, f.arrival_time AS first_arr, f.departure_time AS first_dep,
       l.line_number AS last_line, l.stop_sequence AS last_seq, l.arrival_time AS last_arr, l.departure_time AS last_dep,
       l.stop_id AS last_stop_id, l.shape_dist_traveled AS last_dist
FROM v_st f JOIN v_st l ON l.trip_id = f.trip_id AND l.is_last
WHERE f.is_first;
CREATE INDEX ON v_trip (trip_id);
ANALYZE v_trip;

-- Trips of each block in the order block_trips_with_overlapping_stop_times uses (the validator's): by
-- first arrival, then last departure, then file order (k; g numbers them block after block).
-- reach: how many of the block's trips arrive before this one departs last (a running count over the
-- block's arrivals and departures, departures first among equal times). As k follows first arrivals,
-- the later trips that arrive before this one's last departure are those with k in (k, reach].
CREATE TABLE v_block_trip AS
WITH b AS MATERIALIZED (
    SELECT t.trip_id, t.block_id, t.service_id, t.line_number, v.first_arr, v.first_dep, v.last_arr, v.last_dep,
           row_number() OVER (ORDER BY t.block_id, v.first_arr, v.last_dep, t.line_number) AS g,
           row_number() OVER (PARTITION BY t.block_id ORDER BY v.first_arr, v.last_dep, t.line_number) AS k
    FROM v_trip_info t JOIN v_trip v USING (trip_id)
    WHERE t.block_id IS NOT NULL
      AND v.first_arr IS NOT NULL AND v.first_dep IS NOT NULL AND v.last_arr IS NOT NULL AND v.last_dep IS NOT NULL)
SELECT b.*, r.reach
FROM b JOIN (
    SELECT g, count(*) FILTER (WHERE is_arrival) OVER (PARTITION BY block_id ORDER BY t, is_arrival ROWS UNBOUNDED PRECEDING) AS reach,
           is_arrival
    FROM (SELECT block_id, g, first_arr AS t, true AS is_arrival FROM b
          UNION ALL
          SELECT block_id, g, last_dep, false FROM b) e) r ON r.g = b.g AND NOT r.is_arrival;
CREATE INDEX ON v_block_trip (g);
ANALYZE v_block_trip;

-- The (shape of the trip, stop) pairs that stop_times uses: from each trip's stops (v_st), one
-- list per distinct (shape, list of stops) (trips of one pattern share it).
CREATE TABLE v_stop_use AS
SELECT DISTINCT p.shape_id, u.stop_id
FROM (SELECT DISTINCT t.shape_id, v.stops FROM v_st v LEFT JOIN v_trip_info t ON t.trip_id = v.trip_id
      WHERE v.is_last) p
CROSS JOIN LATERAL unnest(p.stops) u(stop_id)
WHERE u.stop_id IS NOT NULL;
ANALYZE v_stop_use;

-- Every date each service runs, as MobilityData's ServicePeriod.toDates: calendar.txt's days from start_date
-- to end_date (a start after the end: start_date only) plus calendar_dates.txt's added dates, minus its
-- removed dates (a date both added and removed is removed). A calendar longer than 3,660 days is listed for
-- its first 3,660 days only (an end_date in 2099 would list tens of thousands of dates per service); v_service_span
-- has the exact first and last dates.
CREATE TABLE v_service_date AS
(SELECT c.service_id, d::date AS date
 FROM gtfs.calendar c, generate_series(c.start_date, least(greatest(c.start_date, c.end_date), c.start_date + 3660), interval '1 day') d
 WHERE c.feed_version_id = %(feed_version_id)s
   AND CASE extract(isodow FROM d) WHEN 1 THEN c.monday WHEN 2 THEN c.tuesday WHEN 3 THEN c.wednesday
           WHEN 4 THEN c.thursday WHEN 5 THEN c.friday WHEN 6 THEN c.saturday ELSE c.sunday END = 1
 UNION
 SELECT service_id, date FROM gtfs.calendar_dates WHERE feed_version_id = %(feed_version_id)s AND exception_type = 1 AND date IS NOT NULL)
EXCEPT
SELECT service_id, date FROM gtfs.calendar_dates WHERE feed_version_id = %(feed_version_id)s AND exception_type = 2;
CREATE INDEX ON v_service_date (service_id, date);
ANALYZE v_service_date;

-- Per service: its first and last date (MobilityData's ServiceInterval firstActiveDate / lastActiveDate), exact
-- for calendars of any length without listing their dates: calendar.txt's first (last) day that the weekly
-- pattern has and calendar_dates.txt does not remove lies within 7 x (removals + 1) days of start_date
-- (end_date), if the calendar has one at all; calendar_dates.txt's added dates count too. Services without any
-- date are left out.
CREATE TABLE v_service_span AS
WITH cal AS MATERIALIZED (
    SELECT c.service_id, c.start_date, greatest(c.start_date, c.end_date) AS end_date,
           ARRAY[c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday] AS days,
           (SELECT count(*) FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
              AND x.service_id = c.service_id AND x.exception_type = 2)::int AS removed
    FROM gtfs.calendar c WHERE c.feed_version_id = %(feed_version_id)s AND c.start_date IS NOT NULL AND c.end_date IS NOT NULL),
pattern AS (
    SELECT c.service_id,
           (SELECT min(g.d)::date FROM generate_series(c.start_date, least(c.end_date, c.start_date + 7 * (c.removed + 1)), interval '1 day') g(d)
            WHERE c.days[extract(isodow FROM g.d)::int] = 1
              AND NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
                                AND x.service_id = c.service_id AND x.date = g.d::date AND x.exception_type = 2)) AS first_date,
           (SELECT max(g.d)::date FROM generate_series(greatest(c.start_date, c.end_date - 7 * (c.removed + 1)), c.end_date, interval '1 day') g(d)
            WHERE c.days[extract(isodow FROM g.d)::int] = 1
              AND NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
                                AND x.service_id = c.service_id AND x.date = g.d::date AND x.exception_type = 2)) AS last_date
    FROM cal c),
added AS (
    SELECT service_id, min(date) AS first_date, max(date) AS last_date FROM gtfs.calendar_dates
    WHERE feed_version_id = %(feed_version_id)s AND exception_type = 1 AND date IS NOT NULL GROUP BY service_id)
SELECT service_id, least(p.first_date, a.first_date) AS first_date, greatest(p.last_date, a.last_date) AS last_date
FROM pattern p FULL JOIN added a USING (service_id)
WHERE coalesce(p.first_date, a.first_date) IS NOT NULL;
ANALYZE v_service_span;

-- Consecutive shape points whose shape_dist_traveled does not increase (the shape rules report
-- only those), in one ordered pass with two window functions; the previous point's other fields are
-- looked up for those pairs only. (Skipped when shapes.txt has no shape_dist_traveled column.)
CREATE TABLE v_shape_pair AS
SELECT s.shape_id, s.shape_pt_sequence, s.line_number, s.shape_pt_lat, s.shape_pt_lon, s.shape_dist_traveled,
       p.shape_pt_sequence AS prev_seq, p.line_number AS prev_line, p.shape_pt_lat AS prev_lat,
       p.shape_pt_lon AS prev_lon, p.shape_dist_traveled AS prev_dist
FROM (SELECT shape_id, shape_pt_sequence, line_number, shape_pt_lat, shape_pt_lon, shape_dist_traveled,
             lag(shape_pt_sequence) OVER w AS prev_seq, lag(shape_dist_traveled) OVER w AS prev_dist
      FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s
        AND ARRAY['shape_dist_traveled'] && %(header_shapes)s::text[]
      WINDOW w AS (PARTITION BY shape_id ORDER BY shape_pt_sequence)) s
CROSS JOIN LATERAL (  -- one key lookup per pair (LIMIT 1 keeps it a lookup, never a scan of shapes)
    SELECT p.shape_pt_sequence, p.line_number, p.shape_pt_lat, p.shape_pt_lon, p.shape_dist_traveled FROM gtfs.shapes p
    WHERE p.feed_version_id = %(feed_version_id)s AND p.shape_id = s.shape_id AND p.shape_pt_sequence = s.prev_seq LIMIT 1) p
WHERE s.shape_dist_traveled <= s.prev_dist;
ANALYZE v_shape_pair;

-- Per shape: how many points (and how many with shape_dist_traveled), its first line, its largest shape_dist_traveled (one aggregate pass; the
-- rules about whole shapes and the references to shape_id read this instead of shapes.txt).
CREATE TABLE v_shape AS
SELECT shape_id, count(*) AS points, count(shape_dist_traveled) AS with_dist, min(line_number) AS first_line,
       max(shape_dist_traveled) AS max_dist
FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s
GROUP BY shape_id;
ANALYZE v_shape;

-- Per shape that a trip overruns (the trip's last shape_dist_traveled beyond the shape's largest): the
-- point with the largest shape_dist_traveled, the first in the file among equals, as the validator picks
-- it (trip_distance_exceeds_shape_distance*, which look at overrun shapes only).
CREATE TABLE v_shape_end AS
SELECT o.shape_id, e.shape_dist_traveled, e.shape_pt_lat, e.shape_pt_lon
FROM (SELECT DISTINCT s.shape_id, s.max_dist FROM v_trip_info t JOIN v_trip v USING (trip_id)
      JOIN v_shape s ON s.shape_id = t.shape_id WHERE v.last_dist > s.max_dist) o
CROSS JOIN LATERAL (  -- the shape's points only (a key range), never a scan of shapes
    SELECT p.shape_dist_traveled, p.shape_pt_lat, p.shape_pt_lon FROM gtfs.shapes p
    WHERE p.feed_version_id = %(feed_version_id)s AND p.shape_id = o.shape_id AND p.shape_dist_traveled = o.max_dist
    ORDER BY p.line_number LIMIT 1) e;
ANALYZE v_shape_end;
