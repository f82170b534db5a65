-- severity: INFO
-- meaning: A stop without zone_id is served by a route whose fare_rules.txt rows use zones (origin_id, destination_id or contains_id).
-- As MobilityData (StopZoneIdValidator): when fare_rules.txt has a row with origin_id, destination_id or
-- contains_id, each stop (location_type 0 or empty) without zone_id that a trip of such a row's route_id stops at
-- (the trips' stops from the ordered pass, v_st).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH zoned_routes AS MATERIALIZED (
    SELECT DISTINCT route_id FROM gtfs.fare_rules
    WHERE feed_version_id = %(feed_version_id)s AND route_id IS NOT NULL
      AND (origin_id IS NOT NULL OR destination_id IS NOT NULL OR contains_id IS NOT NULL)),
served AS (
    SELECT DISTINCT u.stop_id
    FROM gtfs.trips t
    JOIN v_st v ON v.trip_id = t.trip_id AND v.is_last
    CROSS JOIN LATERAL unnest(v.stops) u(stop_id)
    WHERE t.feed_version_id = %(feed_version_id)s AND t.route_id IN (SELECT route_id FROM zoned_routes))
SELECT %(feed_version_id)s, 'stop_without_zone_id', 'INFO', 'stops.txt', s.line_number, 'zone_id',
       jsonb_build_object('stop_id', s.stop_id), NULL,
       jsonb_build_object('stopId', s.stop_id, 'stopName', s.stop_name), 'stop_without_zone_id'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0 AND s.zone_id IS NULL
  AND s.stop_id IN (SELECT stop_id FROM served);
