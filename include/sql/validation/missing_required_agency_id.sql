-- severity: ERROR
-- meaning: The feed has several agencies and a row of agency.txt, routes.txt or fare_attributes.txt has no agency_id.
-- As MobilityData (AgencyConsistencyValidator, RouteAgencyIdValidator, FareAttributeAgencyIdValidator): one notice
-- per row; agencyName for agency.txt rows. With one agency (or none), an empty agency_id is missing_recommended_field.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH several AS (SELECT count(*) > 1 AS yes FROM gtfs.agency WHERE feed_version_id = %(feed_version_id)s),
missing (filename, line_number, entity_key, context) AS (
    SELECT 'agency.txt', a.line_number, NULL::jsonb, jsonb_build_object('agencyName', a.agency_name)
    FROM gtfs.agency a WHERE a.feed_version_id = %(feed_version_id)s AND a.agency_id IS NULL
    UNION ALL
    SELECT 'routes.txt', r.line_number, jsonb_build_object('route_id', r.route_id), NULL::jsonb
    FROM gtfs.routes r WHERE r.feed_version_id = %(feed_version_id)s AND r.agency_id IS NULL
    UNION ALL
    SELECT 'fare_attributes.txt', f.line_number, jsonb_build_object('fare_id', f.fare_id), NULL::jsonb
    FROM gtfs.fare_attributes f WHERE f.feed_version_id = %(feed_version_id)s AND f.agency_id IS NULL)
SELECT %(feed_version_id)s, 'missing_required_agency_id', 'ERROR', m.filename, m.line_number, 'agency_id', m.entity_key, NULL,
       m.context, 'missing_required_agency_id'
FROM missing m, several s
WHERE s.yes;
