-- severity: ERROR
-- meaning: A booking rule gives prior_notice_start_day together with prior_notice_duration_max.
-- As MobilityData (BookingRulesEntityValidator): whatever the booking_type.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_prior_notice_start_day', 'ERROR', 'booking_rules.txt', b.line_number, 'prior_notice_start_day',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), b.prior_notice_start_day::text, jsonb_build_object('priorNoticeDurationMax', b.prior_notice_duration_max), 'forbidden_prior_notice_start_day'
FROM gtfs.booking_rules b
WHERE b.feed_version_id = %(feed_version_id)s AND b.prior_notice_duration_max IS NOT NULL AND b.prior_notice_start_day IS NOT NULL;
