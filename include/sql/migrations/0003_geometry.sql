-- Geometry built once per feed version (see docs/geometry.md).
--
-- Like the GTFS tables, each geometry table is partitioned by LIST on
-- feed_version_id: gtfs_part.<table>_v<id> holds one version's rows, built by
-- plugins/gtfs_pipeline/geometry.py from include/sql/geometry/*.sql as a plain
-- table (INSERT ... SELECT, key, GiST index), then swapped in and attached.
-- All geometries are EPSG:4326 (WGS 84 longitude/latitude).

-- One row per stop of stops.txt; geom is NULL when the stop has no usable coordinates.
CREATE TABLE gtfs.stop_geom (
    feed_version_id      bigint NOT NULL,
    stop_id              text NOT NULL,
    stop_name            text,
    location_type        integer,
    -- NULL, 'no_coordinates' or 'coordinates_out_of_range' (then geom is NULL).
    issue                text,
    geom                 geometry(Point, 4326),
    PRIMARY KEY (feed_version_id, stop_id)
) PARTITION BY LIST (feed_version_id);
CREATE INDEX stop_geom_geom_idx ON gtfs.stop_geom USING gist (geom);

-- One row per distinct shape_id of shapes.txt.
CREATE TABLE gtfs.shape_geom (
    feed_version_id      bigint NOT NULL,
    shape_id             text NOT NULL,
    -- Points in shape_pt_sequence order, all kept (vertex i is the i-th point);
    -- NULL when the shape has fewer than two distinct usable points.
    geom                 geometry(LineString, 4326),
    -- Geodesic length on the WGS 84 spheroid, metres.
    length_m             double precision,
    max_shape_dist_traveled double precision,
    point_count          integer NOT NULL,
    -- Points equal to the point before them (zero-length segments).
    repeated_point_count integer NOT NULL,
    -- Points left out because their coordinates are outside the valid ranges.
    invalid_point_count  integer NOT NULL,
    -- NULL, 'single_point' (one usable point, or all at one place) or 'repeated_points'.
    issue                text,
    PRIMARY KEY (feed_version_id, shape_id)
) PARTITION BY LIST (feed_version_id);
CREATE INDEX shape_geom_geom_idx ON gtfs.shape_geom USING gist (geom);

-- Lines derived from stops for trips without a usable shape: one per distinct
-- sequence of located stops (a stop pattern), shared by all its trips.
CREATE TABLE gtfs.pattern_geom (
    feed_version_id      bigint NOT NULL,
    pattern_id           integer NOT NULL,
    -- The located stops in stop_sequence order (stops without coordinates are skipped).
    stop_ids             text[] NOT NULL,
    geom                 geometry(LineString, 4326) NOT NULL,
    length_m             double precision NOT NULL,
    PRIMARY KEY (feed_version_id, pattern_id)
) PARTITION BY LIST (feed_version_id);
CREATE INDEX pattern_geom_geom_idx ON gtfs.pattern_geom USING gist (geom);

-- One row per trip: where its geometry comes from. No geometry column of its
-- own: a trip points at its shape (shape_geom) or its stop pattern
-- (pattern_geom), so 100 000 trips over 3 000 shapes store 3 000 lines.
-- Query gtfs.trip_geometry for each trip with its line.
CREATE TABLE gtfs.trip_geom (
    feed_version_id      bigint NOT NULL,
    trip_id              text NOT NULL,
    route_id             text,
    shape_id             text,
    -- 'shapes.txt', 'derived', or NULL when the trip has no usable shape and
    -- fewer than two located stops.
    source               text CONSTRAINT trip_geom_source_check CHECK (source IN ('shapes.txt', 'derived')),
    pattern_id           integer,
    -- Why the line was derived: 'no_shape_id', 'shape_id_not_in_shapes',
    -- 'shape_without_line' (its shape has fewer than two distinct points).
    derived_because      text,
    PRIMARY KEY (feed_version_id, trip_id)
) PARTITION BY LIST (feed_version_id);

-- One row per route of routes.txt: the distinct lines of its trips.
CREATE TABLE gtfs.route_geom (
    feed_version_id      bigint NOT NULL,
    route_id             text NOT NULL,
    geom                 geometry(MultiLineString, 4326),
    -- Distinct lines (shapes and stop patterns) in geom, and trips that have one.
    line_count           integer NOT NULL,
    trip_count           integer NOT NULL,
    PRIMARY KEY (feed_version_id, route_id)
) PARTITION BY LIST (feed_version_id);
CREATE INDEX route_geom_geom_idx ON gtfs.route_geom USING gist (geom);

-- Each trip with its line and where the line comes from. The branches stay
-- separate (UNION ALL) so a spatial filter uses the GiST index of each table.
CREATE VIEW gtfs.trip_geometry AS
SELECT t.feed_version_id, t.trip_id, t.route_id, t.shape_id, t.pattern_id, t.source, t.derived_because,
       s.length_m, s.geom
  FROM gtfs.trip_geom t
  JOIN gtfs.shape_geom s ON s.feed_version_id = t.feed_version_id AND s.shape_id = t.shape_id
 WHERE t.source = 'shapes.txt'
UNION ALL
SELECT t.feed_version_id, t.trip_id, t.route_id, t.shape_id, t.pattern_id, t.source, t.derived_because,
       p.length_m, p.geom
  FROM gtfs.trip_geom t
  JOIN gtfs.pattern_geom p ON p.feed_version_id = t.feed_version_id AND p.pattern_id = t.pattern_id
 WHERE t.source = 'derived'
UNION ALL
SELECT t.feed_version_id, t.trip_id, t.route_id, t.shape_id, t.pattern_id, t.source, t.derived_because,
       NULL::double precision, NULL::geometry(LineString, 4326)
  FROM gtfs.trip_geom t
 WHERE t.source IS NULL;

-- One row per version whose geometry was built: extent and what was built.
CREATE TABLE gtfs.feed_version_geometry (
    feed_version_id      bigint PRIMARY KEY REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    -- Bounding box and convex hull of the located stops (NULL without any).
    extent               geometry(Polygon, 4326),
    hull                 geometry(Geometry, 4326),
    stops                integer NOT NULL,
    stops_located        integer NOT NULL,
    stops_without_coordinates integer NOT NULL,
    stops_out_of_range   integer NOT NULL,
    shapes               integer NOT NULL,
    shape_lines          integer NOT NULL,
    shapes_single_point  integer NOT NULL,
    shapes_with_repeated_points integer NOT NULL,
    shape_points_out_of_range integer NOT NULL,
    trips                integer NOT NULL,
    trips_from_shapes    integer NOT NULL,
    trips_derived        integer NOT NULL,
    trips_without_geometry integer NOT NULL,
    stop_patterns        integer NOT NULL,
    routes               integer NOT NULL,
    routes_with_geometry integer NOT NULL,
    built_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feed_version_geometry_extent_idx ON gtfs.feed_version_geometry USING gist (extent);
CREATE INDEX feed_version_geometry_hull_idx ON gtfs.feed_version_geometry USING gist (hull);

-- GTFS-Flex zones (0001_core) are geometry too: index them like the rest.
CREATE INDEX IF NOT EXISTS locations_geometry_idx ON gtfs.locations USING gist (geometry);

-- Published versions only, as for the GTFS tables (schema.current_view_sql).
CREATE VIEW gtfs_current.stop_geom AS SELECT t.* FROM gtfs.stop_geom t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.shape_geom AS SELECT t.* FROM gtfs.shape_geom t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.pattern_geom AS SELECT t.* FROM gtfs.pattern_geom t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.trip_geom AS SELECT t.* FROM gtfs.trip_geom t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.route_geom AS SELECT t.* FROM gtfs.route_geom t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.trip_geometry AS SELECT t.* FROM gtfs.trip_geometry t WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
CREATE VIEW gtfs_current.feed_version_geometry AS SELECT t.* FROM gtfs.feed_version_geometry t
    WHERE t.feed_version_id = ANY
    (ARRAY(SELECT current_version_id FROM gtfs.feed WHERE current_version_id IS NOT NULL));
