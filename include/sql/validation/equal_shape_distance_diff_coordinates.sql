-- severity: ERROR
-- meaning: Consecutive shape points have the same shape_dist_traveled but lie more than 1.11 m apart.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'equal_shape_distance_diff_coordinates', 'ERROR', 'shapes.txt', p.line_number, 'shape_dist_traveled', jsonb_build_object('shape_id', p.shape_id, 'shape_pt_sequence', p.shape_pt_sequence),
       p.shape_dist_traveled::text, jsonb_build_object('prevCsvRowNumber', p.prev_line, 'prevShapeDistTraveled', p.prev_dist, 'prevShapePtSequence', p.prev_seq, 'actualDistanceBetweenShapePoints', round((2 * 6371010 * asin(least(1, sqrt(power(sin(radians(p.shape_pt_lat - p.prev_lat) / 2), 2) + cos(radians(p.prev_lat)) * cos(radians(p.shape_pt_lat)) * power(sin(radians(p.shape_pt_lon - p.prev_lon) / 2), 2)))))::numeric, 2)), 'equal_shape_distance_diff_coordinates'
FROM v_shape_pair p WHERE p.shape_dist_traveled = p.prev_dist AND (p.shape_pt_lat, p.shape_pt_lon) IS DISTINCT FROM (p.prev_lat, p.prev_lon)
  AND (2 * 6371010 * asin(least(1, sqrt(power(sin(radians(p.shape_pt_lat - p.prev_lat) / 2), 2) + cos(radians(p.prev_lat)) * cos(radians(p.shape_pt_lat)) * power(sin(radians(p.shape_pt_lon - p.prev_lon) / 2), 2))))) > 1.11;
