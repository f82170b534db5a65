-- The timetable's view and functions (migration 0006 has its tables). Run by init-db after the
-- GTFS tables exist (timetable.ensure_objects), before the gtfs_current views are rewritten;
-- safe to run again. See docs/data-model.md, "Timetable".

-- The runs of one frequencies.txt row: 0, 1, ... while start_time + k * headway_secs < end_time.
-- A PL/pgSQL function so that the planner takes its ROWS estimate (generate_series is guessed at
-- 1 000 rows, which made a one-stop query of gtfs.arrivals_departures look costly enough for JIT:
-- 2.2 s instead of 16 ms on the 3 M feed).
CREATE OR REPLACE FUNCTION gtfs.frequency_runs(p_start interval, p_end interval, p_headway_secs integer)
RETURNS SETOF integer LANGUAGE plpgsql IMMUTABLE STRICT ROWS 20 AS $fn$
BEGIN
    IF p_headway_secs > 0 THEN
        RETURN QUERY SELECT generate_series(
            0, ceil(extract(epoch FROM p_end - p_start) / p_headway_secs)::integer - 1);
    END IF;
END
$fn$;

-- One row per stop time per service date (frequency-based trips expanded, exact_times 0 and 1).
-- Times are the GTFS intervals (past 24:00:00 as given); t_arrival and t_departure are instants,
-- t_base of the service date + the time, i.e. counted from "noon minus 12 h" of the service date in
-- the version's time zone (agency_timezone: the reference says stop_times.txt's times are in it,
-- even at a stop with its own stop_timezone, which is stop_timezone here).
-- Filter on feed_version_id and stop_id, with date, or use gtfs.departures for a time window.
CREATE OR REPLACE VIEW gtfs.arrivals_departures AS
SELECT st.feed_version_id, fv.feed_id, sd.date, st.trip_id, t.route_id, t.service_id, t.direction_id,
       t.trip_headsign, st.stop_id, st.stop_sequence, st.stop_headsign, st.pickup_type, st.drop_off_type,
       st.arrival_time::interval AS arrival_time, st.departure_time::interval AS departure_time,
       sd.t_base + st.arrival_time AS t_arrival, sd.t_base + st.departure_time AS t_departure,
       NULL::integer AS exact_times, NULL::interval AS frequency_start_time,
       tt.timezone, COALESCE(p.stop_timezone, s.stop_timezone, tt.timezone) AS stop_timezone
  FROM gtfs.stop_times st
  JOIN gtfs.trips t ON t.feed_version_id = st.feed_version_id AND t.trip_id = st.trip_id
  JOIN gtfs.service_days sd ON sd.feed_version_id = t.feed_version_id AND sd.service_id = t.service_id
  JOIN gtfs.feed_version fv ON fv.feed_version_id = st.feed_version_id
  LEFT JOIN gtfs.feed_version_timetable tt ON tt.feed_version_id = st.feed_version_id
  LEFT JOIN gtfs.stops s ON s.feed_version_id = st.feed_version_id AND s.stop_id = st.stop_id
  LEFT JOIN gtfs.stops p ON p.feed_version_id = s.feed_version_id AND p.stop_id = s.parent_station
 WHERE NOT EXISTS (SELECT 1 FROM gtfs.frequencies f
                    WHERE f.feed_version_id = st.feed_version_id AND f.trip_id = st.trip_id)
