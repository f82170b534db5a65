-- severity: INFO
-- meaning: feed_info's feed_start_date is more than 14 days before the first date of service, or its feed_end_date more than 14 days after the last.
-- As MobilityData (FeedServiceWindowValidator): the service window runs from the earliest first date to the latest
-- last date of the services that trips use (v_service_span); with feed_info.txt's first row giving both dates, one
-- notice when feed_start_date < window start - 14 days or feed_end_date > window end + 14 days.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH fi AS (
    SELECT line_number, feed_start_date, feed_end_date FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s
    ORDER BY line_number LIMIT 1),
w AS (
    SELECT min(s.first_date) AS first_date, max(s.last_date) AS last_date FROM v_service_span s
    WHERE s.service_id IN (SELECT t.service_id FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s))
SELECT %(feed_version_id)s, 'feed_valid_beyond_total_service_window', 'INFO', 'feed_info.txt', fi.line_number, NULL, NULL::jsonb, NULL,
       jsonb_build_object('feedStartDate', fi.feed_start_date::text, 'feedEndDate', fi.feed_end_date::text,
                          'serviceWindowStartDate', w.first_date::text, 'serviceWindowEndDate', w.last_date::text),
       'feed_valid_beyond_total_service_window'
FROM fi, w
WHERE fi.feed_start_date IS NOT NULL AND fi.feed_end_date IS NOT NULL AND w.first_date IS NOT NULL
  AND (fi.feed_start_date < w.first_date - 14 OR fi.feed_end_date > w.last_date + 14);
