-- severity: WARNING
-- meaning: A stop of a trip is more than 100 m from the trip's shape (400 m for the first and last stop of a rail trip).
-- MobilityData's ShapeToStopMatchingValidator, geographic pass (_shape_match.sql): the stop has no candidate on the
-- shape; geoDistanceToShape is the distance to the closest point of the shape, match that point. Reported once per
-- (shape, stop), for the first trip in trips.txt that reaches it, and not again by ..._using_user_distance.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_too_far_from_shape', 'WARNING', 'stop_times.txt', n.st_line, 'stop_id',
       jsonb_build_object('trip_id', n.trip_id, 'stop_sequence', n.stop_sequence), n.stop_id,
       jsonb_build_object('tripCsvRowNumber', n.trip_line, 'shapeId', n.shape_id, 'tripId', n.trip_id,
                          'stopTimeCsvRowNumber', n.st_line, 'stopId', n.stop_id, 'stopName', n.stop_name,
                          'match', jsonb_build_array(n.lat, n.lon), 'geoDistanceToShape', n.d),
       'stop_too_far_from_shape'
FROM v_sm_notice n WHERE n.code = 'stop_too_far_from_shape';
