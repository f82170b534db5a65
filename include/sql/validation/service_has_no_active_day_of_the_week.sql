-- severity: WARNING
-- meaning: A calendar.txt service runs on no day of the week (monday to sunday all 0).
-- As MobilityData (ServiceHasNoActiveDayOfTheWeekValidator): every day field is 0 ("not available"); a day
-- left empty is not 0 (its missing value is reported by missing_required_field). Whether calendar_dates.txt
-- adds dates to the service does not matter.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'service_has_no_active_day_of_the_week', 'WARNING', 'calendar.txt', c.line_number, 'service_id',
       jsonb_build_object('service_id', c.service_id), c.service_id,
       jsonb_build_object('serviceId', c.service_id), 'service_has_no_active_day_of_the_week'
FROM gtfs.calendar c
WHERE c.feed_version_id = %(feed_version_id)s
  AND c.monday = 0 AND c.tuesday = 0 AND c.wednesday = 0 AND c.thursday = 0 AND c.friday = 0
  AND c.saturday = 0 AND c.sunday = 0;
