-- Route lines of one feed version: {route_geom} gets one row per route of
-- routes.txt with a MultiLineString of the distinct lines (shapes and derived
-- stop patterns) of its trips; NULL when none of its trips has a line.
-- Needs {trip_geom}, {shape_geom} and {pattern_geom} (trips.sql, shapes.sql).
-- Placeholders: {route_geom}, {trip_geom}, {shape_geom}, {pattern_geom}, %(feed_version_id)s.
DROP TABLE IF EXISTS {route_geom};
-- The parent's columns (migration 0003): ATTACH PARTITION needs exactly them.
CREATE TABLE {route_geom} (LIKE gtfs.route_geom INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO {route_geom} (feed_version_id, route_id, geom, line_count, trip_count)
SELECT r.feed_version_id, r.route_id, rl.geom, COALESCE(rl.line_count, 0), COALESCE(rl.trip_count, 0)
  FROM gtfs.routes r
  LEFT JOIN (
        SELECT l.route_id,
               ST_Multi(ST_Collect(COALESCE(s.geom, p.geom) ORDER BY l.source DESC, l.shape_id, l.pattern_id))
                   AS geom,
               count(*) AS line_count,
               sum(l.trips) AS trip_count
          FROM (SELECT t.route_id, t.source,
                       CASE WHEN t.source = 'shapes.txt' THEN t.shape_id END AS shape_id,
                       CASE WHEN t.source = 'derived' THEN t.pattern_id END AS pattern_id,
                       count(*) AS trips
                  FROM {trip_geom} t
                 WHERE t.source IS NOT NULL
                 GROUP BY 1, 2, 3, 4) l
          LEFT JOIN {shape_geom} s ON s.shape_id = l.shape_id
          LEFT JOIN {pattern_geom} p ON p.pattern_id = l.pattern_id
         GROUP BY l.route_id
       ) rl ON rl.route_id = r.route_id
 WHERE r.feed_version_id = %(feed_version_id)s;
ALTER TABLE {route_geom} ADD PRIMARY KEY (feed_version_id, route_id);
CREATE INDEX ON {route_geom} USING gist (geom);
ANALYZE {route_geom};
