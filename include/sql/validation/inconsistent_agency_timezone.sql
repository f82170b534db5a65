-- severity: ERROR
-- meaning: Agencies of the feed do not all have the same agency_timezone.
-- Each agency is compared with the first one of agency.txt.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'inconsistent_agency_timezone', 'ERROR', 'agency.txt', a.line_number, 'agency_timezone', jsonb_build_object('agency_id', a.agency_id),
       a.agency_timezone, jsonb_build_object('expected', f.agency_timezone), 'inconsistent_agency_timezone'
FROM gtfs.agency a CROSS JOIN (SELECT agency_timezone FROM gtfs.agency WHERE feed_version_id = %(feed_version_id)s ORDER BY line_number LIMIT 1) f
WHERE a.feed_version_id = %(feed_version_id)s AND a.agency_timezone IS DISTINCT FROM f.agency_timezone AND a.agency_timezone IS NOT NULL;
