-- severity: ERROR
-- meaning: A real-time booking rule (booking_type 0) gives a field it must leave empty (prior_notice_duration_min, prior_notice_duration_max, prior_notice_last_day, prior_notice_last_time, prior_notice_start_day, prior_notice_start_time, prior_notice_service_id).
-- As MobilityData (BookingRulesEntityValidator): one notice per booking rule, fieldNames lists the forbidden
-- fields it gives, comma-separated, in the reference's order.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_real_time_booking_field_value', 'ERROR', 'booking_rules.txt', b.line_number, 'booking_type',
       jsonb_build_object('booking_rule_id', b.booking_rule_id), b.booking_type::text, jsonb_build_object('fieldNames', f.names), 'forbidden_real_time_booking_field_value'
FROM gtfs.booking_rules b
CROSS JOIN LATERAL (SELECT concat_ws(', ',
        CASE WHEN b.prior_notice_duration_min IS NOT NULL THEN 'prior_notice_duration_min' END,
        CASE WHEN b.prior_notice_duration_max IS NOT NULL THEN 'prior_notice_duration_max' END,
        CASE WHEN b.prior_notice_last_day IS NOT NULL THEN 'prior_notice_last_day' END,
        CASE WHEN b.prior_notice_last_time IS NOT NULL THEN 'prior_notice_last_time' END,
        CASE WHEN b.prior_notice_start_day IS NOT NULL THEN 'prior_notice_start_day' END,
        CASE WHEN b.prior_notice_start_time IS NOT NULL THEN 'prior_notice_start_time' END,
        CASE WHEN b.prior_notice_service_id IS NOT NULL THEN 'prior_notice_service_id' END) AS names) f
WHERE b.feed_version_id = %(feed_version_id)s AND b.booking_type = 0 AND f.names <> '';
