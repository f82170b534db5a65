-- Trip lines of one feed version.
-- {trip_geom}: one row per trip of trips.txt, saying where its line comes from:
--   'shapes.txt' when its shape has a line in {shape_geom};
--   'derived' otherwise (no shape_id, a shape_id missing from shapes.txt, or a
--   shape without a line) when it has at least two located stops: the line
--   then goes through its located stops in stop_sequence order;
--   NULL when neither is possible.
-- {pattern_geom}: the derived lines, one per distinct sequence of located stops
-- (trips that share a stop pattern share one line), so the work and the
-- storage scale with the number of patterns, not of stop_times.
-- Needs {stop_geom} and {shape_geom} of the same version (stops.sql, shapes.sql).
-- Placeholders: {trip_geom}, {pattern_geom}, {stop_geom}, {shape_geom}, %(feed_version_id)s.
DROP TABLE IF EXISTS {trip_geom};
-- The parent's columns (migration 0003): ATTACH PARTITION needs exactly them.
CREATE TABLE {trip_geom} (LIKE gtfs.trip_geom INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
DROP TABLE IF EXISTS {pattern_geom};
-- The parent's columns (migration 0003): ATTACH PARTITION needs exactly them.
CREATE TABLE {pattern_geom} (LIKE gtfs.pattern_geom INCLUDING DEFAULTS INCLUDING CONSTRAINTS);

DROP TABLE IF EXISTS pg_temp.geometry_trip;
CREATE TEMP TABLE geometry_trip ON COMMIT DROP AS
SELECT t.trip_id, t.route_id, t.shape_id,
       CASE WHEN t.shape_id IS NULL THEN 'no_shape_id'
            WHEN s.shape_id IS NULL THEN 'shape_id_not_in_shapes'
            WHEN s.geom IS NULL THEN 'shape_without_line' END AS derived_because
  FROM gtfs.trips t
  LEFT JOIN {shape_geom} s ON s.feed_version_id = t.feed_version_id AND s.shape_id = t.shape_id
 WHERE t.feed_version_id = %(feed_version_id)s;
ANALYZE geometry_trip;

-- Located stops of the trips that need a derived line, as one array per trip.
DROP TABLE IF EXISTS pg_temp.geometry_trip_stops;
CREATE TEMP TABLE geometry_trip_stops ON COMMIT DROP AS
SELECT st.trip_id, array_agg(st.stop_id ORDER BY st.stop_sequence) AS stop_ids
  FROM gtfs.stop_times st
  JOIN geometry_trip t ON t.trip_id = st.trip_id
  JOIN {stop_geom} g ON g.feed_version_id = st.feed_version_id AND g.stop_id = st.stop_id
 WHERE st.feed_version_id = %(feed_version_id)s
   AND t.derived_because IS NOT NULL
   AND g.geom IS NOT NULL
 GROUP BY st.trip_id
HAVING count(*) >= 2;
ANALYZE geometry_trip_stops;

-- Stop patterns, numbered in a stable order (same input, same ids).
DROP TABLE IF EXISTS pg_temp.geometry_pattern;
CREATE TEMP TABLE geometry_pattern ON COMMIT DROP AS
SELECT (row_number() OVER (ORDER BY d.stop_ids COLLATE "C"))::integer AS pattern_id, d.stop_ids
  FROM (SELECT DISTINCT stop_ids FROM geometry_trip_stops) d;
ANALYZE geometry_pattern;

INSERT INTO {pattern_geom} (feed_version_id, pattern_id, stop_ids, geom, length_m)
SELECT %(feed_version_id)s, l.pattern_id, p.stop_ids, l.geom, ST_Length(l.geom::geography)
  FROM (SELECT p.pattern_id, ST_MakeLine(g.geom ORDER BY u.ord) AS geom
          FROM geometry_pattern p
         CROSS JOIN LATERAL unnest(p.stop_ids) WITH ORDINALITY AS u (stop_id, ord)
          JOIN {stop_geom} g ON g.stop_id = u.stop_id
         GROUP BY p.pattern_id) l
  JOIN geometry_pattern p ON p.pattern_id = l.pattern_id;
ALTER TABLE {pattern_geom} ADD PRIMARY KEY (feed_version_id, pattern_id);
CREATE INDEX ON {pattern_geom} USING gist (geom);
ANALYZE {pattern_geom};

INSERT INTO {trip_geom} (feed_version_id, trip_id, route_id, shape_id, source, pattern_id, derived_because)
SELECT %(feed_version_id)s, t.trip_id, t.route_id, t.shape_id,
       CASE WHEN t.derived_because IS NULL THEN 'shapes.txt'
            WHEN p.pattern_id IS NOT NULL THEN 'derived' END,
       p.pattern_id, t.derived_because
  FROM geometry_trip t
  LEFT JOIN geometry_trip_stops ts ON ts.trip_id = t.trip_id
  LEFT JOIN geometry_pattern p ON p.stop_ids = ts.stop_ids;
ALTER TABLE {trip_geom} ADD PRIMARY KEY (feed_version_id, trip_id);
CREATE INDEX ON {trip_geom} (feed_version_id, shape_id);
CREATE INDEX ON {trip_geom} (feed_version_id, pattern_id);
ANALYZE {trip_geom};
