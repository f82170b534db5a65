-- severity: WARNING
-- meaning: The trips of one block belong to routes of different route_type.
-- As MobilityData (InconsistentRouteTypeForBlockIdValidator): one notice per block_id whose trips' routes (those
-- found in routes.txt) have more than one route_type; routeIds lists the trips' distinct route_ids and routeTypes
-- the distinct types, in trips.txt order. The notice is at the block's first trip. Types outside MobilityData's
-- enum (0-7, 11, 12: extended types such as 700) are all its UNRECOGNIZED, one type (listed by the first one).
-- The blocks are found from the trips' route types of the preparation (v_trip_info); only their trips are read again.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH kinds AS (
    SELECT block_id, CASE WHEN route_type IN (0, 1, 2, 3, 4, 5, 6, 7, 11, 12) THEN route_type ELSE -1 END AS kind
    FROM v_trip_info WHERE block_id IS NOT NULL AND route_type IS NOT NULL),
bad AS MATERIALIZED (SELECT block_id FROM kinds GROUP BY block_id HAVING count(DISTINCT kind) > 1),
trip_type AS (
    SELECT t.line_number, t.block_id, t.route_id, r.route_type,
           CASE WHEN r.route_type IN (0, 1, 2, 3, 4, 5, 6, 7, 11, 12) THEN r.route_type WHEN r.route_type IS NOT NULL THEN -1 END AS kind
    FROM gtfs.trips t LEFT JOIN gtfs.routes r ON r.feed_version_id = %(feed_version_id)s AND r.route_id = t.route_id
    WHERE t.feed_version_id = %(feed_version_id)s AND t.block_id IN (SELECT block_id FROM bad)),
firsts AS (
    SELECT block_id, route_id, route_type, kind, line_number,
           row_number() OVER (PARTITION BY block_id, route_id ORDER BY line_number) AS route_rank,
           row_number() OVER (PARTITION BY block_id, kind ORDER BY line_number) AS type_rank
    FROM trip_type)
SELECT %(feed_version_id)s, 'inconsistent_route_type_for_block_id', 'WARNING', 'trips.txt', min(line_number), 'block_id',
       NULL::jsonb, block_id,
       jsonb_build_object('routeIds', string_agg(route_id, ', ' ORDER BY line_number) FILTER (WHERE route_rank = 1),
                          'routeTypes', string_agg(route_type::text, ', ' ORDER BY line_number)
                                        FILTER (WHERE type_rank = 1 AND kind IS NOT NULL)),
       'inconsistent_route_type_for_block_id'
FROM firsts
GROUP BY block_id;
