-- severity: WARNING
-- meaning: Agencies give different agency_lang values.
-- As MobilityData (AgencyConsistencyValidator): each agency with an agency_lang is compared with the first agency of
-- agency.txt that gives one, as language tags (case does not matter); expected is the first one's language subtag, as
-- MobilityData reports it. Agencies without agency_lang, or with one that is not a language tag (invalid_language_code,
-- which MobilityData does not parse), are left out.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH langs AS (
    SELECT line_number, agency_id, agency_lang FROM gtfs.agency
    WHERE feed_version_id = %(feed_version_id)s AND agency_lang ~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$')
SELECT %(feed_version_id)s, 'inconsistent_agency_lang', 'WARNING', 'agency.txt', a.line_number, 'agency_lang',
       jsonb_build_object('agency_id', a.agency_id), a.agency_lang,
       jsonb_build_object('expected', lower(split_part(f.agency_lang, '-', 1)), 'actual', lower(split_part(a.agency_lang, '-', 1))),
       'inconsistent_agency_lang'
FROM langs a
CROSS JOIN (SELECT agency_lang FROM langs ORDER BY line_number LIMIT 1) f
WHERE lower(a.agency_lang) <> lower(f.agency_lang);
