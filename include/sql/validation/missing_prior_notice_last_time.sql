-- severity: ERROR
-- meaning: A prior-day booking rule (booking_type 2) has no prior_notice_last_time.
-- As MobilityData (BookingRulesEntityValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_prior_notice_last_time', 'ERROR', 'booking_rules.txt', b.line_number, 'prior_notice_last_time',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), NULL, NULL::jsonb, 'missing_prior_notice_last_time'
FROM gtfs.booking_rules b
WHERE b.feed_version_id = %(feed_version_id)s AND b.booking_type = 2 AND b.prior_notice_last_time IS NULL;
