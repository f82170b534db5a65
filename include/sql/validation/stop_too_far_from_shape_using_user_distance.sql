-- severity: WARNING
-- meaning: A stop placed on its trip's shape by its shape_dist_traveled is more than 100 m from that place.
-- MobilityData's ShapeToStopMatchingValidator, pass by shape_dist_traveled (_shape_match.sql; only when the trip's
-- last stop and the shape have distances above 0): when the stops match in order, each stop whose match is more than
-- 100 m away (match: the point at the stop's shape_dist_traveled, or for a stop without one its closest candidate);
-- else the first stop without a distance that has no candidate. Once per (shape, stop), never for a stop that
-- stop_too_far_from_shape reports on that shape.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_too_far_from_shape_using_user_distance', 'WARNING', 'stop_times.txt', n.st_line, 'stop_id',
       jsonb_build_object('trip_id', n.trip_id, 'stop_sequence', n.stop_sequence), n.stop_id,
       jsonb_build_object('tripCsvRowNumber', n.trip_line, 'shapeId', n.shape_id, 'tripId', n.trip_id,
                          'stopTimeCsvRowNumber', n.st_line, 'stopId', n.stop_id, 'stopName', n.stop_name,
                          'match', jsonb_build_array(n.lat, n.lon), 'geoDistanceToShape', n.d),
       'stop_too_far_from_shape_using_user_distance'
FROM v_sm_notice n WHERE n.code = 'stop_too_far_from_shape_using_user_distance';
