-- severity: ERROR
-- meaning: A timezone field is not a TZ database name.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'invalid_timezone', 'ERROR', 'agency.txt', t.line_number, 'agency_timezone', jsonb_build_object('agency_id', t.agency_id), t.agency_timezone, NULL::jsonb, 'invalid_timezone'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_timezone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = t.agency_timezone AND z.name !~ '^(posix|right)/')
UNION ALL
SELECT t.feed_version_id, 'invalid_timezone', 'ERROR', 'stops.txt', t.line_number, 'stop_timezone', jsonb_build_object('stop_id', t.stop_id), t.stop_timezone, NULL::jsonb, 'invalid_timezone'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_timezone IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = t.stop_timezone AND z.name !~ '^(posix|right)/');
