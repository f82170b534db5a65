-- severity: ERROR
-- meaning: A stop time with a pickup/drop-off window has pickup_type 0 (regular, also when empty) or 3 (coordinate with the driver).
-- As MobilityData (PickupDropOffTypeValidator): an empty pickup_type is 0 (its default).
-- Without a pickup/drop-off window column in stop_times.txt's header (feeds that are not GTFS-Flex) the
-- header constant drops the scan of stop_times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_pickup_type', 'ERROR', 'stop_times.txt', s.line_number, 'pickup_type',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.pickup_type::text,
       jsonb_build_object('startPickupDropOffWindow', s.start_pickup_drop_off_window::text, 'endPickupDropOffWindow', s.end_pickup_drop_off_window::text), 'forbidden_pickup_type'
FROM gtfs.stop_times s
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND (s.start_pickup_drop_off_window IS NOT NULL OR s.end_pickup_drop_off_window IS NOT NULL) AND coalesce(s.pickup_type, 0) IN (0, 3);
