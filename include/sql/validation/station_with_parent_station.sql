-- severity: ERROR
-- meaning: A station (location_type 1) has a parent_station.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'station_with_parent_station', 'ERROR', 'stops.txt', s.line_number, 'parent_station', jsonb_build_object('stop_id', s.stop_id), s.parent_station, NULL::jsonb, 'station_with_parent_station'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND s.location_type = 1 AND s.parent_station IS NOT NULL;