UNION ALL
-- A frequency-based trip runs every headway_secs from start_time while the run starts before
-- end_time; its stop times keep their offsets from the trip's first stop time.
SELECT st.feed_version_id, fv.feed_id, sd.date, st.trip_id, t.route_id, t.service_id, t.direction_id,
       t.trip_headsign, st.stop_id, st.stop_sequence, st.stop_headsign, st.pickup_type, st.drop_off_type,
       st.arrival_time + run.shift, st.departure_time + run.shift,
       sd.t_base + (st.arrival_time + run.shift), sd.t_base + (st.departure_time + run.shift),
       COALESCE(f.exact_times, 0), run.start_time,
       tt.timezone, COALESCE(p.stop_timezone, s.stop_timezone, tt.timezone)
  FROM gtfs.frequencies f
  JOIN gtfs.trips t ON t.feed_version_id = f.feed_version_id AND t.trip_id = f.trip_id
  CROSS JOIN LATERAL (
        SELECT COALESCE(s0.departure_time, s0.arrival_time)::interval AS first_time
          FROM gtfs.stop_times s0
         WHERE s0.feed_version_id = f.feed_version_id AND s0.trip_id = f.trip_id
         ORDER BY s0.stop_sequence LIMIT 1) f0
  CROSS JOIN LATERAL gtfs.frequency_runs(f.start_time, f.end_time, f.headway_secs) k
  CROSS JOIN LATERAL (
        SELECT f.start_time + make_interval(secs => k * f.headway_secs) AS start_time,
               f.start_time + make_interval(secs => k * f.headway_secs) - f0.first_time AS shift) run
  JOIN gtfs.service_days sd ON sd.feed_version_id = t.feed_version_id AND sd.service_id = t.service_id
  JOIN gtfs.stop_times st ON st.feed_version_id = f.feed_version_id AND st.trip_id = f.trip_id
  JOIN gtfs.feed_version fv ON fv.feed_version_id = f.feed_version_id
  LEFT JOIN gtfs.feed_version_timetable tt ON tt.feed_version_id = f.feed_version_id
  LEFT JOIN gtfs.stops s ON s.feed_version_id = st.feed_version_id AND s.stop_id = st.stop_id
  LEFT JOIN gtfs.stops p ON p.feed_version_id = s.feed_version_id AND p.stop_id = s.parent_station
 WHERE f.headway_secs > 0;

-- Departures from a stop (with its child stops: platforms of a station, and theirs) between two
-- instants, in order: [p_from, p_to). Uses the index of stop_times (stop_id, departure_time) once
-- per service date in reach (a time can be up to 100 hours past t_base).
CREATE OR REPLACE FUNCTION gtfs.departures(p_feed_version_id bigint, p_stop_id text, p_from timestamptz,
                                p_to timestamptz, p_with_children boolean DEFAULT true)
RETURNS TABLE (t_departure timestamptz, t_arrival timestamptz, date date, stop_id text,
               stop_sequence integer, trip_id text, route_id text, route_short_name text,
               route_long_name text, headsign text, departure_time interval, arrival_time interval,
               pickup_type integer, exact_times integer, service_id text)
LANGUAGE plpgsql STABLE
-- A query of milliseconds: JIT compiling it would cost more than running it.
SET jit = off
AS $fn$
DECLARE
    stops text[];
    has_frequencies boolean;
