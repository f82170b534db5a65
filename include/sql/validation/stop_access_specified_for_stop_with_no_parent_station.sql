-- severity: ERROR
-- meaning: A stop (location_type 0) gives stop_access but has no parent_station.
-- As MobilityData (StopAccessValidator): only when stops.txt has a stop_access column and the value is given.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_access_specified_for_stop_with_no_parent_station', 'ERROR', 'stops.txt', s.line_number, 'stop_access',
       jsonb_build_object('stop_id', s.stop_id), s.stop_access::text,
       jsonb_build_object('stopName', s.stop_name, 'locationType', coalesce(s.location_type, 0)),
       'stop_access_specified_for_stop_with_no_parent_station'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND s.stop_access IS NOT NULL AND coalesce(s.location_type, 0) = 0
  AND s.parent_station IS NULL;
