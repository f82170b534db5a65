-- severity: ERROR
-- meaning: A fare transfer rule between a leg group and itself has no transfer_count.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'fare_transfer_rule_without_transfer_count', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'transfer_count',
       jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id),
       NULL, NULL::jsonb, 'fare_transfer_rule_without_transfer_count'
FROM gtfs.fare_transfer_rules t
WHERE t.feed_version_id = %(feed_version_id)s AND t.from_leg_group_id = t.to_leg_group_id AND t.transfer_count IS NULL;
