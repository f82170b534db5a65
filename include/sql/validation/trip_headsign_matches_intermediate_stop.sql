-- severity: INFO
-- meaning: A trip's trip_headsign is the name of one of its stops other than the last (compared case-insensitively).
-- As MobilityData (TripHeadsignValidator): trips in trips.txt order with a headsign and at least two stop times;
-- each stop time but the last whose stop's stop_name equals the headsign ignoring case (Unicode case, by the ICU
-- collation "und-x-icu") is one notice. MobilityData stops checking at the first such trip that is circular
-- (its first and last stop_id are the same, or both empty: Flex stop times; its code returns from the whole
-- check there, it does not skip to the next trip): that trip and the trips after it in trips.txt are not
-- checked, here too (both reference implementations agree on this). The trips' stops come from the ordered
-- pass (v_st); names are compared once per distinct headsign, and only the trips whose stops (but the last)
-- include a stop of that name are unpacked.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH named AS MATERIALIZED (  -- per distinct headsign: the stops of that name
    SELECT h.trip_headsign, array_agg(s.stop_id) AS ids
    FROM (SELECT DISTINCT trip_headsign FROM gtfs.trips WHERE feed_version_id = %(feed_version_id)s AND trip_headsign <> '') h
    JOIN (SELECT stop_id, lower(stop_name COLLATE "und-x-icu") AS name FROM gtfs.stops
          WHERE feed_version_id = %(feed_version_id)s AND stop_name <> '') s ON s.name = lower(h.trip_headsign COLLATE "und-x-icu")
    GROUP BY h.trip_headsign),
stop_at AS MATERIALIZED (
    SELECT min(t.line_number) AS line_number
    FROM gtfs.trips t JOIN v_st v ON v.trip_id = t.trip_id AND v.is_last
    WHERE t.feed_version_id = %(feed_version_id)s AND t.trip_headsign <> '' AND cardinality(v.stops) >= 2
      AND v.stops[1] IS NOT DISTINCT FROM v.stops[cardinality(v.stops)]),
named_trip AS MATERIALIZED (  -- each trip with its headsign's stops, joined on the headsign first: the planner
    -- otherwise tests every trip's stops against every headsign's (1 M trips x 600 headsigns took minutes at 30 M)
    SELECT t.trip_id, t.line_number, t.trip_headsign, n.ids
    FROM gtfs.trips t JOIN named n ON n.trip_headsign = t.trip_headsign
    WHERE t.feed_version_id = %(feed_version_id)s
      AND t.line_number < coalesce((SELECT line_number FROM stop_at), 'Infinity'::float8)),
tr AS MATERIALIZED (
    SELECT t.trip_id, t.line_number, t.trip_headsign, t.ids, v.stops
    FROM named_trip t
    JOIN v_st v ON v.trip_id = t.trip_id AND v.is_last
    WHERE cardinality(v.stops) >= 2 AND v.stops[1:cardinality(v.stops) - 1] && t.ids)
SELECT %(feed_version_id)s, 'trip_headsign_matches_intermediate_stop', 'INFO', 'trips.txt', tr.line_number, 'trip_headsign',
       jsonb_build_object('trip_id', tr.trip_id), tr.trip_headsign,
       jsonb_build_object('tripId', tr.trip_id, 'tripHeadsign', tr.trip_headsign, 'stopId1', u.stop_id,
                          'stopSequence', st.stop_sequence, 'stopId2', tr.stops[cardinality(tr.stops)]),
       'trip_headsign_matches_intermediate_stop'
FROM tr
CROSS JOIN LATERAL unnest(tr.stops[1:cardinality(tr.stops) - 1]) WITH ORDINALITY u(stop_id, i)
CROSS JOIN LATERAL (  -- the i-th stop time of the trip: a key range of stop_times, never a scan
    SELECT s.stop_sequence FROM gtfs.stop_times s WHERE s.feed_version_id = %(feed_version_id)s AND s.trip_id = tr.trip_id
    ORDER BY s.stop_sequence OFFSET u.i - 1 LIMIT 1) st
WHERE u.stop_id = ANY (tr.ids);
