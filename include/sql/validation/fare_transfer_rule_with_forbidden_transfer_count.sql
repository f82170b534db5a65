-- severity: ERROR
-- meaning: A fare transfer rule gives transfer_count but its from_leg_group_id and to_leg_group_id are not the same (or one is empty).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'fare_transfer_rule_with_forbidden_transfer_count', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'transfer_count',
       jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id),
       t.transfer_count::text, NULL::jsonb, 'fare_transfer_rule_with_forbidden_transfer_count'
FROM gtfs.fare_transfer_rules t
WHERE t.feed_version_id = %(feed_version_id)s AND t.transfer_count IS NOT NULL AND (t.from_leg_group_id = t.to_leg_group_id) IS NOT TRUE;
