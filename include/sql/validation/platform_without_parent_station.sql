-- severity: INFO
-- meaning: A platform (a stop with platform_code) has no parent_station.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'platform_without_parent_station', 'INFO', 'stops.txt', s.line_number, 'parent_station', jsonb_build_object('stop_id', s.stop_id), NULL, NULL::jsonb, 'platform_without_parent_station'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0 AND s.platform_code IS NOT NULL AND s.parent_station IS NULL;
