-- The service days of one feed version: {service_days} (a plain table, attached by timetable.py
-- as the version's partition of gtfs.service_days) gets one row per (service_id, date) on which
-- the service runs: the dates of calendar.txt from start_date to end_date on its weekdays, less
-- calendar_dates.txt's removals (exception_type 2), plus its additions (exception_type 1; a
-- calendar_dates-only feed has only these). Set-based: one generate_series over every calendar row.
-- t_base is "noon minus 12 h" of the date in the version's time zone: 12:00 local, less 12 hours,
-- which is 00:00 local except on the days the clocks change (then 23:00 or 01:00 local).
-- Placeholders: {service_days}, %(feed_version_id)s, %(timezone)s (NULL: t_base stays NULL).
-- It reads the parents gtfs.calendar and gtfs.calendar_dates (plan-time pruned to the version).
CREATE TABLE {service_days} (LIKE gtfs.service_days INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO {service_days} (feed_version_id, service_id, date, t_base)
WITH weekly AS (
    SELECT c.service_id, d::date AS date
      FROM gtfs.calendar c
     CROSS JOIN LATERAL generate_series(c.start_date, c.end_date, interval '1 day') d
     WHERE c.feed_version_id = %(feed_version_id)s
       AND CASE extract(isodow FROM d)
               WHEN 1 THEN c.monday WHEN 2 THEN c.tuesday WHEN 3 THEN c.wednesday WHEN 4 THEN c.thursday
               WHEN 5 THEN c.friday WHEN 6 THEN c.saturday WHEN 7 THEN c.sunday END = 1
), days AS (
    -- No CTE for calendar_dates: the anti-join then hashes it (a CTE scan per row took 4 s for
    -- 2 052 services and 38 184 exceptions).
    SELECT w.service_id, w.date FROM weekly w
     WHERE NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates x
                        WHERE x.feed_version_id = %(feed_version_id)s AND x.service_id = w.service_id
                          AND x.date = w.date AND x.exception_type = 2)
    UNION
    SELECT x.service_id, x.date FROM gtfs.calendar_dates x
     WHERE x.feed_version_id = %(feed_version_id)s AND x.exception_type = 1
       AND x.service_id IS NOT NULL AND x.date IS NOT NULL
)
SELECT %(feed_version_id)s, days.service_id, days.date,
       ((days.date + time '12:00') AT TIME ZONE %(timezone)s::text) - interval '12 hours'
  FROM days;
ALTER TABLE {service_days} ADD PRIMARY KEY (feed_version_id, service_id, date);
CREATE INDEX ON {service_days} (feed_version_id, t_base);
ANALYZE {service_days};
