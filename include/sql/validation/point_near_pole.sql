-- severity: ERROR
-- meaning: A stop or shape point is within one degree of a pole.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'point_near_pole', 'ERROR', 'stops.txt', t.line_number, 'stop_lat', jsonb_build_object('stop_id', t.stop_id), t.stop_lat || ',' || t.stop_lon, NULL::jsonb, 'point_near_pole'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND abs(t.stop_lat) >= 89
UNION ALL
SELECT t.feed_version_id, 'point_near_pole', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_lat', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), t.shape_pt_lat || ',' || t.shape_pt_lon, NULL::jsonb, 'point_near_pole'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND abs(t.shape_pt_lat) >= 89;
