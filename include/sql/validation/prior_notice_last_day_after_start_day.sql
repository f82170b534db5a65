-- severity: ERROR
-- meaning: A booking rule's prior_notice_last_day is greater than its prior_notice_start_day.
-- As MobilityData (BookingRulesEntityValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'prior_notice_last_day_after_start_day', 'ERROR', 'booking_rules.txt', b.line_number, 'prior_notice_last_day',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), b.prior_notice_last_day::text, jsonb_build_object('priorNoticeStartDay', b.prior_notice_start_day), 'prior_notice_last_day_after_start_day'
FROM gtfs.booking_rules b
WHERE b.feed_version_id = %(feed_version_id)s AND b.prior_notice_last_day > b.prior_notice_start_day;
