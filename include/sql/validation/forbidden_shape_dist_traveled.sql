-- severity: ERROR
-- meaning: A stop time at a location group or GeoJSON location (no stop_id) gives shape_dist_traveled.
-- As MobilityData (StopTimesShapeDistTraveledPresenceValidator). Without a shape_dist_traveled column, or without
-- both location_group_id and location_id columns, the header constant drops the scan.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_shape_dist_traveled', 'ERROR', 'stop_times.txt', s.line_number, 'shape_dist_traveled',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.shape_dist_traveled::text,
       jsonb_build_object('tripId', s.trip_id, 'locationGroupId', s.location_group_id, 'locationId', s.location_id), 'forbidden_shape_dist_traveled'
FROM gtfs.stop_times s
WHERE 'shape_dist_traveled' = ANY(%(header_stop_times)s::text[])
  AND ARRAY['location_group_id', 'location_id'] && %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND s.stop_id IS NULL AND (s.location_group_id IS NOT NULL OR s.location_id IS NOT NULL) AND s.shape_dist_traveled IS NOT NULL;
