-- severity: WARNING
-- meaning: A service of calendar.txt has no date on or after the validation date.
-- Service dates include calendar_dates.txt additions and removals.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'expired_calendar', 'WARNING', 'calendar.txt', c.line_number, 'end_date', jsonb_build_object('service_id', c.service_id), c.end_date::text,
       jsonb_build_object('currentDate', %(today)s::date::text), 'expired_calendar'
FROM gtfs.calendar c WHERE c.feed_version_id = %(feed_version_id)s
  AND EXISTS (SELECT 1 FROM v_service_date d WHERE d.service_id = c.service_id)
  AND NOT EXISTS (SELECT 1 FROM v_service_date d WHERE d.service_id = c.service_id AND d.date >= %(today)s::date);
