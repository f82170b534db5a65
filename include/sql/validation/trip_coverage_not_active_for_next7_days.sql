-- severity: WARNING
-- meaning: The dates on which most trips run (the majority service window) do not cover the validation date and the 7 days after it.
-- As MobilityData (DateTripsValidator, TripCalendarUtil): each trip of trips.txt counts once per date its
-- service runs (v_service_date), a trip of frequencies.txt once per entry plus (end - start - 1) / headway_secs
-- (integer division) when headway_secs > 0. Of the N dates that have a count, the counts sorted in ascending
-- order give the reference count at 0-based index max(floor(0.9 N), N - 30); a date is in the majority window
-- when its count is at least floor(0.75 x the reference count). The window runs from the first such date to
-- the last; the notice (one per feed) is written when it starts after the validation date or ends before the
-- validation date + 7 days.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH per_trip AS (
    SELECT t.service_id, coalesce(f.n, 1) AS n
    FROM gtfs.trips t
    LEFT JOIN (SELECT trip_id,
                      sum(1 + CASE WHEN headway_secs > 0
                                   THEN (date_part('epoch', end_time - start_time)::bigint - 1) / headway_secs
                                   ELSE 0 END) AS n
               FROM gtfs.frequencies WHERE feed_version_id = %(feed_version_id)s GROUP BY trip_id) f ON f.trip_id = t.trip_id
    WHERE t.feed_version_id = %(feed_version_id)s),
per_service AS (SELECT service_id, sum(n) AS n FROM per_trip GROUP BY service_id),
per_date AS MATERIALIZED (
    SELECT d.date, sum(s.n) AS n FROM v_service_date d JOIN per_service s ON s.service_id = d.service_id GROUP BY d.date),
ranked AS (SELECT n, row_number() OVER (ORDER BY n) - 1 AS i, count(*) OVER () AS dates FROM per_date),
threshold AS (
    SELECT floor(0.75::float8 * n) AS at_least FROM ranked
    WHERE i = greatest(floor(dates * 0.9::float8), dates - 30)),
win AS (
    SELECT min(p.date) AS first_date, max(p.date) AS last_date
    FROM per_date p, threshold t WHERE p.n >= t.at_least)
SELECT %(feed_version_id)s, 'trip_coverage_not_active_for_next7_days', 'WARNING', NULL, NULL::bigint, NULL, NULL::jsonb, NULL,
       jsonb_build_object('currentDate', %(today)s::date::text, 'serviceWindowStartDate', w.first_date::text,
                          'serviceWindowEndDate', w.last_date::text), 'trip_coverage_not_active_for_next7_days'
FROM win w
WHERE w.first_date > %(today)s::date OR w.last_date < %(today)s::date + 7;
