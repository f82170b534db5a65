-- severity: ERROR
-- meaning: A booking rule gives prior_notice_start_time without prior_notice_start_day.
-- As MobilityData (BookingRulesEntityValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_prior_notice_start_time', 'ERROR', 'booking_rules.txt', b.line_number, 'prior_notice_start_time',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), b.prior_notice_start_time::text, NULL::jsonb, 'forbidden_prior_notice_start_time'
FROM gtfs.booking_rules b
WHERE b.feed_version_id = %(feed_version_id)s AND b.prior_notice_start_time IS NOT NULL AND b.prior_notice_start_day IS NULL;
