-- severity: ERROR
-- meaning: Two stop times of a trip at different GeoJSON locations whose areas overlap have overlapping pickup/drop-off windows and the same pickup_type or drop_off_type.
-- As MobilityData (OverlappingPickupDropOffZoneValidator): every pair of stop times of a trip (the first by
-- stop_sequence is stop time 1, where the notice is) with both windows and a location_id, different location_ids,
-- the same pickup_type or the same drop_off_type (empty is 0; a pair with a value outside 0-3 is skipped), windows
-- that overlap by more than an instant (start1 < end2 and end1 > start2), and locations whose geometries overlap
-- (ST_Overlaps: the DE-9IM overlap of JTS, which MobilityData uses; equal or nested areas do not overlap; a
-- location_id that several features repeat is the first of them, as MobilityData's index keeps it). Without
-- a window or a location_id column in stop_times.txt the header constants drop the scan.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH st AS MATERIALIZED (
    SELECT s.line_number, s.trip_id, s.stop_sequence, s.location_id, s.start_pickup_drop_off_window AS w_start,
           s.end_pickup_drop_off_window AS w_end, coalesce(s.pickup_type, 0) AS pickup, coalesce(s.drop_off_type, 0) AS drop_off
    FROM gtfs.stop_times s
    WHERE ARRAY['start_pickup_drop_off_window', 'end_pickup_drop_off_window'] && %(header_stop_times)s::text[]
      AND 'location_id' = ANY(%(header_stop_times)s::text[])
      AND s.feed_version_id = %(feed_version_id)s AND s.location_id IS NOT NULL
      AND s.start_pickup_drop_off_window IS NOT NULL AND s.end_pickup_drop_off_window IS NOT NULL
      AND coalesce(s.pickup_type, 0) BETWEEN 0 AND 3 AND coalesce(s.drop_off_type, 0) BETWEEN 0 AND 3)
SELECT %(feed_version_id)s, 'overlapping_zone_and_pickup_drop_off_window', 'ERROR', 'stop_times.txt', a.line_number, 'location_id',
       jsonb_build_object('trip_id', a.trip_id, 'stop_sequence', a.stop_sequence), a.location_id,
       jsonb_build_object('tripId', a.trip_id, 'stopSequence1', a.stop_sequence, 'locationId1', a.location_id,
                          'startPickupDropOffWindow1', a.w_start::text, 'endPickupDropOffWindow1', a.w_end::text,
                          'stopSequence2', b.stop_sequence, 'locationId2', b.location_id,
                          'startPickupDropOffWindow2', b.w_start::text, 'endPickupDropOffWindow2', b.w_end::text),
       'overlapping_zone_and_pickup_drop_off_window'
FROM st a
JOIN st b ON b.trip_id = a.trip_id AND b.stop_sequence > a.stop_sequence AND b.location_id <> a.location_id
         AND (b.pickup = a.pickup OR b.drop_off = a.drop_off)
         AND a.w_start < b.w_end AND a.w_end > b.w_start
CROSS JOIN LATERAL (SELECT l.geometry FROM gtfs.locations l WHERE l.feed_version_id = %(feed_version_id)s
                    AND l.location_id = a.location_id ORDER BY l.feature_index LIMIT 1) la
CROSS JOIN LATERAL (SELECT l.geometry FROM gtfs.locations l WHERE l.feed_version_id = %(feed_version_id)s
                    AND l.location_id = b.location_id ORDER BY l.feature_index LIMIT 1) lb
WHERE ST_Overlaps(la.geometry, lb.geometry);
