-- severity: ERROR
-- meaning: A fare transfer rule gives duration_limit but no duration_limit_type.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'fare_transfer_rule_duration_limit_without_type', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'duration_limit',
       jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id),
       t.duration_limit::text, NULL::jsonb, 'fare_transfer_rule_duration_limit_without_type'
FROM gtfs.fare_transfer_rules t
WHERE t.feed_version_id = %(feed_version_id)s AND t.duration_limit IS NOT NULL AND t.duration_limit_type IS NULL;
