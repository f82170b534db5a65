-- severity: ERROR
-- meaning: A fare transfer rule gives duration_limit_type but no duration_limit.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'fare_transfer_rule_duration_limit_type_without_duration_limit', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'duration_limit_type',
       jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id),
       t.duration_limit_type::text, NULL::jsonb, 'fare_transfer_rule_duration_limit_type_without_duration_limit'
FROM gtfs.fare_transfer_rules t
WHERE t.feed_version_id = %(feed_version_id)s AND t.duration_limit IS NULL AND t.duration_limit_type IS NOT NULL;
