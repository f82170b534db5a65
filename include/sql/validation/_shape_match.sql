-- Preparation (not a rule): MobilityData's ShapeToStopMatchingValidator (StopToShapeMatcher, ShapePoints), shared by
-- stop_too_far_from_shape, stop_too_far_from_shape_using_user_distance, stop_has_too_many_matches_for_shape and
-- stops_match_shape_out_of_order. The validator walks each shape's trips in file order, matches one trip per distinct
-- stop pattern (stop ids and shape_dist_traveled, empty = 0) and skips a trip whose route is missing (the pattern still
-- counts as seen). A pattern is matched twice: by geography (each stop's candidates: the local minima of its distance
-- to the shape's segments within 100 m, 400 m for the first and last stop of a rail trip; an assignment whose positions
-- along the shape never decrease must exist), and, when the trip's last stop and the shape both have a
-- shape_dist_traveled above 0, by those distances (a stop with one is placed on the shape by interpolation, never before
-- the previous such stop's segment; a stop without one uses its geographic candidates).
--
-- Geometry, chosen for speed (one ordered aggregate over shapes.txt, no per-point rows): the validator measures on the
-- sphere (S2); here distances are Web Mercator distances scaled by the cosine of the stop's latitude (the same to a few
-- centimetres at 100 m), and a position along the shape is the interpolated shape_pt_sequence (ordered like the
-- validator's distance along the shape, except across repeated points). Each stop's candidates come from the part of
-- the shape inside a box around the stop (two clips of the line, Z = y; a segment within the radius always reaches
-- into the box, and a run of segments that leaves the box is split there, as the validator splits it). Where the
-- validator's choice among several candidates depends on its scoring (the location reported as the previous stop's
-- match of stops_match_shape_out_of_order; a rail terminus with candidates both within and beyond 100 m in the
-- shape_dist_traveled pass), the smallest distance is used.

-- Stop patterns, one per (shape, stop ids, distances), with the trip the validator reports (the first in trips.txt).
-- user_mode: the distance pass runs (the last stop's distance and the shape's largest are above 0).
CREATE TABLE v_sm_pattern AS
SELECT row_number() OVER (ORDER BY p.shape_id, p.trip_line) AS pattern, p.shape_id, t.trip_id, p.trip_line, t.rail, p.stops, d.dists,
       coalesce(d.dists[cardinality(d.dists)] > 0 AND s.max_dist > 0, false) AS user_mode
