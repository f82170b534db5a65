-- severity: WARNING
-- meaning: A trip's last shape_dist_traveled exceeds its shape's, but its last stop is within 11.1 m of the shape's end.
-- As the validator: the trip's last stop time's distance against the shape's largest (shapes whose largest is 0
-- are skipped); distance measured from the trip's last stop to the shape point with the largest shape_dist_traveled.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH trip_end AS (
    -- the trip's distance is that of its last stop time, as in the validator
    SELECT t.trip_id, t.shape_id, t.line_number, v.last_dist AS dist
    FROM v_trip_info t JOIN v_trip v USING (trip_id)
    WHERE t.shape_id IS NOT NULL AND v.last_dist IS NOT NULL)
SELECT %(feed_version_id)s, 'trip_distance_exceeds_shape_distance_below_threshold', 'WARNING', 'trips.txt', te.line_number, 'shape_id', jsonb_build_object('trip_id', te.trip_id), te.shape_id,
       jsonb_build_object('maxTripDistanceTraveled', te.dist, 'maxShapeDistanceTraveled', sp.shape_dist_traveled,
                          'geoDistanceToShape', round((2 * 6371010 * asin(least(1, sqrt(power(sin(radians(s.stop_lat - sp.shape_pt_lat) / 2), 2) + cos(radians(sp.shape_pt_lat)) * cos(radians(s.stop_lat)) * power(sin(radians(s.stop_lon - sp.shape_pt_lon) / 2), 2)))))::numeric, 2)), 'trip_distance_exceeds_shape_distance_below_threshold'
FROM trip_end te JOIN v_shape_end sp USING (shape_id) JOIN v_trip vt USING (trip_id)
JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = vt.last_stop_id
WHERE te.dist > sp.shape_dist_traveled AND sp.shape_dist_traveled <> 0 AND s.stop_lat IS NOT NULL AND (2 * 6371010 * asin(least(1, sqrt(power(sin(radians(s.stop_lat - sp.shape_pt_lat) / 2), 2) + cos(radians(sp.shape_pt_lat)) * cos(radians(s.stop_lat)) * power(sin(radians(s.stop_lon - sp.shape_pt_lon) / 2), 2))))) <= 11.1;
