-- severity: INFO
-- meaning: A calendar.txt service does not run for more than 13 days in a row between two of its dates.
-- As MobilityData (ServiceSpreadValidator): for each service of calendar.txt, its dates (calendar.txt's days,
-- calendar_dates.txt's additions and removals: v_service_date) form runs of consecutive days; each gap of more
-- than 13 days between two runs is one notice, with the last date before the gap (gapStartDate), the first after
-- it (gapEndDate) and the number of days without service (gapDurationDays). Services only in
-- calendar_dates.txt are not looked at. (Calendars longer than 3,660 days: gaps within their first 3,660 days.)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'big_gap_in_service', 'INFO', 'calendar.txt', c.line_number, 'service_id',
       jsonb_build_object('service_id', c.service_id), c.service_id,
       jsonb_build_object('serviceId', c.service_id, 'gapStartDate', g.prev_date::text, 'gapEndDate', g.date::text,
                          'gapDurationDays', g.date - g.prev_date - 1), 'big_gap_in_service'
FROM (SELECT service_id, date, lag(date) OVER (PARTITION BY service_id ORDER BY date) AS prev_date FROM v_service_date) g
JOIN gtfs.calendar c ON c.feed_version_id = %(feed_version_id)s AND c.service_id = g.service_id
WHERE g.date - g.prev_date - 1 > 13;
