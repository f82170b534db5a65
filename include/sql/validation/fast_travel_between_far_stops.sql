-- severity: WARNING
-- meaning: A vehicle would travel between two stops more than 10 km apart faster than is plausible for its route type.
-- As MobilityData (StopTimeTravelSpeedValidator.validateFarStops): for each stop time with an arrival, in order, and
-- each earlier one with a departure, from the nearest back, the distance is the sum of the straight-line legs between
-- them (a stop without coordinates, of its own or its parent station's, adds no leg: the next leg starts at the last
-- located stop, or at (0, 0) before the first) and the time as in fast_travel_between_consecutive_stops (0 s or less
-- counts as 60 s, two times in whole minutes get 60 s more). The first pair over the limit and more than 10 km apart
-- is reported, once per trip; a pair over the limit whose start names a stop that stops.txt lacks, or an end that
-- names one, ends the trip's check without a notice. Limits by route type as in v_route_speed.
-- Only the trips of v_far_trip are read again (_far_stops.sql says why no other can have such a pair), and of their
-- stop times (v_far_st) only the ends whose bound allows a far pair (least_start) are compared pair by pair.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH pair AS (  -- per end looked at (before any end that names an unknown stop): the nearest start over the limit
                -- that is far or names an unknown stop (in a trip with an unknown stop, every end is looked at)
    SELECT e.trip_id, e.stop_sequence AS end_seq, s.stop_sequence AS start_seq, s.known AS reported,
           e.line_number, e.stop_id, e.stop_name, e.arrival_time, e.kph, e.route_type,
           s.line_number AS start_line, s.stop_id AS start_stop_id, s.stop_name AS start_stop_name, s.departure_time,
           s.km, s.speed
    FROM v_far_st e
    CROSS JOIN LATERAL (
        SELECT b.stop_sequence, b.known, b.line_number, b.stop_id, b.stop_name, b.departure_time, b.km, b.speed
        FROM (SELECT b.*, e.cum - b.cum AS km,
                     (e.cum - b.cum) * 3600 / CASE WHEN e.arr <= b.dep THEN 60
                                                   WHEN mod(e.arr::bigint, 60) = 0 AND mod(b.dep::bigint, 60) = 0 THEN e.arr - b.dep + 60
                                                   ELSE e.arr - b.dep END AS speed
              FROM v_far_st b
              WHERE b.trip_id = e.trip_id AND b.stop_sequence < e.stop_sequence AND b.dep IS NOT NULL OFFSET 0) b
        WHERE b.speed > e.kph AND (b.km > 10 OR NOT b.known)
        ORDER BY b.stop_sequence DESC LIMIT 1) s
    WHERE e.arr IS NOT NULL AND e.known AND (e.unknown_end_seq IS NULL OR e.stop_sequence < e.unknown_end_seq)
      AND (e.cum * 3600 / e.kph - e.arr > e.least_start OR e.has_unknown)),
first_pair AS (  -- the trip's first: a notice, unless its start names an unknown stop
    SELECT DISTINCT ON (trip_id) * FROM pair ORDER BY trip_id, end_seq)
SELECT %(feed_version_id)s, 'fast_travel_between_far_stops', 'WARNING', 'stop_times.txt', f.line_number, 'arrival_time',
       jsonb_build_object('trip_id', f.trip_id, 'stop_sequence', f.end_seq), round(f.speed::numeric, 1)::text,
       jsonb_build_object('tripCsvRowNumber', t.line_number, 'tripId', f.trip_id, 'routeId', t.route_id,
                          'speedKph', round(f.speed::numeric, 1), 'distanceKm', round(f.km::numeric, 3),
                          'csvRowNumber1', f.start_line, 'stopSequence1', f.start_seq, 'stopId1', f.start_stop_id,
                          'stopName1', f.start_stop_name, 'departureTime1', f.departure_time::text,
                          'csvRowNumber2', f.line_number, 'stopSequence2', f.end_seq, 'stopId2', f.stop_id,
                          'stopName2', f.stop_name, 'arrivalTime2', f.arrival_time::text,
                          'maxSpeedKph', f.kph, 'routeType', f.route_type),
       'fast_travel_between_far_stops'
FROM first_pair f JOIN v_trip_info t ON t.trip_id = f.trip_id
WHERE f.reported;
