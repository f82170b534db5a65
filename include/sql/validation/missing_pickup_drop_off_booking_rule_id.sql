-- severity: WARNING
-- meaning: A stop time with a pickup/drop-off window says to phone for pickup (drop-off) but gives no pickup (drop-off) booking rule.
-- As MobilityData (PickupBookingRuleIdValidator): only when booking_rules.txt is present and stop_times.txt has a
-- pickup_type or drop_off_type column; pickup_type 2 with start_pickup_drop_off_window and no
-- pickup_booking_rule_id is one notice, drop_off_type 2 with end_pickup_drop_off_window and no
-- drop_off_booking_rule_id another. Without the window columns (feeds that are not GTFS-Flex) the header
-- constant drops the scan of stop_times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_pickup_drop_off_booking_rule_id', 'WARNING', 'stop_times.txt', s.line_number, x.field,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), NULL,
       jsonb_build_object('pickupType', s.pickup_type, 'dropOffType', s.drop_off_type), 'missing_pickup_drop_off_booking_rule_id'
FROM gtfs.stop_times s
CROSS JOIN LATERAL (VALUES
    ('pickup_booking_rule_id', s.pickup_type = 2 AND s.start_pickup_drop_off_window IS NOT NULL AND s.pickup_booking_rule_id IS NULL),
    ('drop_off_booking_rule_id', s.drop_off_type = 2 AND s.end_pickup_drop_off_window IS NOT NULL AND s.drop_off_booking_rule_id IS NULL)) x(field, bad)
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
  AND ARRAY['pickup_type', 'drop_off_type'] && %(header_stop_times)s::text[]
  AND cardinality(%(header_booking_rules)s::text[]) > 0
  AND s.feed_version_id = %(feed_version_id)s
  AND (s.pickup_type = 2 AND s.start_pickup_drop_off_window IS NOT NULL AND s.pickup_booking_rule_id IS NULL
       OR s.drop_off_type = 2 AND s.end_pickup_drop_off_window IS NOT NULL AND s.drop_off_booking_rule_id IS NULL)
  AND x.bad;
