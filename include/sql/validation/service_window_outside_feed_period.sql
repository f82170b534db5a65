-- severity: INFO
-- meaning: A service that trips use has dates before feed_info's feed_start_date or after its feed_end_date.
-- As MobilityData (FeedServiceWindowValidator): with feed_info.txt's first row giving both dates, each distinct
-- service_id of trips.txt whose service has a date (v_service_span) and whose first date is before
-- feed_start_date or last date after feed_end_date: one notice, with the days before the start and after the end.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH fi AS (
    SELECT feed_start_date, feed_end_date FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s
    ORDER BY line_number LIMIT 1)
SELECT %(feed_version_id)s, 'service_window_outside_feed_period', 'INFO', NULL, NULL::bigint, 'service_id',
       jsonb_build_object('service_id', s.service_id), s.service_id,
       jsonb_build_object('serviceId', s.service_id, 'serviceWindowStartDate', s.first_date::text,
                          'serviceWindowEndDate', s.last_date::text,
                          'daysBeforeFeedStart', greatest(fi.feed_start_date - s.first_date, 0),
                          'daysAfterFeedEnd', greatest(s.last_date - fi.feed_end_date, 0)), 'service_window_outside_feed_period'
FROM v_service_span s, fi
WHERE fi.feed_start_date IS NOT NULL AND fi.feed_end_date IS NOT NULL
  AND s.service_id IN (SELECT t.service_id FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s)
  AND (s.first_date < fi.feed_start_date OR s.last_date > fi.feed_end_date);