BEGIN
    -- The version id is written into the queries as a constant so the planner keeps only its
    -- partitions (at plan time, whatever the number of versions kept). The stops come first, as an
    -- array: the planner then knows how few they are (a recursive CTE is guessed at ~1 600 rows,
    -- which made it sort every trip of every service day).
    EXECUTE format($s$
        WITH RECURSIVE at_stop AS (
            SELECT $1::text AS stop_id, 0 AS depth
            UNION
            SELECT c.stop_id, a.depth + 1 FROM at_stop a
              JOIN gtfs.stops c ON c.feed_version_id = %1$s AND c.parent_station = a.stop_id
             WHERE $2 AND a.depth < 2
        )
        SELECT array_agg(DISTINCT stop_id) FROM at_stop
    $s$, p_feed_version_id::bigint) INTO stops USING p_stop_id, p_with_children;
    -- Without frequencies.txt the frequency branch is planned away (a constant false).
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM gtfs.frequencies WHERE feed_version_id = %s)',
                   p_feed_version_id::bigint) INTO has_frequencies;
    RETURN QUERY EXECUTE format($q$
        WITH days AS (
            SELECT DISTINCT d.date, d.t_base FROM gtfs.service_days d
             WHERE d.feed_version_id = %1$s AND d.t_base > $2 - interval '100 hours' AND d.t_base < $3
        ), scheduled AS (
            SELECT days.t_base + st.departure_time AS t_departure, days.t_base + st.arrival_time AS t_arrival,
                   days.date, st.stop_id, st.stop_sequence, st.trip_id, t.route_id,
                   COALESCE(st.stop_headsign, t.trip_headsign) AS headsign,
                   st.departure_time::interval AS departure_time, st.arrival_time::interval AS arrival_time,
                   st.pickup_type, NULL::integer AS exact_times, t.service_id
              FROM days
              JOIN gtfs.stop_times st ON st.feed_version_id = %1$s
                   AND st.stop_id = ANY($1)
                   AND st.departure_time >= $2 - days.t_base AND st.departure_time < $3 - days.t_base
              JOIN gtfs.trips t ON t.feed_version_id = %1$s AND t.trip_id = st.trip_id
              JOIN gtfs.service_days sd ON sd.feed_version_id = %1$s AND sd.service_id = t.service_id
                   AND sd.date = days.date
             WHERE NOT EXISTS (SELECT 1 FROM gtfs.frequencies f
                                WHERE f.feed_version_id = %1$s AND f.trip_id = st.trip_id)
        ), by_frequency AS (
            -- The runs of frequencies.txt as in gtfs.arrivals_departures, but from the stop's own
            -- stop times (few) and the days in reach, so nothing is expanded that cannot match.
            SELECT days.t_base + (st.departure_time + run.shift), days.t_base + (st.arrival_time + run.shift),
                   days.date, st.stop_id, st.stop_sequence, st.trip_id, t.route_id,
                   COALESCE(st.stop_headsign, t.trip_headsign), st.departure_time + run.shift,
                   st.arrival_time + run.shift, st.pickup_type, COALESCE(f.exact_times, 0), t.service_id
              FROM gtfs.frequencies f
              JOIN gtfs.stop_times st ON st.feed_version_id = %1$s AND st.trip_id = f.trip_id
                   AND st.stop_id = ANY($1)
              JOIN gtfs.trips t ON t.feed_version_id = %1$s AND t.trip_id = f.trip_id
              CROSS JOIN days
              JOIN gtfs.service_days sd ON sd.feed_version_id = %1$s AND sd.service_id = t.service_id
                   AND sd.date = days.date
              CROSS JOIN LATERAL (
                    SELECT COALESCE(s0.departure_time, s0.arrival_time)::interval AS first_time
                      FROM gtfs.stop_times s0
                     WHERE s0.feed_version_id = %1$s AND s0.trip_id = f.trip_id
                     ORDER BY s0.stop_sequence LIMIT 1) f0
              CROSS JOIN LATERAL gtfs.frequency_runs(f.start_time, f.end_time, f.headway_secs) k
              CROSS JOIN LATERAL (
                    SELECT f.start_time + make_interval(secs => k * f.headway_secs) - f0.first_time AS shift) run
             WHERE %2$s AND f.feed_version_id = %1$s AND f.headway_secs > 0
               AND days.t_base + (st.departure_time + run.shift) >= $2
               AND days.t_base + (st.departure_time + run.shift) < $3
        ), found AS (
            SELECT * FROM scheduled UNION ALL SELECT * FROM by_frequency
        )
        SELECT x.t_departure, x.t_arrival, x.date, x.stop_id, x.stop_sequence, x.trip_id, x.route_id,
               r.route_short_name, r.route_long_name, x.headsign, x.departure_time, x.arrival_time,
               x.pickup_type, x.exact_times, x.service_id
          FROM found x
          LEFT JOIN gtfs.routes r ON r.feed_version_id = %1$s AND r.route_id = x.route_id
         ORDER BY x.t_departure, x.stop_id, x.trip_id, x.stop_sequence
    $q$, p_feed_version_id::bigint, CASE WHEN has_frequencies THEN 'true' ELSE 'false' END)
    USING stops, p_from, p_to;
END
$fn$;


-- Published versions only: init-db rewrites it at once (schema.refresh_current_views), as at every publish.
CREATE OR REPLACE VIEW gtfs_current.arrivals_departures AS
    SELECT t.* FROM gtfs.arrivals_departures t WHERE false;

-- Departures from a stop of a feed's published version.
CREATE OR REPLACE FUNCTION gtfs_current.departures(p_feed_id text, p_stop_id text, p_from timestamptz,
                                        p_to timestamptz, p_with_children boolean DEFAULT true)
RETURNS TABLE (t_departure timestamptz, t_arrival timestamptz, date date, stop_id text,
               stop_sequence integer, trip_id text, route_id text, route_short_name text,
               route_long_name text, headsign text, departure_time interval, arrival_time interval,
               pickup_type integer, exact_times integer, service_id text)
LANGUAGE sql STABLE AS $$
    SELECT d.* FROM gtfs.feed f
     CROSS JOIN LATERAL gtfs.departures(f.current_version_id, p_stop_id, p_from, p_to, p_with_children) d
     WHERE f.feed_id = p_feed_id AND f.current_version_id IS NOT NULL
$$;
