-- severity: WARNING
-- meaning: feed_info.txt gives neither feed_contact_email nor feed_contact_url.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_feed_contact_email_and_url', 'WARNING', 'feed_info.txt', line_number, 'feed_contact_email', NULL::jsonb, NULL, NULL::jsonb, 'missing_feed_contact_email_and_url'
FROM gtfs.feed_info WHERE feed_version_id = %(feed_version_id)s AND feed_contact_email IS NULL AND feed_contact_url IS NULL;
