-- severity: ERROR
-- meaning: A stop time with a pickup/drop-off window also gives arrival_time or departure_time.
-- As MobilityData (PickupDropOffWindowValidator): one notice per stop time; field_name is arrival_time when it
-- is given, else departure_time.
-- Without a pickup/drop-off window column in stop_times.txt's header (feeds that are not GTFS-Flex) the
-- header constant drops the scan of stop_times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_arrival_or_departure_time', 'ERROR', 'stop_times.txt', s.line_number, CASE WHEN s.arrival_time IS NOT NULL THEN 'arrival_time' ELSE 'departure_time' END,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), coalesce(s.arrival_time, s.departure_time)::text,
       jsonb_build_object('arrivalTime', s.arrival_time::text, 'departureTime', s.departure_time::text, 'startPickupDropOffWindow', s.start_pickup_drop_off_window::text, 'endPickupDropOffWindow', s.end_pickup_drop_off_window::text), 'forbidden_arrival_or_departure_time'
FROM gtfs.stop_times s
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND (s.start_pickup_drop_off_window IS NOT NULL OR s.end_pickup_drop_off_window IS NOT NULL) AND (s.arrival_time IS NOT NULL OR s.departure_time IS NOT NULL);
