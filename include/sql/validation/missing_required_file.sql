-- severity: ERROR
-- meaning: A required file is missing (here: feed_info.txt when translations.txt is provided; the others fail the load, with this notice on the failed version).
-- Files required unconditionally (agency, routes, trips, stop_times, calendar or calendar_dates, stops) fail the load instead (versions.start_version records the notice).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_required_file', 'ERROR', 'feed_info.txt', NULL::bigint, NULL, NULL::jsonb, NULL,
       jsonb_build_object('reason', 'required when translations.txt is provided'), 'missing_required_file'
WHERE EXISTS (SELECT 1 FROM gtfs.feed_version_file WHERE feed_version_id = %(feed_version_id)s AND filename = 'translations.txt' AND load_path <> 'kept')
  AND NOT EXISTS (SELECT 1 FROM gtfs.feed_version_file WHERE feed_version_id = %(feed_version_id)s AND filename = 'feed_info.txt');
