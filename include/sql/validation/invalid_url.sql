-- severity: ERROR
-- meaning: A URL field is not a well-formed http(s) URL.
-- Syntax check: scheme http or https, a host name with a dot-separated top-level domain, optional port,
-- then a path without spaces. (The validator uses Apache Commons UrlValidator, which also knows the list of TLDs.)
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'agency.txt', t.line_number, 'agency_url', jsonb_build_object('agency_id', t.agency_id), t.agency_url, NULL::jsonb, 'invalid_url'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_url IS NOT NULL AND t.agency_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'agency.txt', t.line_number, 'agency_fare_url', jsonb_build_object('agency_id', t.agency_id), t.agency_fare_url, NULL::jsonb, 'invalid_url'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_fare_url IS NOT NULL AND t.agency_fare_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'stops.txt', t.line_number, 'stop_url', jsonb_build_object('stop_id', t.stop_id), t.stop_url, NULL::jsonb, 'invalid_url'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_url IS NOT NULL AND t.stop_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'routes.txt', t.line_number, 'route_url', jsonb_build_object('route_id', t.route_id), t.route_url, NULL::jsonb, 'invalid_url'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_url IS NOT NULL AND t.route_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'rider_categories.txt', t.line_number, 'eligibility_url', jsonb_build_object('rider_category_id', t.rider_category_id), t.eligibility_url, NULL::jsonb, 'invalid_url'
FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND t.eligibility_url IS NOT NULL AND t.eligibility_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'booking_rules.txt', t.line_number, 'info_url', jsonb_build_object('booking_rule_id', t.booking_rule_id), t.info_url, NULL::jsonb, 'invalid_url'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.info_url IS NOT NULL AND t.info_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'booking_rules.txt', t.line_number, 'booking_url', jsonb_build_object('booking_rule_id', t.booking_rule_id), t.booking_url, NULL::jsonb, 'invalid_url'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.booking_url IS NOT NULL AND t.booking_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'feed_info.txt', t.line_number, 'feed_publisher_url', NULL::jsonb, t.feed_publisher_url, NULL::jsonb, 'invalid_url'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_publisher_url IS NOT NULL AND t.feed_publisher_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'feed_info.txt', t.line_number, 'feed_contact_url', NULL::jsonb, t.feed_contact_url, NULL::jsonb, 'invalid_url'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_contact_url IS NOT NULL AND t.feed_contact_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$'
UNION ALL
SELECT t.feed_version_id, 'invalid_url', 'ERROR', 'attributions.txt', t.line_number, 'attribution_url', jsonb_build_object('attribution_id', t.attribution_id), t.attribution_url, NULL::jsonb, 'invalid_url'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND t.attribution_url IS NOT NULL AND t.attribution_url !~* '^https?://[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.[a-z][a-z0-9-]*[a-z0-9](:[0-9]{1,5})?([/?#][^[:space:]]*)?$';
