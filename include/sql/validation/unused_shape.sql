-- severity: WARNING
-- meaning: A shape is used by no trip.
-- One notice per shape, at its first line.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unused_shape', 'WARNING', 'shapes.txt', s.first_line, 'shape_id', jsonb_build_object('shape_id', s.shape_id), s.shape_id, NULL::jsonb, 'unused_shape'
FROM v_shape s
WHERE NOT EXISTS (SELECT 1 FROM v_trip_info t WHERE t.shape_id = s.shape_id);
