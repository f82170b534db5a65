-- severity: WARNING
-- meaning: feed_info.feed_end_date is 7 to 30 days after the validation date.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'feed_expiration_date30_days', 'WARNING', 'feed_info.txt', line_number, 'feed_end_date', NULL::jsonb, feed_end_date::text,
       jsonb_build_object('currentDate', %(today)s::date::text, 'suggestedExpirationDate', (%(today)s::date + 30)::text), 'feed_expiration_date30_days'
FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s AND feed_end_date >= %(today)s::date + 7 AND feed_end_date < %(today)s::date + 30;
