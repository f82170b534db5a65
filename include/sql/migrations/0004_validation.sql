-- Validation (see docs/validation.md): notices come from include/sql/validation/<code>.sql,
-- one rule per notice code of the MobilityData GTFS validator, run by
-- plugins/gtfs_pipeline/validation.py. Notices live in gtfs.notice (0001).

-- Why a version was not published (the publish policy), and when it was validated.
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS validated_at timestamptz;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS blocked_reason text;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS report_path text;

-- Deleting one rule's notices of one version (a rerun) uses this index.
CREATE INDEX IF NOT EXISTS notice_version_source_idx ON gtfs.notice (feed_version_id, source);

-- Counts by code and severity per version: what the run summary and the report show.
CREATE OR REPLACE VIEW gtfs.notice_summary AS
SELECT feed_version_id, severity, code, count(*) AS notices,
       count(DISTINCT filename) AS files, min(source) AS source
FROM gtfs.notice
GROUP BY feed_version_id, severity, code;

-- Totals per version and severity.
CREATE OR REPLACE VIEW gtfs.notice_totals AS
SELECT v.feed_version_id,
       count(n.*) FILTER (WHERE n.severity = 'ERROR') AS errors,
       count(n.*) FILTER (WHERE n.severity = 'WARNING') AS warnings,
       count(n.*) FILTER (WHERE n.severity = 'INFO') AS infos
FROM gtfs.feed_version v LEFT JOIN gtfs.notice n USING (feed_version_id)
GROUP BY v.feed_version_id;

-- "The last value that is not NULL" as an aggregate: used over a window it gives,
-- for each stop time, the departure of the last stop time before it that has one.
CREATE OR REPLACE FUNCTION gtfs.last_not_null_sfunc(anyelement, anyelement) RETURNS anyelement
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS 'SELECT coalesce($2, $1)';
DROP AGGREGATE IF EXISTS gtfs.last_not_null(anyelement);
CREATE AGGREGATE gtfs.last_not_null(anyelement) (SFUNC = gtfs.last_not_null_sfunc, STYPE = anyelement);

-- WCAG relative luminance of a #RRGGBB colour (route_color_contrast).
CREATE OR REPLACE FUNCTION gtfs.color_luminance(hex text) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 0.2126 * c[1] + 0.7152 * c[2] + 0.0722 * c[3]
    FROM (SELECT array_agg(CASE WHEN v <= 0.03928 THEN v / 12.92 ELSE ((v + 0.055) / 1.055) ^ 2.4 END ORDER BY i) c
          FROM (SELECT i, ('x' || lpad(substr(hex, 2 * i - 1, 2), 8, '0'))::bit(32)::int / 255.0 AS v
                FROM generate_series(1, 3) i) p) q
$$;

-- The previous stop time of a trip, as one value: validation's ordered pass over stop_times
-- takes it with a single lag() (one window function instead of four: the pass is 2 s faster
-- on 3 M stop times).
DO $$ BEGIN
    CREATE TYPE gtfs.prev_stop_time AS (stop_sequence integer, stop_id text, departure_time interval,
                                        shape_dist_traveled double precision);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
DO $$ BEGIN
    CREATE TYPE gtfs.prev_shape_point AS (shape_pt_sequence integer, line_number bigint, shape_pt_lat double precision,
                                          shape_pt_lon double precision, shape_dist_traveled double precision);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
