-- severity: ERROR
-- meaning: A booking rule's prior_notice_duration_max is less than its prior_notice_duration_min.
-- As MobilityData (BookingRulesEntityValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'invalid_prior_notice_duration_min', 'ERROR', 'booking_rules.txt', b.line_number, 'prior_notice_duration_min',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), b.prior_notice_duration_min::text, jsonb_build_object('priorNoticeDurationMax', b.prior_notice_duration_max), 'invalid_prior_notice_duration_min'
FROM gtfs.booking_rules b
WHERE b.feed_version_id = %(feed_version_id)s AND b.prior_notice_duration_max < b.prior_notice_duration_min;
