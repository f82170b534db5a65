-- severity: INFO
-- meaning: A calendar.txt service's last date is more than 2 x 365 days after the validation date.
-- As MobilityData (ServiceSpreadValidator): for each service of calendar.txt that has a date, its last date
-- (v_service_span: calendar.txt's days and calendar_dates.txt's changes) minus the validation date > 730 days.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'service_extends_far_in_the_future', 'INFO', 'calendar.txt', c.line_number, 'service_id',
       jsonb_build_object('service_id', c.service_id), c.service_id,
       jsonb_build_object('serviceId', c.service_id, 'serviceWindowEndDate', s.last_date::text), 'service_extends_far_in_the_future'
FROM v_service_span s
JOIN gtfs.calendar c ON c.feed_version_id = %(feed_version_id)s AND c.service_id = s.service_id
WHERE s.last_date - %(today)s::date > 730;