FROM (-- trips with the same stops and distances (empty = 0, as the validator's key; compared through two sums) on a shape
      SELECT t.shape_id, v.stops, coalesce(v.dist_sum, 0) AS dist_sum, coalesce(v.dist_wsum, 0) AS dist_wsum, min(t.line_number) AS trip_line
      FROM v_st v JOIN v_trip_info t USING (trip_id)
      WHERE v.is_last AND t.shape_id IN (SELECT shape_id FROM v_shape)
      GROUP BY 1, 2, 3, 4) p
JOIN (SELECT trip_id, line_number, has_route, coalesce(route_type = 2, false) AS rail FROM v_trip_info) t ON t.line_number = p.trip_line
JOIN v_shape s ON s.shape_id = p.shape_id
CROSS JOIN LATERAL (SELECT array_agg(coalesce(x.shape_dist_traveled, 0) ORDER BY x.stop_sequence) AS dists FROM gtfs.stop_times x
                    WHERE x.feed_version_id = %(feed_version_id)s AND x.trip_id = t.trip_id
                      AND ARRAY['shape_dist_traveled'] && %(header_stop_times)s::text[]) d
WHERE t.has_route;
ANALYZE v_sm_pattern;

-- The patterns' stops in stop_sequence order (k from 1); r: the radius of the stop's geographic candidates.
CREATE TABLE v_sm_stop AS
SELECT p.pattern, p.shape_id, u.k::int AS k, coalesce(u.stop_id, '') AS stop_key, u.stop_id, coalesce(p.dists[u.k], 0) AS dist,
       p.user_mode, CASE WHEN p.rail AND (u.k = 1 OR u.k = cardinality(p.stops)) THEN 400 ELSE 100 END AS r
FROM v_sm_pattern p CROSS JOIN LATERAL unnest(p.stops) WITH ORDINALITY u(stop_id, k);
ANALYZE v_sm_stop;

-- Where each stop is matched from: its own coordinates, else its parent's, else its grandparent's (StopUtil, three
-- lookups), else latitude 0 longitude 0 (also for a stop_id that stops.txt lacks: v_sm_pair); in Web Mercator.
CREATE TABLE v_sm_loc AS
-- coslat: metres on the validator's sphere (S2Earth, radius 6371010 m) per Mercator unit near the stop
SELECT stop_key, lat, lon, 6378137 * radians(lon) AS px, 6378137 * ln(tan(pi() / 4 + radians(lat) / 2)) AS py,
       cos(radians(lat)) * (6371010 / 6378137.0) AS coslat
FROM (SELECT k.stop_key,
             greatest(-85.0511, least(85.0511, CASE WHEN s0.stop_lat IS NOT NULL AND s0.stop_lon IS NOT NULL THEN s0.stop_lat
                  WHEN s1.stop_lat IS NOT NULL AND s1.stop_lon IS NOT NULL THEN s1.stop_lat
                  WHEN s2.stop_lat IS NOT NULL AND s2.stop_lon IS NOT NULL THEN s2.stop_lat ELSE 0 END)) AS lat,
             CASE WHEN s0.stop_lat IS NOT NULL AND s0.stop_lon IS NOT NULL THEN s0.stop_lon
                  WHEN s1.stop_lat IS NOT NULL AND s1.stop_lon IS NOT NULL THEN s1.stop_lon
                  WHEN s2.stop_lat IS NOT NULL AND s2.stop_lon IS NOT NULL THEN s2.stop_lon ELSE 0 END AS lon
      -- (every stop, '' for stop times without a stop_id: no wait for the patterns)
      FROM (SELECT stop_id AS stop_key FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s UNION ALL SELECT '') k
      LEFT JOIN gtfs.stops s0 ON s0.feed_version_id = %(feed_version_id)s AND s0.stop_id = k.stop_key
      LEFT JOIN gtfs.stops s1 ON s1.feed_version_id = %(feed_version_id)s AND s1.stop_id = s0.parent_station
      LEFT JOIN gtfs.stops s2 ON s2.feed_version_id = %(feed_version_id)s AND s2.stop_id = s1.parent_station) l;
ANALYZE v_sm_loc;

-- What to match on each shape: (shape, stop, radius) for the geographic candidates, with the distances of the stop's
-- stop times in the distance pass (us, on the row of the stop's smallest radius); half: the half-width of the box
-- around the stop, in Mercator units.
CREATE TABLE v_sm_pair AS
SELECT shape_id, stop_key, r, us, px, py, coslat, r / coslat * 1.01 + 1 AS half
FROM (SELECT g.shape_id, g.stop_key, r.r, CASE WHEN r.o = 1 THEN g.us END AS us,
             -- a stop_id that stops.txt lacks: latitude 0 longitude 0
             coalesce(c.px, 0) AS px, coalesce(c.py, 0) AS py, coalesce(c.coslat, 6371010 / 6378137.0) AS coslat
      FROM (SELECT shape_id, stop_key, array_agg(DISTINCT r) AS rs, array_agg(DISTINCT dist) FILTER (WHERE user_mode AND dist > 0) AS us
            FROM v_sm_stop GROUP BY shape_id, stop_key) g
      CROSS JOIN LATERAL unnest(g.rs) WITH ORDINALITY r(r, o)
      LEFT JOIN v_sm_loc c USING (stop_key)) q;
CREATE INDEX ON v_sm_pair (shape_id);
ANALYZE v_sm_pair;

-- Per (shape, stop, radius): the part of the shape inside a box around the stop (c: X, Y Mercator, Z = the running
-- maximum of shape_dist_traveled, M = shape_pt_sequence; two clips of the line by Z after swapping ordinates), its
-- points and pieces, and the closest point of it (d metres away at position pos; lat/lon when more than 100 m away), or when nothing of the shape
-- is in the box the closest point of the whole shape (pos NULL). And per (shape, stop, distance) (u set, r NULL): the
-- point of the shape at that shape_dist_traveled (ShapePoints.matchFromUserDist: the last point whose running maximum is
-- at most the distance, interpolated towards the next; before the shape's first distance its first point, from its last
-- its last point), found in the stop's box, else on the whole line. The lines are built here (one ordered aggregate over
-- shapes.txt) and clipped in memory, shape by shape.
CREATE TABLE v_sm_near AS
WITH irregular AS (  -- shapes whose distances are not non-decreasing (or have gaps): the running maximum is computed
    SELECT shape_id FROM v_shape WHERE with_dist < points AND max_dist > 0
    UNION SELECT shape_id FROM v_shape_pair WHERE shape_dist_traveled < prev_dist),
line AS MATERIALIZED (  -- base: the line with Y and Z swapped, ready for the first clip
    SELECT shape_id, line, ST_SwapOrdinates(line, 'yz') AS base
    FROM (-- every shape in key order (the aggregate needs no sort; unused shapes are few and matched with nothing)
          SELECT shape_id, ST_MakeLine(ST_MakePoint(6378137 * radians(shape_pt_lon),
                     6378137 * ln(tan(pi() / 4 + radians(greatest(-85.0511, least(85.0511, shape_pt_lat))) / 2)),
                     coalesce(shape_dist_traveled, 0), shape_pt_sequence) ORDER BY shape_pt_sequence) AS line
          FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s AND shape_pt_lat IS NOT NULL AND shape_pt_lon IS NOT NULL
            AND shape_id NOT IN (SELECT shape_id FROM irregular)
          GROUP BY shape_id
          UNION ALL
          SELECT shape_id, ST_MakeLine(ST_MakePoint(6378137 * radians(shape_pt_lon),
                     6378137 * ln(tan(pi() / 4 + radians(greatest(-85.0511, least(85.0511, shape_pt_lat))) / 2)), u, shape_pt_sequence)
                     ORDER BY shape_pt_sequence)
          FROM (SELECT shape_id, shape_pt_sequence, shape_pt_lat, shape_pt_lon,
                       max(coalesce(shape_dist_traveled, 0)) OVER (PARTITION BY shape_id ORDER BY shape_pt_sequence) AS u
                FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s AND shape_id IN (SELECT shape_id FROM irregular)) r
          WHERE shape_pt_lat IS NOT NULL AND shape_pt_lon IS NOT NULL
          GROUP BY shape_id) a),
box AS MATERIALIZED (
    SELECT q.shape_id, q.stop_key, q.r, ST_MakePoint(q.px, q.py) AS pt, q.px, q.py, q.coslat, b.c, ST_NPoints(b.c) AS npts,
           ST_NumGeometries(b.c) AS npieces, q.us,
           CASE WHEN q.us IS NOT NULL THEN ARRAY(
               SELECT CASE WHEN x.u < ST_Z(ST_StartPoint(l.line)) THEN ST_StartPoint(l.line)
                           WHEN x.u >= ST_Z(ST_EndPoint(l.line)) THEN ST_EndPoint(l.line)
                           ELSE coalesce((SELECT ST_GeometryN(ST_Points(g), ST_NPoints(g)) FROM (SELECT ST_LocateBetweenElevations(b.c, x.u, x.u) AS g) y),
                                         (SELECT ST_GeometryN(ST_Points(g), ST_NPoints(g)) FROM (SELECT ST_LocateBetweenElevations(l.line, x.u, x.u) AS g) y)) END
               FROM unnest(q.us) WITH ORDINALITY x(u, o) ORDER BY x.o) END AS uat,
           CASE WHEN ST_IsEmpty(b.c) THEN ST_Distance(l.line, ST_MakePoint(q.px, q.py)) * q.coslat END AS far_d,
           CASE WHEN ST_IsEmpty(b.c) THEN ST_ClosestPoint(l.line, ST_MakePoint(q.px, q.py)) END AS far_at
    FROM line l
    CROSS JOIN LATERAL (SELECT * FROM v_sm_pair p WHERE p.shape_id = l.shape_id OFFSET 0) q
    CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_SwapOrdinates(ST_SwapOrdinates(ST_LocateBetweenElevations(ST_SwapOrdinates(
               ST_LocateBetweenElevations(l.base, q.py - q.half, q.py + q.half), 'xz'), q.px - q.half, q.px + q.half), 'xz'), 'yz'), 2) AS c
                        OFFSET 0) b),  -- (OFFSET 0: clipped once, not once per use of c)
