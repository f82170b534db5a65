-- severity: ERROR
-- meaning: An email field is not a well-formed address.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'invalid_email', 'ERROR', 'agency.txt', t.line_number, 'agency_email', jsonb_build_object('agency_id', t.agency_id), t.agency_email, NULL::jsonb, 'invalid_email'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_email IS NOT NULL AND t.agency_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$'
UNION ALL
SELECT t.feed_version_id, 'invalid_email', 'ERROR', 'feed_info.txt', t.line_number, 'feed_contact_email', NULL::jsonb, t.feed_contact_email, NULL::jsonb, 'invalid_email'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_contact_email IS NOT NULL AND t.feed_contact_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$'
UNION ALL
SELECT t.feed_version_id, 'invalid_email', 'ERROR', 'attributions.txt', t.line_number, 'attribution_email', jsonb_build_object('attribution_id', t.attribution_id), t.attribution_email, NULL::jsonb, 'invalid_email'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND t.attribution_email IS NOT NULL AND t.attribution_email !~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:].]+$';
