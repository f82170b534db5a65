-- severity: WARNING
-- meaning: A shape is used by no trip.
-- One notice per shape, at its first line.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unused_shape', 'WARNING', 'shapes.txt', min(s.line_number), 'shape_id', jsonb_build_object('shape_id', s.shape_id), s.shape_id, NULL::jsonb, 'unused_shape'
FROM gtfs.shapes s WHERE s.feed_version_id = %(feed_version_id)s
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND t.shape_id = s.shape_id)
GROUP BY s.shape_id;
