-- severity: WARNING
-- meaning: A shape has only one point.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'single_shape_point', 'WARNING', 'shapes.txt', min(line_number), 'shape_id', jsonb_build_object('shape_id', shape_id), shape_id, NULL::jsonb, 'single_shape_point'
FROM gtfs.shapes WHERE feed_version_id = %(feed_version_id)s GROUP BY shape_id HAVING count(*) = 1;