near AS (  -- the closest point of the box's part of the shape (of its closest piece)
    SELECT b.shape_id, b.stop_key, b.r, b.c, b.npts, b.npieces,
           coalesce(n.d, b.far_d) AS d, n.pos, coalesce(n.at, b.far_at) AS at
    FROM box b
    LEFT JOIN LATERAL (  -- (the point itself only where a notice may name it: more than 100 m away)
        SELECT d, ST_InterpolatePoint(geom, b.pt) AS pos, CASE WHEN d > 100 THEN ST_ClosestPoint(geom, b.pt) END AS at
        FROM (SELECT g.geom, ST_Distance(g.geom, b.pt) * b.coslat AS d
              FROM (SELECT ST_GeometryN(b.c, 1) AS geom WHERE b.npieces = 1
                    UNION ALL SELECT geom FROM ST_Dump(b.c) WHERE b.npieces > 1) g
              ORDER BY 2 LIMIT 1) g) n ON true)
SELECT shape_id, stop_key, r, NULL::float8 AS u, c, npts, npieces, d, pos,
       degrees(2 * atan(exp(ST_Y(at) / 6378137)) - pi() / 2) AS lat, degrees(ST_X(at) / 6378137) AS lon
FROM near
UNION ALL
SELECT shape_id, stop_key, NULL, x.u, NULL, NULL, NULL,
       sqrt((ST_X(x.at) - px) * (ST_X(x.at) - px) + (ST_Y(x.at) - py) * (ST_Y(x.at) - py)) * coslat, ST_M(x.at),
       degrees(2 * atan(exp(ST_Y(x.at) / 6378137)) - pi() / 2), degrees(ST_X(x.at) / 6378137)
