-- severity: ERROR
-- meaning: An entrance, generic node or boarding area (location_type 2, 3, 4) has no parent_station.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'location_without_parent_station', 'ERROR', 'stops.txt', s.line_number, 'parent_station', jsonb_build_object('stop_id', s.stop_id), NULL,
       jsonb_build_object('locationType', s.location_type), 'location_without_parent_station'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND s.location_type IN (2, 3, 4) AND s.parent_station IS NULL;
