-- severity: WARNING
-- meaning: A stop's stop_url is an agency's agency_url (compared case-insensitively, as MobilityData).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_stop_and_agency_url', 'WARNING', 'stops.txt', s.line_number, 'stop_url', jsonb_build_object('stop_id', s.stop_id), s.stop_url,
       jsonb_build_object('agencyId', a.agency_id, 'agencyCsvRowNumber', a.line_number), 'same_stop_and_agency_url'
FROM gtfs.stops s JOIN gtfs.agency a ON a.feed_version_id = %(feed_version_id)s AND lower(a.agency_url) = lower(s.stop_url) WHERE s.feed_version_id = %(feed_version_id)s;
