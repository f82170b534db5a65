-- severity: ERROR
-- meaning: The same ID is used by more than one of stops.txt (stop_id), location_groups.txt (location_group_id) and locations.geojson (feature id).
-- As MobilityData (UniqueGeographyIdValidator): one notice per ID found in at least two of the three files, with
-- the first row of each file that has it (csvRowNumberA: stops.txt; csvRowNumberB: location_groups.txt, which
-- MobilityData's notice labels location_group_stops.txt). The notice is on the first file that has the ID, in
-- that order; featureIndex is the first feature of locations.geojson with the ID (0-based position), and a
-- notice for an ID only in locations.geojson and one other file is on that other file.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH ids AS (
    SELECT stop_id AS id, 'stops.txt' AS filename, line_number FROM gtfs.stops WHERE feed_version_id = %(feed_version_id)s
    UNION ALL
    SELECT location_group_id, 'location_groups.txt', line_number FROM gtfs.location_groups WHERE feed_version_id = %(feed_version_id)s
    UNION ALL
    SELECT location_id, 'locations.geojson', feature_index FROM gtfs.locations
    WHERE feed_version_id = %(feed_version_id)s AND location_id IS NOT NULL),
dup AS (
    SELECT id,
           min(line_number) FILTER (WHERE filename = 'stops.txt') AS stop_line,
           min(line_number) FILTER (WHERE filename = 'location_groups.txt') AS group_line,
           min(line_number) FILTER (WHERE filename = 'locations.geojson') AS feature_index
    FROM ids GROUP BY id HAVING count(DISTINCT filename) > 1)
SELECT %(feed_version_id)s, 'duplicate_geography_id', 'ERROR',
       CASE WHEN stop_line IS NOT NULL THEN 'stops.txt' ELSE 'location_groups.txt' END,
       coalesce(stop_line, group_line),
       CASE WHEN stop_line IS NOT NULL THEN 'stop_id' ELSE 'location_group_id' END,
       jsonb_build_object(CASE WHEN stop_line IS NOT NULL THEN 'stop_id' ELSE 'location_group_id' END, id), id,
       jsonb_build_object('geographyId', id, 'csvRowNumberA', stop_line, 'csvRowNumberB', group_line, 'featureIndex', feature_index),
       'duplicate_geography_id'
FROM dup;
