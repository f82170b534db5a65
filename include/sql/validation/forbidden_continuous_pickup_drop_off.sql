-- severity: ERROR
-- meaning: A stop time with a pickup/drop-off window belongs to a route with continuous pickup or drop-off (continuous_pickup or continuous_drop_off 0, 2 or 3).
-- As MobilityData (ContinuousPickupDropOffValidator): routes.txt's continuous_pickup and continuous_drop_off (empty
-- is 1, no continuous stopping), each stop time with a window of each trip of such a route. Without a window column
-- in stop_times.txt or a continuous column in routes.txt the header constants drop the scan of stop_times.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_continuous_pickup_drop_off', 'ERROR', 'stop_times.txt', s.line_number, 'start_pickup_drop_off_window',
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), s.start_pickup_drop_off_window::text,
       jsonb_build_object('routeCsvRowNumber', r.line_number, 'tripId', s.trip_id,
                          'startPickupDropOffWindow', s.start_pickup_drop_off_window::text,
                          'endPickupDropOffWindow', s.end_pickup_drop_off_window::text), 'forbidden_continuous_pickup_drop_off'
FROM gtfs.routes r
JOIN gtfs.trips t ON t.feed_version_id = r.feed_version_id AND t.route_id = r.route_id
JOIN gtfs.stop_times s ON s.feed_version_id = t.feed_version_id AND s.trip_id = t.trip_id
WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
  AND ARRAY['continuous_pickup', 'continuous_drop_off'] && %(header_routes)s::text[]
  AND r.feed_version_id = %(feed_version_id)s
  AND (coalesce(r.continuous_pickup, 1) IN (0, 2, 3) OR coalesce(r.continuous_drop_off, 1) IN (0, 2, 3))
  AND (s.start_pickup_drop_off_window IS NOT NULL OR s.end_pickup_drop_off_window IS NOT NULL);
