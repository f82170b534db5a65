-- severity: ERROR
-- meaning: A location's parent_station has the wrong location_type (stops, entrances and nodes need a station; boarding areas a platform).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'wrong_parent_location_type', 'ERROR', 'stops.txt', s.line_number, 'parent_station', jsonb_build_object('stop_id', s.stop_id), s.parent_station,
       jsonb_build_object('locationType', coalesce(s.location_type, 0), 'parentLocationType', coalesce(p.location_type, 0),
                          'expectedLocationType', CASE WHEN s.location_type = 4 THEN 0 ELSE 1 END, 'parentCsvRowNumber', p.line_number),
       'wrong_parent_location_type'
FROM gtfs.stops s JOIN gtfs.stops p ON p.feed_version_id = %(feed_version_id)s AND p.stop_id = s.parent_station
WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) IN (0, 2, 3, 4)
  AND coalesce(p.location_type, 0) <> CASE WHEN s.location_type = 4 THEN 0 ELSE 1 END;
