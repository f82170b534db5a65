-- severity: WARNING
-- meaning: A stop or platform (location_type 0) is used by no stop time, neither directly nor through a location group.
-- Stops referred to only by transfers or pathways are still reported, as the validator does; a stop of
-- location_group_stops.txt counts as used when stop_times.txt uses its location group (MobilityData's
-- LocationHasStopTimesValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'stop_without_stop_time', 'WARNING', 'stops.txt', s.line_number, 'stop_id', jsonb_build_object('stop_id', s.stop_id), s.stop_id,
       jsonb_build_object('stopName', s.stop_name), 'stop_without_stop_time'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0
  AND NOT EXISTS (SELECT 1 FROM v_stop_use u WHERE u.stop_id = s.stop_id)
  AND NOT (ARRAY['location_group_id'] && %(header_stop_times)s::text[]
           AND s.stop_id IN (SELECT g.stop_id FROM gtfs.location_group_stops g
                             WHERE g.feed_version_id = %(feed_version_id)s
                               AND g.location_group_id IN (SELECT st.location_group_id FROM gtfs.stop_times st
                                                           WHERE st.feed_version_id = %(feed_version_id)s
                                                             AND st.location_group_id IS NOT NULL)));
