-- Preparation (not a rule): temporary tables shared by several rules, so that
-- stop_times (millions of rows) is read and sorted once. Dropped at the end of the run.
CREATE TEMP TABLE v_st ON COMMIT DROP AS
SELECT trip_id, stop_sequence, line_number, arrival_time, departure_time, stop_id, shape_dist_traveled, timepoint,
       row_number() OVER w AS rn,
       max(stop_sequence) OVER wall AS last_seq,
       -- the departure of the last earlier stop time that has one, and its line
       -- the last earlier stop time that has a departure: its position in the trip and its
       -- departure (seconds), packed in one bigint so that a running max finds it
       max(rn_dep) OVER wprev AS prev_dep_packed,
       lag(line_number) OVER w AS prev_line,
       lag(stop_sequence) OVER w AS prev_seq,
       lag(stop_id) OVER w AS prev_stop_id,
       lag(departure_time) OVER w AS prev_row_dep,
       lag(shape_dist_traveled) OVER w AS prev_dist
FROM (SELECT *, CASE WHEN departure_time IS NOT NULL
                    THEN row_number() OVER (PARTITION BY trip_id ORDER BY stop_sequence) * 1000000
                         + extract(epoch FROM departure_time)::bigint END AS rn_dep
      FROM gtfs.stop_times WHERE feed_version_id = %(feed_version_id)s) st
WINDOW w AS (PARTITION BY trip_id ORDER BY stop_sequence),
       wprev AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
       wall AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING);
ANALYZE v_st;

-- First and last stop time of each trip.
CREATE TEMP TABLE v_trip ON COMMIT DROP AS
SELECT trip_id, max(rn) AS n,
       max(line_number) FILTER (WHERE rn = 1) AS first_line,
       max(stop_sequence) FILTER (WHERE rn = 1) AS first_seq,
       max(arrival_time) FILTER (WHERE rn = 1) AS first_arr,
       max(departure_time) FILTER (WHERE rn = 1) AS first_dep,
       max(line_number) FILTER (WHERE stop_sequence = last_seq) AS last_line,
       max(stop_sequence) FILTER (WHERE stop_sequence = last_seq) AS last_seq,
       max(arrival_time) FILTER (WHERE stop_sequence = last_seq) AS last_arr,
       max(departure_time) FILTER (WHERE stop_sequence = last_seq) AS last_dep,
       max(stop_id) FILTER (WHERE stop_sequence = last_seq) AS last_stop_id
FROM v_st WHERE rn = 1 OR stop_sequence = last_seq
GROUP BY trip_id;
CREATE INDEX ON v_trip (trip_id);
ANALYZE v_trip;

-- Every date each service runs (calendar.txt days, minus removed dates, plus added dates).
CREATE TEMP TABLE v_service_date ON COMMIT DROP AS
SELECT c.service_id, d::date AS date
FROM gtfs.calendar c, generate_series(c.start_date, c.end_date, interval '1 day') d
WHERE c.feed_version_id = %(feed_version_id)s AND c.end_date - c.start_date BETWEEN 0 AND 3660
  AND CASE extract(isodow FROM d) WHEN 1 THEN c.monday WHEN 2 THEN c.tuesday WHEN 3 THEN c.wednesday
          WHEN 4 THEN c.thursday WHEN 5 THEN c.friday WHEN 6 THEN c.saturday ELSE c.sunday END = 1
EXCEPT
SELECT service_id, date FROM gtfs.calendar_dates WHERE feed_version_id = %(feed_version_id)s AND exception_type = 2
UNION
SELECT service_id, date FROM gtfs.calendar_dates WHERE feed_version_id = %(feed_version_id)s AND exception_type = 1 AND date IS NOT NULL;
CREATE INDEX ON v_service_date (service_id, date);
ANALYZE v_service_date;

-- Consecutive shape points that both have shape_dist_traveled.
CREATE TEMP TABLE v_shape_pair ON COMMIT DROP AS
SELECT * FROM (
    SELECT shape_id, shape_pt_sequence, line_number, shape_pt_lat, shape_pt_lon, shape_dist_traveled,
           lag(shape_pt_sequence) OVER w AS prev_seq, lag(line_number) OVER w AS prev_line,
           lag(shape_pt_lat) OVER w AS prev_lat, lag(shape_pt_lon) OVER w AS prev_lon,
           lag(shape_dist_traveled) OVER w AS prev_dist
    FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s
    WINDOW w AS (PARTITION BY shape_id ORDER BY shape_pt_sequence)) s
WHERE shape_dist_traveled IS NOT NULL AND prev_dist IS NOT NULL;
