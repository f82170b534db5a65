-- severity: INFO
-- meaning: A station (location_type 1) is the parent of no location.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unused_parent_station', 'INFO', 'stops.txt', s.line_number, 'stop_id', jsonb_build_object('stop_id', s.stop_id), s.stop_id, NULL::jsonb, 'unused_parent_station'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND s.location_type = 1
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops c WHERE c.feed_version_id = %(feed_version_id)s AND c.parent_station = s.stop_id);
