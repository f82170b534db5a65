-- severity: WARNING
-- meaning: A trip's stops cannot be placed along its shape in their stop_sequence order.
-- MobilityData's ShapeToStopMatchingValidator (_shape_match.sql): no choice of one candidate per stop has positions
-- along the shape that never decrease; one notice per stop pattern and pass, for the first stop that cannot follow
-- (1: that stop and its closest candidate; 2: the stop before it and its match).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stops_match_shape_out_of_order', 'WARNING', 'stop_times.txt', n.st_line, 'stop_id',
       jsonb_build_object('trip_id', n.trip_id, 'stop_sequence', n.stop_sequence), n.stop_id,
       jsonb_build_object('tripCsvRowNumber', n.trip_line, 'shapeId', n.shape_id, 'tripId', n.trip_id,
                          'stopTimeCsvRowNumber1', n.st_line, 'stopId1', n.stop_id, 'stopName1', n.stop_name,
                          'match1', jsonb_build_array(n.lat, n.lon),
                          'stopTimeCsvRowNumber2', n.st_line2, 'stopId2', n.stop_id2, 'stopName2', n.stop_name2,
                          'match2', jsonb_build_array(n.lat2, n.lon2)),
       'stops_match_shape_out_of_order'
FROM v_sm_notice n WHERE n.code = 'stops_match_shape_out_of_order';
