-- severity: WARNING
-- meaning: A recommended field is empty: feed_info's feed_start_date, feed_end_date or feed_version; agency_id of a feed's only agency; agency_id of a route or fare (fare_attributes.txt) when the feed has at most one agency; fare_media_name of a transit card or mobile app.
-- As MobilityData: the fields its schema marks @Recommended (feed_info.txt's three, reported by its row parser for
-- every row where the value is empty or the column absent; a value that is present but invalid is its invalid_*
-- notice instead, so rows with the loader's notice for that field are skipped), AgencyConsistencyValidator (exactly
-- one agency and it has no agency_id), RouteAgencyIdValidator and FareAttributeAgencyIdValidator (no agency_id and
-- at most one agency; with more, MobilityData reports missing_required_agency_id), FareMediaNameValidator
-- (fare_media_type 2 or 4 without fare_media_name). One notice per row and field.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH agencies AS (SELECT count(*) AS n FROM gtfs.agency WHERE feed_version_id = %(feed_version_id)s),
missing (filename, line_number, field_name) AS (
    SELECT 'feed_info.txt', f.line_number, x.field
    FROM gtfs.feed_info f
    CROSS JOIN LATERAL (VALUES ('feed_start_date', f.feed_start_date IS NULL), ('feed_end_date', f.feed_end_date IS NULL),
                               ('feed_version', f.feed_version IS NULL)) x(field, empty)
    WHERE f.feed_version_id = %(feed_version_id)s AND x.empty
      AND NOT EXISTS (SELECT 1 FROM gtfs.notice n WHERE n.feed_version_id = %(feed_version_id)s AND n.source = 'loader'
                        AND n.filename = 'feed_info.txt' AND n.line_number = f.line_number AND n.field_name = x.field)
    UNION ALL
    SELECT 'agency.txt', a.line_number, 'agency_id'
    FROM gtfs.agency a, agencies c
    WHERE a.feed_version_id = %(feed_version_id)s AND c.n = 1 AND a.agency_id IS NULL
    UNION ALL
    SELECT 'routes.txt', r.line_number, 'agency_id'
    FROM gtfs.routes r, agencies c
    WHERE r.feed_version_id = %(feed_version_id)s AND c.n <= 1 AND r.agency_id IS NULL
    UNION ALL
    SELECT 'fare_attributes.txt', f.line_number, 'agency_id'
    FROM gtfs.fare_attributes f, agencies c
    WHERE f.feed_version_id = %(feed_version_id)s AND c.n <= 1 AND f.agency_id IS NULL
    UNION ALL
    SELECT 'fare_media.txt', m.line_number, 'fare_media_name'
    FROM gtfs.fare_media m
    WHERE m.feed_version_id = %(feed_version_id)s AND m.fare_media_type IN (2, 4) AND m.fare_media_name IS NULL)
SELECT %(feed_version_id)s, 'missing_recommended_field', 'WARNING', m.filename, m.line_number, m.field_name, NULL::jsonb, NULL,
       NULL::jsonb, 'missing_recommended_field'
FROM missing m;
