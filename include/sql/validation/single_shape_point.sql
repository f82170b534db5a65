-- severity: WARNING
-- meaning: A shape has only one point.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'single_shape_point', 'WARNING', 'shapes.txt', first_line, 'shape_id', jsonb_build_object('shape_id', shape_id), shape_id, NULL::jsonb, 'single_shape_point'
FROM v_shape WHERE points = 1;
