-- severity: ERROR
-- meaning: shape_dist_traveled decreases between consecutive points of a shape.
-- Called decreasing_or_equal_shape_distance in validator versions before 4.1 (equal values now have their own codes).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'decreasing_shape_distance', 'ERROR', 'shapes.txt', p.line_number, 'shape_dist_traveled', jsonb_build_object('shape_id', p.shape_id, 'shape_pt_sequence', p.shape_pt_sequence),
       p.shape_dist_traveled::text, jsonb_build_object('prevCsvRowNumber', p.prev_line, 'prevShapeDistTraveled', p.prev_dist, 'prevShapePtSequence', p.prev_seq), 'decreasing_shape_distance'
FROM v_shape_pair p WHERE p.shape_dist_traveled < p.prev_dist;
