-- severity: ERROR
-- meaning: locations.geojson lacks a member GTFS requires: the document's type, or a feature's id (or an empty one), type, properties, geometry, geometry type or geometry coordinates.
-- As MobilityData's GeoJsonFileLoader: missingElement is "type" for the document and "features.<member>" for a
-- feature ("features.geometry.coordinates" only when the geometry has a type); featureIndex is 0-based.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_required_element', 'ERROR', 'locations.geojson', NULL, m.element, m.entity_key, NULL,
       jsonb_build_object('featureIndex', m.feature_index, 'featureId', m.feature_id, 'missingElement', m.element),
       'missing_required_element'
FROM (
    SELECT 'type' AS element, NULL::jsonb AS entity_key, NULL::int AS feature_index, NULL::text AS feature_id
    FROM gtfs.locations_document d WHERE d.feed_version_id = %(feed_version_id)s AND NOT d.members ? 'type'
    UNION ALL
    SELECT 'features.' || e.member, jsonb_build_object('featureIndex', l.feature_index, 'id', l.location_id),
           l.feature_index, l.location_id
    FROM gtfs.locations l
    CROSS JOIN LATERAL (VALUES
        ('id', l.location_id IS NULL),
        ('type', NOT coalesce(l.feature ? 'type', false)),
        ('properties', NOT coalesce(l.feature ? 'properties', false)),
        ('geometry', NOT coalesce(l.feature ? 'geometry', false)),
        ('geometry.type', l.feature ? 'geometry' AND NOT coalesce(l.feature -> 'geometry' ? 'type', false)),
        ('geometry.coordinates', coalesce(l.feature -> 'geometry' ? 'type', false)
                                 AND NOT coalesce(l.feature -> 'geometry' ? 'coordinates', false))) e(member, missing)
    WHERE l.feed_version_id = %(feed_version_id)s AND e.missing) m;
