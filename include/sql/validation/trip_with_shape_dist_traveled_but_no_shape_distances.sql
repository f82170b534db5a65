-- severity: INFO
-- meaning: A trip's stop times give shape_dist_traveled but some points of its shape do not.
-- As MobilityData (TripWithShapeDistTraveledButNoShapeDistancesValidator): only when stop_times.txt has a
-- shape_dist_traveled column; each trip that has stop times, one of them with shape_dist_traveled, and a shape_id
-- whose shape has points of which at least one lacks shape_dist_traveled (v_shape: points and points with a
-- distance). The context gives the trip's row and its first stop time (in stop_sequence order) with a distance.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'trip_with_shape_dist_traveled_but_no_shape_distances', 'INFO', 'trips.txt', t.line_number, 'shape_id',
       jsonb_build_object('trip_id', t.trip_id), t.shape_id,
       jsonb_build_object('tripCsvRowNumber', t.line_number, 'tripId', t.trip_id, 'shapeId', t.shape_id,
                          'stopTimeCsvRowNumber', st.line_number), 'trip_with_shape_dist_traveled_but_no_shape_distances'
FROM v_shape s
JOIN gtfs.trips t ON t.feed_version_id = %(feed_version_id)s AND t.shape_id = s.shape_id
CROSS JOIN LATERAL (  -- the trip's first stop time with a distance: a key range of stop_times
    SELECT x.line_number FROM gtfs.stop_times x WHERE x.feed_version_id = %(feed_version_id)s AND x.trip_id = t.trip_id
      AND x.shape_dist_traveled IS NOT NULL ORDER BY x.stop_sequence LIMIT 1) st
WHERE ARRAY['shape_dist_traveled'] && %(header_stop_times)s::text[]
  AND s.with_dist < s.points;
