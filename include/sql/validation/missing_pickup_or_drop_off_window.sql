-- severity: ERROR
-- meaning: A stop time gives only one of start_pickup_drop_off_window and end_pickup_drop_off_window.
-- As MobilityData (PickupDropOffWindowValidator); field_name is the window that is missing.
-- Without a pickup/drop-off window column in stop_times.txt's header (feeds that are not GTFS-Flex) the
-- header constant drops the scan of stop_times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_pickup_or_drop_off_window', 'ERROR', 'stop_times.txt', s.line_number, CASE WHEN s.start_pickup_drop_off_window IS NULL THEN 'start_pickup_drop_off_window' ELSE 'end_pickup_drop_off_window' END,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), NULL,
       jsonb_build_object('startPickupDropOffWindow', s.start_pickup_drop_off_window::text, 'endPickupDropOffWindow', s.end_pickup_drop_off_window::text), 'missing_pickup_or_drop_off_window'
FROM gtfs.stop_times s
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND (s.start_pickup_drop_off_window IS NULL) <> (s.end_pickup_drop_off_window IS NULL);
