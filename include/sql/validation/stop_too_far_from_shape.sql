-- severity: WARNING
-- meaning: A stop of a trip is more than 100 m from the trip's shape.
-- One notice per (shape, stop). Simpler than the validator's shape-to-stop matching: the distance from the stop
-- to the nearest point of the whole shape line (Web Mercator, scaled by the stop's latitude).
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
    FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s AND stop_lat BETWEEN -85 AND 85 AND stop_lon BETWEEN -180 AND 180)
SELECT %(feed_version_id)s, 'stop_too_far_from_shape', 'WARNING', 'stops.txt', s.line_number, 'stop_id', jsonb_build_object('stop_id', s.stop_id, 'shape_id', p.shape_id), s.stop_id,
       jsonb_build_object('shapeId', p.shape_id, 'distanceMeters', round((ST_Distance(s.geom, l.geom) * cos(radians(s.stop_lat)))::numeric, 1)),
       'stop_too_far_from_shape'
FROM v_stop_use p JOIN line l USING (shape_id) JOIN pt s USING (stop_id)
-- Web Mercator stretches lengths by 1 / cos(latitude): 100 m on the ground is 100 / cos(lat) map units
WHERE NOT ST_DWithin(s.geom, l.geom, 100 / cos(radians(s.stop_lat)));
