-- locations.geojson (GTFS-Flex zones) keeps every feature, in file order, whatever it holds: MobilityData's
-- validator reports a repeated feature id (duplicate_geo_json_key), a missing id (missing_required_element)
-- and an invalid geometry (invalid_geometry) on features, and users still need the rest of the file. So a
-- feature is no longer keyed by its id: it is keyed by its position (feature_index, 0-based as MobilityData's
-- featureIndex), its id may be absent or repeated, and its geometry is NULL when it cannot be read.
ALTER TABLE gtfs.locations DROP CONSTRAINT IF EXISTS locations_pkey;
ALTER TABLE gtfs.locations ALTER COLUMN location_id DROP NOT NULL;
ALTER TABLE gtfs.locations ADD COLUMN IF NOT EXISTS feature_index integer;
CREATE UNIQUE INDEX IF NOT EXISTS locations_feature_index_idx ON gtfs.locations (feed_version_id, feature_index);
CREATE INDEX IF NOT EXISTS locations_location_id_idx ON gtfs.locations (feed_version_id, location_id);

-- The document around the features: its other members (type, anything unknown) and the first key that an
-- object of the document repeats (JSON allows it; jsonb keeps the last value, so it is found at load, on the
-- text). The validation rules of the document's structure read it.
CREATE TABLE IF NOT EXISTS gtfs.locations_document (
    feed_version_id      bigint PRIMARY KEY REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    members              jsonb NOT NULL,
    duplicated_key       text
);

-- A GeoJSON geometry as PostGIS reads it, or NULL when it cannot be read (one bad feature must not
-- lose the others).
CREATE OR REPLACE FUNCTION gtfs.geojson_geometry(g jsonb) RETURNS geometry
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN ST_SetSRID(ST_GeomFromGeoJSON(g), 4326);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END $$;

-- Why a GeoJSON geometry is not a valid one: the reader's error, or GEOS's reason (the same library
-- family as MobilityData's JTS, with the same messages, e.g. "Self-intersection[1 1]"); NULL when valid.
CREATE OR REPLACE FUNCTION gtfs.geojson_invalid_reason(g jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    geom geometry;
BEGIN
    geom := ST_GeomFromGeoJSON(g);
    IF ST_IsValid(geom) THEN
        RETURN NULL;
    END IF;
    RETURN ST_IsValidReason(geom);
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END $$;
