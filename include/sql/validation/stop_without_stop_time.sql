-- severity: WARNING
-- meaning: A stop or platform (location_type 0) is used by no stop time.
-- Stops referred to only by transfers or pathways are still reported, as the validator does.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_without_stop_time', 'WARNING', 'stops.txt', s.line_number, 'stop_id', jsonb_build_object('stop_id', s.stop_id), s.stop_id, NULL::jsonb, 'stop_without_stop_time'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM v_stop_use u WHERE u.stop_id = s.stop_id);
