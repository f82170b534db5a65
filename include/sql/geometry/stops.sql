-- Stop points of one feed version: {stop_geom} gets one row per stop of
-- stops.txt, with a Point (EPSG:4326) when the stop has valid coordinates.
-- Stops without coordinates (allowed for generic nodes and boarding areas)
-- keep geom NULL and say why in issue.
-- Placeholders: {stop_geom} (the table built here), %(feed_version_id)s.
DROP TABLE IF EXISTS {stop_geom};
-- The parent's columns (migration 0003): ATTACH PARTITION needs exactly them.
CREATE TABLE {stop_geom} (LIKE gtfs.stop_geom INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO {stop_geom} (feed_version_id, stop_id, stop_name, location_type, issue, geom)
SELECT s.feed_version_id, s.stop_id, s.stop_name, s.location_type,
       CASE WHEN s.stop_lat IS NULL OR s.stop_lon IS NULL THEN 'no_coordinates'
            WHEN NOT (s.stop_lat BETWEEN -90 AND 90 AND s.stop_lon BETWEEN -180 AND 180)
            THEN 'coordinates_out_of_range' END,
       CASE WHEN s.stop_lat BETWEEN -90 AND 90 AND s.stop_lon BETWEEN -180 AND 180
            THEN ST_SetSRID(ST_MakePoint(s.stop_lon, s.stop_lat), 4326) END
  FROM gtfs.stops s
 WHERE s.feed_version_id = %(feed_version_id)s;
ALTER TABLE {stop_geom} ADD PRIMARY KEY (feed_version_id, stop_id);
CREATE INDEX ON {stop_geom} USING gist (geom);
ANALYZE {stop_geom};
