-- severity: ERROR
-- meaning: A location that is not a stop (location_type 1 to 4) gives stop_access.
-- As MobilityData (StopAccessValidator): only when stops.txt has a stop_access column and the value is given.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_access_specified_for_incorrect_location', 'ERROR', 'stops.txt', s.line_number, 'stop_access',
       jsonb_build_object('stop_id', s.stop_id), s.stop_access::text,
       jsonb_build_object('stopName', s.stop_name, 'locationType', s.location_type),
       'stop_access_specified_for_incorrect_location'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND s.stop_access IS NOT NULL AND coalesce(s.location_type, 0) <> 0;
