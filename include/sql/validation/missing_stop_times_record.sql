-- severity: ERROR
-- meaning: A Flex trip's only stop time has a pickup/drop-off window and pickup_type and drop_off_type 2 (phone): the trip needs a stop time for each end.
-- As MobilityData (StopTimesRecordValidator): only when stop_times.txt has both window columns, pickup_type and
-- drop_off_type (else the header constant drops the scan); the trip has exactly one stop time.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_stop_times_record', 'ERROR', 'stop_times.txt', s.line_number, 'trip_id',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.trip_id,
       jsonb_build_object('locationGroupId', s.location_group_id, 'locationId', s.location_id), 'missing_stop_times_record'
FROM gtfs.stop_times s
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window', 'pickup_type', 'drop_off_type'] <@ %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND s.start_pickup_drop_off_window IS NOT NULL AND s.end_pickup_drop_off_window IS NOT NULL
  AND s.pickup_type = 2 AND s.drop_off_type = 2
  AND NOT EXISTS (SELECT 1 FROM gtfs.stop_times o WHERE o.feed_version_id = %(feed_version_id)s AND o.trip_id = s.trip_id
                    AND o.stop_sequence <> s.stop_sequence);
