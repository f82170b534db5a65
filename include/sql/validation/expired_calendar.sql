-- severity: WARNING
-- meaning: A service's last date is before the validation date (calendar.txt services; calendar_dates.txt-only services when all have expired).
-- As MobilityData (ExpiredCalendarValidator): a service's dates are calendar.txt's days minus calendar_dates.txt
-- removals plus its additions; services without any date are skipped. With rows in calendar.txt, each expired
-- service of calendar.txt is reported at its line. Without, the calendar_dates.txt services are reported (at
-- their first line) only when every one of them has expired. No cut-off for long calendars: whether a calendar
-- has a date on or after a day is decided within 7 x (its removals + 1) days of that day, without listing its dates.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH cal AS MATERIALIZED (
    SELECT c.service_id, c.line_number, c.start_date, c.end_date,
           ARRAY[c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday] AS days,
           (SELECT count(*) FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
              AND x.service_id = c.service_id AND x.exception_type = 2) AS removed,
           (SELECT max(x.date) FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
              AND x.service_id = c.service_id AND x.exception_type = 1) AS last_added
    FROM gtfs.calendar c WHERE c.feed_version_id = %(feed_version_id)s AND c.start_date <= c.end_date),
-- calendar_dates.txt's additions of services that calendar.txt does not have
added AS MATERIALIZED (
    SELECT d.service_id, max(d.date) AS last_date, min(d.line_number) AS first_line
    FROM gtfs.calendar_dates d WHERE d.feed_version_id = %(feed_version_id)s
      AND NOT EXISTS (SELECT 1 FROM gtfs.calendar c WHERE c.feed_version_id = %(feed_version_id)s AND c.service_id = d.service_id)
    GROUP BY d.service_id HAVING count(*) FILTER (WHERE d.exception_type = 1) > 0),
cal_dates AS (  -- per calendar.txt service: has it a date at all, and one on or after the validation date?
    SELECT c.*, f.from_start, f.from_today
    FROM cal c CROSS JOIN LATERAL (
        SELECT bool_or(s.since = 'start') AS from_start, bool_or(s.since = 'today') AS from_today
        FROM (VALUES ('start', c.start_date), ('today', greatest(c.start_date, %(today)s::date))) s(since, first_day)
        WHERE EXISTS (SELECT 1 FROM generate_series(s.first_day, least(c.end_date, s.first_day + 7 * (c.removed::int + 1)), interval '1 day') g(d)
                      WHERE c.days[extract(isodow FROM g.d)::int] = 1
                        AND NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates x WHERE x.feed_version_id = %(feed_version_id)s
                                          AND x.service_id = c.service_id AND x.date = g.d::date AND x.exception_type = 2))) f)
SELECT %(feed_version_id)s, 'expired_calendar', 'WARNING', 'calendar.txt', c.line_number, 'service_id', jsonb_build_object('service_id', c.service_id), c.service_id,
       jsonb_build_object('currentDate', %(today)s::date::text), 'expired_calendar'
FROM cal_dates c
WHERE (coalesce(c.from_start, false) OR c.last_added IS NOT NULL)
  AND NOT coalesce(c.from_today, false) AND NOT coalesce(c.last_added >= %(today)s::date, false)
UNION ALL
SELECT %(feed_version_id)s, 'expired_calendar', 'WARNING', 'calendar_dates.txt', a.first_line, 'service_id', jsonb_build_object('service_id', a.service_id), a.service_id,
       jsonb_build_object('currentDate', %(today)s::date::text), 'expired_calendar'
FROM added a
WHERE NOT EXISTS (SELECT 1 FROM gtfs.calendar c WHERE c.feed_version_id = %(feed_version_id)s)
  AND NOT EXISTS (SELECT 1 FROM added b WHERE b.last_date >= %(today)s::date);
