-- Extent of one feed version and counts of what was built, in
-- gtfs.feed_version_geometry (one row per version, replaced on rebuild).
-- extent: bounding box of the located stops (always a Polygon; a feed with
-- one stop gets a zero-area box); hull: their convex hull (Point, LineString
-- or Polygon). Both NULL when no stop is located.
-- Needs all the tables built by stops.sql, shapes.sql, trips.sql, routes.sql.
-- Placeholders: {stop_geom}, {shape_geom}, {pattern_geom}, {trip_geom}, {route_geom}, %(feed_version_id)s.
INSERT INTO gtfs.feed_version_geometry AS f (
    feed_version_id, extent, hull,
    stops, stops_located, stops_without_coordinates, stops_out_of_range,
    shapes, shape_lines, shapes_single_point, shapes_with_repeated_points, shape_points_out_of_range,
    trips, trips_from_shapes, trips_derived, trips_without_geometry, stop_patterns,
    routes, routes_with_geometry, built_at)
SELECT %(feed_version_id)s,
       CASE WHEN st.located > 0 THEN ST_MakeEnvelope(st.xmin, st.ymin, st.xmax, st.ymax, 4326) END,
       st.hull,
       st.total, st.located, st.no_coordinates, st.out_of_range,
       sh.total, sh.lines, sh.single_point, sh.repeated, sh.invalid_points,
       tr.total, tr.shapes, tr.derived, tr.none, (SELECT count(*) FROM {pattern_geom}),
       ro.total, ro.lines, clock_timestamp()
  FROM (SELECT count(*) AS total, count(geom) AS located,
               count(*) FILTER (WHERE issue = 'no_coordinates') AS no_coordinates,
               count(*) FILTER (WHERE issue = 'coordinates_out_of_range') AS out_of_range,
               min(ST_X(geom)) AS xmin, min(ST_Y(geom)) AS ymin, max(ST_X(geom)) AS xmax, max(ST_Y(geom)) AS ymax,
               ST_ConvexHull(ST_Collect(geom)) AS hull
          FROM {stop_geom}) st,
       (SELECT count(*) AS total, count(geom) AS lines,
               count(*) FILTER (WHERE issue = 'single_point') AS single_point,
               count(*) FILTER (WHERE repeated_point_count > 0) AS repeated,
               COALESCE(sum(invalid_point_count), 0) AS invalid_points
          FROM {shape_geom}) sh,
       (SELECT count(*) AS total,
               count(*) FILTER (WHERE source = 'shapes.txt') AS shapes,
               count(*) FILTER (WHERE source = 'derived') AS derived,
               count(*) FILTER (WHERE source IS NULL) AS none
          FROM {trip_geom}) tr,
       (SELECT count(*) AS total, count(geom) AS lines FROM {route_geom}) ro
ON CONFLICT (feed_version_id) DO UPDATE SET
    extent = EXCLUDED.extent, hull = EXCLUDED.hull,
    stops = EXCLUDED.stops, stops_located = EXCLUDED.stops_located,
    stops_without_coordinates = EXCLUDED.stops_without_coordinates,
    stops_out_of_range = EXCLUDED.stops_out_of_range,
    shapes = EXCLUDED.shapes, shape_lines = EXCLUDED.shape_lines,
    shapes_single_point = EXCLUDED.shapes_single_point,
    shapes_with_repeated_points = EXCLUDED.shapes_with_repeated_points,
    shape_points_out_of_range = EXCLUDED.shape_points_out_of_range,
    trips = EXCLUDED.trips, trips_from_shapes = EXCLUDED.trips_from_shapes,
    trips_derived = EXCLUDED.trips_derived, trips_without_geometry = EXCLUDED.trips_without_geometry,
    stop_patterns = EXCLUDED.stop_patterns,
    routes = EXCLUDED.routes, routes_with_geometry = EXCLUDED.routes_with_geometry,
    built_at = EXCLUDED.built_at;
