-- severity: INFO
-- meaning: feed_info's feed_start_date is after the validation date.
-- As MobilityData (FeedValidTodayValidator): the earliest feed_start_date of feed_info.txt's rows is after the
-- validation date. One notice per feed.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'future_feed', 'INFO', 'feed_info.txt', NULL::bigint, 'feed_start_date', NULL::jsonb, f.first_date::text,
       jsonb_build_object('feedStartDate', f.first_date::text, 'currentDate', %(today)s::date::text), 'future_feed'
FROM (SELECT min(feed_start_date) AS first_date FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s) f
WHERE f.first_date > %(today)s::date;
