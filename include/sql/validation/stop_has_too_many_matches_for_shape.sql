-- severity: WARNING
-- meaning: A stop has more than 20 candidate places on its trip's shape (the shape passes or turns near it that often).
-- MobilityData's ShapeToStopMatchingValidator (_shape_match.sql): the local minima of the stop's distance to the shape
-- within 100 m (400 m for the first and last stop of a rail trip); match: the closest of them, matchCount: how many.
-- Reported by each pass that computes them (the pass by shape_dist_traveled: for stops without a distance), for every
-- stop pattern of the shape.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_has_too_many_matches_for_shape', 'WARNING', 'stop_times.txt', n.st_line, 'stop_id',
       jsonb_build_object('trip_id', n.trip_id, 'stop_sequence', n.stop_sequence), n.stop_id,
       jsonb_build_object('tripCsvRowNumber', n.trip_line, 'shapeId', n.shape_id, 'tripId', n.trip_id,
                          'stopTimeCsvRowNumber', n.st_line, 'stopId', n.stop_id, 'stopName', n.stop_name,
                          'match', jsonb_build_array(n.lat, n.lon), 'matchCount', n.n),
       'stop_has_too_many_matches_for_shape'
FROM v_sm_notice n WHERE n.code = 'stop_has_too_many_matches_for_shape';
