-- severity: ERROR
-- meaning: A stop time gives more than one of stop_id, location_group_id and location_id.
-- As MobilityData (StopTimesGeographyIdPresenceValidator); field_name is the last one given (location_id, else
-- location_group_id). Without a location_group_id or location_id column the header constant drops the scan.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'forbidden_geography_id', 'ERROR', 'stop_times.txt', s.line_number, CASE WHEN s.location_id IS NOT NULL THEN 'location_id' ELSE 'location_group_id' END,
       jsonb_build_object('trip_id', s.trip_id, 'stop_sequence', s.stop_sequence), coalesce(s.location_id, s.location_group_id),
       jsonb_build_object('stopId', s.stop_id, 'locationGroupId', s.location_group_id, 'locationId', s.location_id), 'forbidden_geography_id'
FROM gtfs.stop_times s
WHERE ARRAY['location_group_id', 'location_id'] && %(header_stop_times)s::text[]
  AND s.feed_version_id = %(feed_version_id)s
  AND (s.stop_id IS NOT NULL)::int + (s.location_group_id IS NOT NULL)::int + (s.location_id IS NOT NULL)::int > 1;
