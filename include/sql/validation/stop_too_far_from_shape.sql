-- severity: WARNING
-- meaning: A stop of a trip is more than 100 m from the trip's shape (400 m for the first and last stop of a rail trip).
-- One notice per (shape, stop). Simpler than the validator's shape-to-stop matching: the distance from the stop
-- to the nearest point of the whole shape line (Web Mercator, scaled by the stop's latitude). As MobilityData
-- (StopToShapeMatcher), the first and last stop of a rail trip (route_type 2: a large station) may be 4 x 100 m
-- away: a stop that a shape's trips use only in that place is reported beyond 400 m (the trips' stops and route
-- types from v_st and v_trip_info, one list per distinct pattern).
-- The line is gtfs.shape_geom's when geometry was built for the version, else made here from shapes.txt.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH line4326 AS (
    SELECT shape_id, geom FROM gtfs.shape_geom WHERE feed_version_id = %(feed_version_id)s AND geom IS NOT NULL
    UNION ALL
    SELECT shape_id, ST_SetSRID(ST_MakeLine(ST_MakePoint(shape_pt_lon, shape_pt_lat) ORDER BY shape_pt_sequence), 4326)
    FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s AND shape_pt_lat BETWEEN -85 AND 85 AND shape_pt_lon BETWEEN -180 AND 180
      AND NOT EXISTS (SELECT 1 FROM gtfs.shape_geom WHERE feed_version_id = %(feed_version_id)s)
    GROUP BY shape_id HAVING count(*) > 1),
line AS MATERIALIZED (
    SELECT shape_id, ST_Transform(geom, 3857) AS geom FROM line4326
    WHERE shape_id IN (SELECT shape_id FROM v_stop_use)),
pt AS (SELECT stop_id, line_number, stop_lat, ST_Transform(ST_SetSRID(ST_MakePoint(stop_lon, stop_lat), 4326), 3857) AS geom
    FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s AND stop_lat BETWEEN -85 AND 85 AND stop_lon BETWEEN -180 AND 180),
far AS MATERIALIZED (  -- (shape, stop) pairs more than 100 m apart (few)
    SELECT p.shape_id, s.stop_id, s.line_number, s.stop_lat, s.geom, l.geom AS line
    FROM v_stop_use p JOIN line l USING (shape_id) JOIN pt s USING (stop_id)
    -- Web Mercator stretches lengths by 1 / cos(latitude): 100 m on the ground is 100 / cos(lat) map units
    WHERE NOT ST_DWithin(s.geom, l.geom, 100 / cos(radians(s.stop_lat)))),
large AS (  -- of those, the pairs where the stop is only ever the first or last stop of a rail trip of the shape
    SELECT p.shape_id, u.stop_id
    FROM (SELECT DISTINCT t.shape_id, t.route_type, v.stops FROM v_st v JOIN v_trip_info t ON t.trip_id = v.trip_id
          WHERE v.is_last AND t.shape_id IN (SELECT shape_id FROM far)) p
    CROSS JOIN LATERAL unnest(p.stops) WITH ORDINALITY u(stop_id, k)
    WHERE (p.shape_id, u.stop_id) IN (SELECT shape_id, stop_id FROM far)
    GROUP BY p.shape_id, u.stop_id
    HAVING bool_and(coalesce(p.route_type = 2, false) AND (u.k = 1 OR u.k = cardinality(p.stops))))
SELECT %(feed_version_id)s, 'stop_too_far_from_shape', 'WARNING', 'stops.txt', f.line_number, 'stop_id', jsonb_build_object('stop_id', f.stop_id, 'shape_id', f.shape_id), f.stop_id,
       jsonb_build_object('shapeId', f.shape_id, 'distanceMeters', round((ST_Distance(f.geom, f.line) * cos(radians(f.stop_lat)))::numeric, 1)),
       'stop_too_far_from_shape'
FROM far f
WHERE NOT (EXISTS (SELECT 1 FROM large g WHERE g.shape_id = f.shape_id AND g.stop_id = f.stop_id)
           AND ST_DWithin(f.geom, f.line, 400 / cos(radians(f.stop_lat))));
