-- severity: ERROR
-- meaning: A number is outside the range the reference allows (latitude, longitude, non-negative or positive fields).
-- Ranges: latitudes -90..90, longitudes -180..180; sequences, distances, price, durations, lengths >= 0;
-- headway_secs, traversal_time, min_width > 0; stair_count non-zero.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'stops.txt', t.line_number, 'stop_lat', jsonb_build_object('stop_id', t.stop_id), t.stop_lat::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'stop_lat' = ANY (h.columns)) AND NOT (t.stop_lat BETWEEN -90 AND 90)
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'stops.txt', t.line_number, 'stop_lon', jsonb_build_object('stop_id', t.stop_id), t.stop_lon::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'stop_lon' = ANY (h.columns)) AND NOT (t.stop_lon BETWEEN -180 AND 180)
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_lat', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), t.shape_pt_lat::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'shapes.txt' AND 'shape_pt_lat' = ANY (h.columns)) AND NOT (t.shape_pt_lat BETWEEN -90 AND 90)
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_lon', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), t.shape_pt_lon::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'shapes.txt' AND 'shape_pt_lon' = ANY (h.columns)) AND NOT (t.shape_pt_lon BETWEEN -180 AND 180)
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'stop_times.txt', t.line_number, 'stop_sequence', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.stop_sequence::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'stop_sequence' = ANY (h.columns)) AND t.stop_sequence < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_sequence', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), t.shape_pt_sequence::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'shapes.txt' AND 'shape_pt_sequence' = ANY (h.columns)) AND t.shape_pt_sequence < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'stop_times.txt', t.line_number, 'shape_dist_traveled', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.shape_dist_traveled::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'shape_dist_traveled' = ANY (h.columns)) AND t.shape_dist_traveled < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'shapes.txt', t.line_number, 'shape_dist_traveled', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), t.shape_dist_traveled::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'shapes.txt' AND 'shape_dist_traveled' = ANY (h.columns)) AND t.shape_dist_traveled < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'frequencies.txt', t.line_number, 'headway_secs', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), t.headway_secs::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'frequencies.txt' AND 'headway_secs' = ANY (h.columns)) AND t.headway_secs <= 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'fare_attributes.txt', t.line_number, 'price', jsonb_build_object('fare_id', t.fare_id), t.price::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_attributes.txt' AND 'price' = ANY (h.columns)) AND t.price < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'fare_attributes.txt', t.line_number, 'transfer_duration', jsonb_build_object('fare_id', t.fare_id), t.transfer_duration::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_attributes.txt' AND 'transfer_duration' = ANY (h.columns)) AND t.transfer_duration < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'transfers.txt', t.line_number, 'min_transfer_time', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.min_transfer_time::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'min_transfer_time' = ANY (h.columns)) AND t.min_transfer_time < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'pathways.txt', t.line_number, 'length', jsonb_build_object('pathway_id', t.pathway_id), t.length::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'length' = ANY (h.columns)) AND t.length < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'pathways.txt', t.line_number, 'traversal_time', jsonb_build_object('pathway_id', t.pathway_id), t.traversal_time::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'traversal_time' = ANY (h.columns)) AND t.traversal_time <= 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'pathways.txt', t.line_number, 'min_width', jsonb_build_object('pathway_id', t.pathway_id), t.min_width::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'min_width' = ANY (h.columns)) AND t.min_width <= 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'routes.txt', t.line_number, 'route_sort_order', jsonb_build_object('route_id', t.route_id), t.route_sort_order::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'routes.txt' AND 'route_sort_order' = ANY (h.columns)) AND t.route_sort_order < 0
UNION ALL
SELECT t.feed_version_id, 'number_out_of_range', 'ERROR', 'pathways.txt', t.line_number, 'stair_count', jsonb_build_object('pathway_id', t.pathway_id), t.stair_count::text, NULL::jsonb, 'number_out_of_range'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'stair_count' = ANY (h.columns)) AND t.stair_count = 0;
