-- severity: WARNING
-- meaning: A name or description that should be in mixed case is all lower case or all upper case (e.g. "MAIN STREET", "main").
-- As MobilityData (the MixedCaseValidator its annotation processor generates for the fields marked @MixedCase:
-- agency_name, route_short_name, route_long_name, route_desc, stop_name, trip_headsign, trip_short_name,
-- level_name, network_name, signposted_as, reversed_signposted_as, location_group_name, and booking_rules'
-- message, pickup_message, drop_off_message): the value is split into tokens at every run of non-letters (as Java's
-- String.split: an empty first token when the value starts with a non-letter, no empty tokens at the end). One
-- token: reported when it is longer than one letter and all lower case. More: reported when at least two tokens
-- are not single letters and none of those has both an upper- and a lower-case letter. Letters and case are
-- Unicode's, by the ICU collation "und-x-icu" (so that the database's locale does not matter; PostgreSQL must be
-- built with ICU). Each distinct value is tested once.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH v (filename, field_name, line_number, value) AS (
    SELECT 'agency.txt', 'agency_name', line_number, agency_name FROM gtfs.agency WHERE feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'routes.txt', x.f, r.line_number, x.v FROM gtfs.routes r
        CROSS JOIN LATERAL (VALUES ('route_short_name', r.route_short_name), ('route_long_name', r.route_long_name),
                                   ('route_desc', r.route_desc)) x(f, v)
        WHERE r.feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'stops.txt', 'stop_name', line_number, stop_name FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'trips.txt', x.f, t.line_number, x.v FROM gtfs.trips t
        CROSS JOIN LATERAL (VALUES ('trip_headsign', t.trip_headsign), ('trip_short_name', t.trip_short_name)) x(f, v)
        WHERE t.feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'levels.txt', 'level_name', line_number, level_name FROM gtfs.levels WHERE feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'networks.txt', 'network_name', line_number, network_name FROM gtfs.networks WHERE feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'pathways.txt', x.f, p.line_number, x.v FROM gtfs.pathways p
        CROSS JOIN LATERAL (VALUES ('signposted_as', p.signposted_as), ('reversed_signposted_as', p.reversed_signposted_as)) x(f, v)
        WHERE p.feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'location_groups.txt', 'location_group_name', line_number, location_group_name
        FROM gtfs.location_groups WHERE feed_version_id = %(feed_version_id)s
    UNION ALL SELECT 'booking_rules.txt', x.f, b.line_number, x.v FROM gtfs.booking_rules b
        CROSS JOIN LATERAL (VALUES ('message', b.message), ('pickup_message', b.pickup_message),
                                   ('drop_off_message', b.drop_off_message)) x(f, v)
        WHERE b.feed_version_id = %(feed_version_id)s),
vals AS MATERIALIZED (SELECT DISTINCT value FROM v WHERE value <> ''),
tokens AS (  -- Java's split("[^\\p{L}]+"): trailing non-letters dropped first, so no empty token at the end
    SELECT value, regexp_split_to_array(regexp_replace(value COLLATE "und-x-icu", '[^[:alpha:]]+$', ''),
                                        '[^[:alpha:]]+' COLLATE "und-x-icu") AS t
    FROM vals),
bad AS (
    SELECT value FROM tokens
    WHERE CASE WHEN cardinality(t) = 1
               THEN length(t[1]) > 1 AND t[1] COLLATE "und-x-icu" ~ '^[[:lower:]]+$'
               ELSE (SELECT count(*) >= 2 AND NOT coalesce(bool_or(x COLLATE "und-x-icu" ~ '[[:upper:]]'
                                                                   AND x COLLATE "und-x-icu" ~ '[[:lower:]]'), false)
                     FROM unnest(t) x WHERE length(x) <> 1)
          END)
SELECT %(feed_version_id)s, 'mixed_case_recommended_field', 'WARNING', v.filename, v.line_number, v.field_name, NULL::jsonb, v.value,
       NULL::jsonb, 'mixed_case_recommended_field'
FROM v JOIN bad b ON b.value = v.value;