FROM box CROSS JOIN LATERAL unnest(us, uat) x(u, at)
WHERE us IS NOT NULL;
CREATE INDEX ON v_sm_near (shape_id, stop_key);
ANALYZE v_sm_near;

-- Per pattern stop: the closest point of the shape in its box (d, pos, lat, lon; pos NULL: nothing within its box,
-- no candidate) and its match by distance in the distance pass (ud, upos, ulat, ulon); dense: more than 20 segments
-- of the shape in its box (more than 20 candidates possible).
CREATE TABLE v_sm_ps AS
SELECT s.pattern, s.k, s.shape_id, s.stop_key, s.stop_id, s.dist, s.r, s.user_mode, n.d, CASE WHEN n.d <= s.r THEN n.pos END AS pos,
       n.lat, n.lon, n.npts - n.npieces > 20 AS dense, u.d AS ud, u.pos AS upos, u.lat AS ulat, u.lon AS ulon
FROM v_sm_stop s JOIN v_sm_near n ON n.shape_id = s.shape_id AND n.stop_key = s.stop_key AND n.r = s.r
LEFT JOIN v_sm_near u ON s.user_mode AND s.dist > 0 AND u.shape_id = s.shape_id AND u.stop_key = s.stop_key AND u.u = s.dist;
ANALYZE v_sm_ps;

