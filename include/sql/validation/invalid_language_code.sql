-- severity: ERROR
-- meaning: A language field is not a well-formed IETF BCP 47 tag.
-- Syntax check of a BCP 47 tag: a 2-3 or 5-8 letter primary subtag, then subtags of 1-8 letters or digits.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'invalid_language_code', 'ERROR', 'agency.txt', t.line_number, 'agency_lang', jsonb_build_object('agency_id', t.agency_id), t.agency_lang, NULL::jsonb, 'invalid_language_code'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_lang IS NOT NULL AND t.agency_lang !~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$'
UNION ALL
SELECT t.feed_version_id, 'invalid_language_code', 'ERROR', 'translations.txt', t.line_number, 'language', jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), t.language, NULL::jsonb, 'invalid_language_code'
FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND t.language IS NOT NULL AND t.language !~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$'
UNION ALL
SELECT t.feed_version_id, 'invalid_language_code', 'ERROR', 'feed_info.txt', t.line_number, 'feed_lang', NULL::jsonb, t.feed_lang, NULL::jsonb, 'invalid_language_code'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_lang IS NOT NULL AND t.feed_lang !~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$'
UNION ALL
SELECT t.feed_version_id, 'invalid_language_code', 'ERROR', 'feed_info.txt', t.line_number, 'default_lang', NULL::jsonb, t.default_lang, NULL::jsonb, 'invalid_language_code'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.default_lang IS NOT NULL AND t.default_lang !~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$';
