-- severity: WARNING
-- meaning: Consecutive shape points have the same shape_dist_traveled and the same coordinates (a duplicated point).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'equal_shape_distance_same_coordinates', 'WARNING', 'shapes.txt', p.line_number, 'shape_dist_traveled', jsonb_build_object('shape_id', p.shape_id, 'shape_pt_sequence', p.shape_pt_sequence),
       p.shape_dist_traveled::text, jsonb_build_object('prevCsvRowNumber', p.prev_line, 'prevShapeDistTraveled', p.prev_dist, 'prevShapePtSequence', p.prev_seq), 'equal_shape_distance_same_coordinates'
FROM v_shape_pair p WHERE p.shape_dist_traveled = p.prev_dist AND p.shape_pt_lat = p.prev_lat AND p.shape_pt_lon = p.prev_lon;
