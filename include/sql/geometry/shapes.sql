-- Shape lines of one feed version: {shape_geom} gets one row per distinct
-- shape_id of shapes.txt. The line keeps every usable point in
-- shape_pt_sequence order (whatever the order of the file), so vertex i is the
-- i-th point; its geodesic length is computed on the WGS 84 spheroid.
-- Points outside the valid coordinate ranges are left out and counted. A shape
-- with fewer than two distinct usable points gets no line (issue
-- 'single_point'; its trips get a line derived from their stops); a shape with
-- consecutive equal points keeps them (issue 'repeated_points'). Both are
-- reported in gtfs.notice (source 'geometry') as shape_without_line and
-- repeated_shape_points; the validator's single_shape_point is validation's.
-- Placeholders: {shape_geom}, %(feed_version_id)s.
DROP TABLE IF EXISTS {shape_geom};
-- The parent's columns (migration 0003): ATTACH PARTITION needs exactly them.
CREATE TABLE {shape_geom} (LIKE gtfs.shape_geom INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO {shape_geom} (feed_version_id, shape_id, geom, length_m, max_shape_dist_traveled, point_count,
                          repeated_point_count, invalid_point_count, issue)
SELECT %(feed_version_id)s, m.shape_id,
       CASE WHEN NOT m.degenerate THEN m.line END,
       CASE WHEN NOT m.degenerate THEN ST_Length(m.line::geography) END,
       m.max_dist, m.point_count,
       CASE WHEN m.line IS NULL THEN 0
            WHEN m.degenerate THEN ST_NPoints(m.line) - 1
            ELSE ST_NPoints(m.line) - ST_NPoints(ST_RemoveRepeatedPoints(m.line)) END,
       m.invalid_count,
       CASE WHEN m.degenerate THEN 'single_point'
            WHEN ST_NPoints(m.line) > ST_NPoints(ST_RemoveRepeatedPoints(m.line)) THEN 'repeated_points' END
  FROM (
        SELECT g.*,
               (g.line IS NULL OR ST_NPoints(g.line) < 2
                OR (ST_XMin(g.line) = ST_XMax(g.line) AND ST_YMin(g.line) = ST_YMax(g.line))) AS degenerate
          FROM (
                SELECT p.shape_id,
                       ST_MakeLine(ST_SetSRID(ST_MakePoint(p.shape_pt_lon, p.shape_pt_lat), 4326)
                                   ORDER BY p.shape_pt_sequence)
                           FILTER (WHERE p.shape_pt_lat BETWEEN -90 AND 90
                                     AND p.shape_pt_lon BETWEEN -180 AND 180) AS line,
                       max(p.shape_dist_traveled) AS max_dist,
                       count(*) AS point_count,
                       count(*) FILTER (WHERE NOT (p.shape_pt_lat BETWEEN -90 AND 90
                                                   AND p.shape_pt_lon BETWEEN -180 AND 180)) AS invalid_count
                  FROM gtfs.shapes p
                 WHERE p.feed_version_id = %(feed_version_id)s
                 GROUP BY p.shape_id
               ) g
       ) m;
ALTER TABLE {shape_geom} ADD PRIMARY KEY (feed_version_id, shape_id);
CREATE INDEX ON {shape_geom} USING gist (geom);
ANALYZE {shape_geom};

DELETE FROM gtfs.notice
 WHERE feed_version_id = %(feed_version_id)s AND source = 'geometry' AND filename = 'shapes.txt';
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, field_name, entity_key, value, context, source)
SELECT feed_version_id,
       CASE issue WHEN 'single_point' THEN 'shape_without_line' ELSE 'repeated_shape_points' END,
       CASE issue WHEN 'single_point' THEN 'WARNING' ELSE 'INFO' END,
       'shapes.txt', 'shape_id', jsonb_build_object('shape_id', shape_id), shape_id,
       jsonb_build_object('pointCount', point_count, 'repeatedPointCount', repeated_point_count,
                          'invalidPointCount', invalid_point_count,
                          'handling', CASE issue WHEN 'single_point'
                                           THEN 'no shape line; its trips get lines derived from their stops'
                                           ELSE 'repeated points kept (zero-length segments)' END),
       'geometry'
  FROM {shape_geom}
 WHERE issue IS NOT NULL
 ORDER BY shape_id;
