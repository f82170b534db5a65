-- severity: WARNING
-- meaning: An agency's agency_lang differs from feed_info's feed_lang (unless feed_lang is mul, several languages).
-- As MobilityData (MatchingFeedAndAgencyLangValidator): language tags compared without regard to case; agencies
-- without agency_lang are fine. Values that are not language tags (invalid_language_code, which MobilityData does
-- not parse) are left out.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'feed_info_lang_and_agency_lang_mismatch', 'WARNING', 'agency.txt', a.line_number, 'agency_lang',
       jsonb_build_object('agency_id', a.agency_id), a.agency_lang,
       jsonb_build_object('agencyName', a.agency_name, 'feedLang', f.feed_lang), 'feed_info_lang_and_agency_lang_mismatch'
FROM gtfs.agency a
CROSS JOIN (SELECT feed_lang FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s ORDER BY line_number LIMIT 1) f
WHERE a.feed_version_id = %(feed_version_id)s AND a.agency_lang ~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$' AND f.feed_lang ~ '^([A-Za-z]{2,3}|[A-Za-z]{5,8})(-[A-Za-z0-9]{1,8})*$'
  AND lower(f.feed_lang) <> 'mul' AND lower(a.agency_lang) <> lower(f.feed_lang);