-- What needs every candidate, not only the closest: the patterns whose closest matches are out of order in a pass
-- (another candidate may put them in order; when the closest ones are in order, they are a valid choice, as
-- MobilityData's best assignment), and the pairs where more than 20 candidates can exist. Rows with pattern set:
-- such a pattern; with pattern NULL: a pair.
CREATE TABLE v_sm_exact AS
WITH seqs AS (
    SELECT pattern, pos < lag(pos) OVER w AS g_back,
           (CASE WHEN dist > 0 THEN upos ELSE pos END) < lag(CASE WHEN dist > 0 THEN upos ELSE pos END) OVER w AS u_back,
           pos IS NOT NULL AS found, user_mode, dist
    FROM v_sm_ps WINDOW w AS (PARTITION BY pattern ORDER BY k)),
suspect AS (
    SELECT pattern FROM seqs GROUP BY pattern
    HAVING (bool_and(found) AND bool_or(g_back)) OR (bool_and(user_mode) AND bool_and(found OR dist > 0) AND bool_or(u_back)))
SELECT pattern, NULL AS shape_id, NULL AS stop_key, NULL::int AS r FROM suspect
UNION ALL
SELECT DISTINCT NULL::bigint, s.shape_id, s.stop_key, s.r FROM v_sm_ps s
WHERE s.dense OR s.pattern IN (SELECT pattern FROM suspect);
ANALYZE v_sm_exact;

-- The candidates of the pairs of v_sm_exact, by ShapePoints.matchesFromLocation over the segments in the box: a
-- candidate starts where a segment within r follows one that is not, or where the shape turned away from the stop at
-- the vertex between two segments within r; its match: the closest point of its closest segment (the first of
-- equals). n: the number of candidates.
CREATE TABLE v_sm_match AS
WITH seg AS (
    SELECT n.shape_id, n.stop_key, n.r, s.path[1] AS piece, s.path[2] AS i, s.geom, ST_MakePoint(c.px, c.py) AS pt,
           ST_Distance(s.geom, ST_MakePoint(c.px, c.py)) * c.coslat AS d,
           ST_Distance(ST_StartPoint(s.geom), ST_MakePoint(c.px, c.py)) * c.coslat AS s
    FROM v_sm_exact e JOIN v_sm_near n USING (shape_id, stop_key, r) JOIN v_sm_pair c USING (shape_id, stop_key, r)
    CROSS JOIN LATERAL ST_DumpSegments(n.c) s
    WHERE e.pattern IS NULL),
grp AS (
    SELECT *, count(*) FILTER (WHERE starts) OVER (PARTITION BY shape_id, stop_key, r ORDER BY piece, i) AS grp
    FROM (SELECT *, d <= r AND (lag(d) OVER w IS NULL OR lag(d) OVER w > r OR (s > lag(d) OVER w AND d < s)) AS starts
          FROM seg WINDOW w AS (PARTITION BY shape_id, stop_key, r, piece ORDER BY i)) x),
cand AS (
    SELECT DISTINCT ON (shape_id, stop_key, r, grp) shape_id, stop_key, r, grp AS cand, d, ST_InterpolatePoint(geom, pt) AS pos,
           ST_ClosestPoint(geom, pt) AS at
    FROM grp WHERE d <= r ORDER BY shape_id, stop_key, r, grp, d, piece, i)
SELECT shape_id, stop_key, r, cand, count(*) OVER (PARTITION BY shape_id, stop_key, r) AS n, d, pos,
       degrees(2 * atan(exp(ST_Y(at) / 6378137)) - pi() / 2) AS lat, degrees(ST_X(at) / 6378137) AS lon
FROM cand;
CREATE INDEX ON v_sm_match (shape_id, stop_key);
ANALYZE v_sm_match;

-- The patterns of v_sm_exact, per pass (mode 'g' geographic, 'u' by distance) and stop: its candidates in the pass, for
-- the passes that reach the ordering (every stop has a candidate; in the distance pass, every stop without a distance).
CREATE TABLE v_sm_seq AS
WITH m AS (
    SELECT s.pattern, s.k, s.dist, s.user_mode, m.cand, m.pos, m.d, m.lat, m.lon
    FROM v_sm_ps s JOIN v_sm_match m ON m.shape_id = s.shape_id AND m.stop_key = s.stop_key AND m.r = s.r
    WHERE s.pattern IN (SELECT pattern FROM v_sm_exact)),
flags AS (SELECT pattern, bool_or(pos IS NULL) AS g_stuck, bool_or(dist <= 0 AND pos IS NULL) AS u_stuck
          FROM v_sm_ps WHERE pattern IN (SELECT pattern FROM v_sm_exact) GROUP BY pattern)
SELECT m.pattern, 'g'::text AS mode, m.k, m.cand, m.pos, m.d, m.lat, m.lon
FROM m JOIN flags f USING (pattern) WHERE NOT f.g_stuck
UNION ALL
SELECT m.pattern, 'u', m.k, m.cand, m.pos, m.d, m.lat, m.lon
FROM m JOIN flags f USING (pattern) WHERE m.user_mode AND m.dist <= 0 AND NOT f.u_stuck
UNION ALL
SELECT s.pattern, 'u', s.k, NULL, s.upos, s.ud, s.ulat, s.ulon
FROM v_sm_ps s JOIN flags f USING (pattern)
WHERE s.user_mode AND s.dist > 0 AND NOT f.u_stuck;
CREATE INDEX ON v_sm_seq (pattern, mode, k, pos);
ANALYZE v_sm_seq;

-- The first stop (k) whose candidates all lie before the previous stop's match (StopToShapeMatcher.findBestMatches,
-- whose feasibility is that of the greedy walk: each stop takes its first candidate at or after the previous one's),
-- with the previous stop's position (prev_pos), for the patterns of v_sm_exact (the others are in order).
CREATE TABLE v_sm_order AS
WITH RECURSIVE
kinds AS (SELECT pattern, mode, max(k) AS kmax FROM v_sm_seq GROUP BY pattern, mode),
walk AS (
    SELECT k.pattern, k.mode, 1 AS k, k.kmax, NULL::float8 AS prev_pos,
           (SELECT min(q.pos) FROM v_sm_seq q WHERE q.pattern = k.pattern AND q.mode = k.mode AND q.k = 1) AS pos
    FROM kinds k
    UNION ALL
    SELECT w.pattern, w.mode, w.k + 1, w.kmax, w.pos,
           (SELECT min(q.pos) FROM v_sm_seq q WHERE q.pattern = w.pattern AND q.mode = w.mode AND q.k = w.k + 1 AND q.pos >= w.pos)
    FROM walk w WHERE w.pos IS NOT NULL AND w.k < w.kmax)
SELECT pattern, mode, k, prev_pos FROM walk WHERE pos IS NULL;
ANALYZE v_sm_order;

-- The problems the validator reports, in its order (pattern by pattern in trips.txt order, the geographic pass first,
-- stop by stop), with stop_too_far_from_shape and ..._using_user_distance reported once per (shape, stop): the first.
-- code, pattern, k: the stop; k2, lat2, lon2: the previous stop of stops_match_shape_out_of_order; n: matchCount.
CREATE TABLE v_sm_problem AS
WITH st AS (  -- per pattern stop: its number of candidates (n) and closest candidate (gd...), its distance match (ud...)
    SELECT s.pattern, s.k, s.dist, s.r, s.user_mode, coalesce(x.n, CASE WHEN s.pos IS NOT NULL THEN 1 ELSE 0 END) AS n,
           s.d AS gd, s.lat AS glat, s.lon AS glon, s.ud, s.ulat, s.ulon
    FROM v_sm_ps s
    LEFT JOIN (SELECT DISTINCT shape_id, stop_key, r, n FROM v_sm_match) x ON x.shape_id = s.shape_id AND x.stop_key = s.stop_key AND x.r = s.r),
abort AS (  -- the distance pass stops at the first stop without a distance that has no candidate
    SELECT pattern, min(k) AS k FROM st WHERE user_mode AND dist <= 0 AND n = 0 GROUP BY pattern),
found AS (
    -- geographic pass: no candidate (too far), more than 20 (too many)
    SELECT 'stop_too_far_from_shape' AS code, 0 AS pass, pattern, k, gd AS d, glat AS lat, glon AS lon, NULL::int AS k2,
           NULL::float8 AS lat2, NULL::float8 AS lon2, NULL::bigint AS n
    FROM st WHERE n = 0 AND gd > r
    UNION ALL
    SELECT 'stop_has_too_many_matches_for_shape', 0, pattern, k, gd, glat, glon, NULL, NULL, NULL, n FROM st WHERE n > 20
    UNION ALL
    -- distance pass, stops without a distance: candidates as above, up to the first stop without one
    SELECT 'stop_too_far_from_shape_using_user_distance', 1, s.pattern, s.k, s.gd, s.glat, s.glon, NULL, NULL, NULL, NULL
    FROM st s JOIN abort a ON a.pattern = s.pattern AND a.k = s.k WHERE s.gd > s.r
    UNION ALL
    SELECT 'stop_has_too_many_matches_for_shape', 1, s.pattern, s.k, s.gd, s.glat, s.glon, NULL, NULL, NULL, s.n
    FROM st s LEFT JOIN abort a ON a.pattern = s.pattern
    WHERE s.user_mode AND s.dist <= 0 AND s.n > 20 AND (a.k IS NULL OR s.k < a.k)
    UNION ALL
    -- either pass: the first stop that cannot be matched in order (and its previous stop)
    SELECT 'stops_match_shape_out_of_order', CASE o.mode WHEN 'g' THEN 0 ELSE 1 END, o.pattern, o.k, m1.d, m1.lat, m1.lon,
           o.k - 1, m2.lat, m2.lon, NULL
    FROM v_sm_order o
    JOIN LATERAL (SELECT q.d, q.lat, q.lon FROM v_sm_seq q WHERE q.pattern = o.pattern AND q.mode = o.mode AND q.k = o.k
                  ORDER BY q.d, q.cand LIMIT 1) m1 ON true
    JOIN LATERAL (SELECT q.lat, q.lon FROM v_sm_seq q WHERE q.pattern = o.pattern AND q.mode = o.mode AND q.k = o.k - 1
                  ORDER BY q.pos = o.prev_pos DESC, q.d, q.cand LIMIT 1) m2 ON true
    UNION ALL
    -- distance pass matched in order: every stop whose match is more than 100 m away
    SELECT 'stop_too_far_from_shape_using_user_distance', 1, s.pattern, s.k, coalesce(s.ud, s.gd), coalesce(s.ulat, s.glat),
           coalesce(s.ulon, s.glon), NULL, NULL, NULL, NULL
    FROM st s
    WHERE s.user_mode AND coalesce(s.ud, s.gd) > 100
      AND NOT EXISTS (SELECT 1 FROM abort a WHERE a.pattern = s.pattern)
      AND NOT EXISTS (SELECT 1 FROM v_sm_order o WHERE o.pattern = s.pattern AND o.mode = 'u')),
named AS (  -- problems of stop times without a stop_id are dropped (and do not count as reported)
    SELECT f.*, s.stop_id, p.shape_id, p.trip_id, p.trip_line
    FROM found f JOIN v_sm_pattern p USING (pattern) JOIN v_sm_stop s ON s.pattern = f.pattern AND s.k = f.k
    WHERE s.stop_id <> '')
SELECT * FROM named WHERE code NOT IN ('stop_too_far_from_shape', 'stop_too_far_from_shape_using_user_distance')
UNION ALL
SELECT * FROM (SELECT DISTINCT ON (shape_id, stop_id) * FROM named
               WHERE code IN ('stop_too_far_from_shape', 'stop_too_far_from_shape_using_user_distance')
               ORDER BY shape_id, stop_id, trip_line, pass, k) t;
ANALYZE v_sm_problem;

-- The problems with what their notices name: the stop time's line and stop_sequence (the k-th of the reported trip),
-- the stops' own names ('' when the stop has none or is missing).
CREATE TABLE v_sm_notice AS
SELECT p.code, p.shape_id, p.trip_id, p.trip_line, p.stop_id, coalesce(s1.stop_name, '') AS stop_name, t1.line_number AS st_line,
       t1.stop_sequence,
       -- the distance reported: on the sphere from the stop to its match (the Mercator one drifts far from the stop)
       2 * 6371010 * asin(least(1, sqrt(sin(radians(p.lat - coalesce(l.lat, 0)) / 2) ^ 2
           + cos(radians(coalesce(l.lat, 0))) * cos(radians(p.lat)) * sin(radians(p.lon - coalesce(l.lon, 0)) / 2) ^ 2))) AS d,
       p.lat, p.lon, p.n, v2.stop_id AS stop_id2, coalesce(s2.stop_name, '') AS stop_name2,
       t2.line_number AS st_line2, p.lat2, p.lon2
FROM v_sm_problem p
CROSS JOIN LATERAL (SELECT line_number, stop_sequence FROM gtfs.stop_times WHERE feed_version_id = %(feed_version_id)s
                    AND trip_id = p.trip_id ORDER BY stop_sequence OFFSET p.k - 1 LIMIT 1) t1
LEFT JOIN gtfs.stops s1 ON s1.feed_version_id = %(feed_version_id)s AND s1.stop_id = p.stop_id
LEFT JOIN v_sm_loc l ON l.stop_key = p.stop_id
LEFT JOIN v_sm_stop v2 ON v2.pattern = p.pattern AND v2.k = p.k2
LEFT JOIN LATERAL (SELECT line_number FROM gtfs.stop_times WHERE feed_version_id = %(feed_version_id)s
                   AND trip_id = p.trip_id ORDER BY stop_sequence OFFSET p.k2 - 1 LIMIT 1) t2 ON p.k2 IS NOT NULL
LEFT JOIN gtfs.stops s2 ON s2.feed_version_id = %(feed_version_id)s AND s2.stop_id = v2.stop_id;
