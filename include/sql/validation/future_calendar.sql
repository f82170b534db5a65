-- severity: INFO
-- meaning: Every service that trips use starts after the validation date (the earliest first date of those services is in the future).
-- As MobilityData (FeedServiceWindowValidator): over the distinct service_id values of trips.txt whose service has
-- a date (v_service_span), the earliest first date is after the validation date. One notice per feed.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'future_calendar', 'INFO', NULL, NULL::bigint, NULL, NULL::jsonb, NULL,
       jsonb_build_object('minServiceStartDate', w.first_date::text, 'currentDate', %(today)s::date::text), 'future_calendar'
FROM (SELECT min(s.first_date) AS first_date FROM v_service_span s
      WHERE s.service_id IN (SELECT t.service_id FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s)) w
WHERE w.first_date > %(today)s::date;
