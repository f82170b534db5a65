-- severity: INFO
-- meaning: The stops of a transfer are more than 2 km and at most 10 km apart.
-- As MobilityData (TransferDistanceValidator): each stop's coordinates, else those of its parent station (up to three
-- levels), else (0, 0) as MobilityData's StopUtil falls back to; great-circle distance on a sphere of radius
-- 6,371,010 m (S2Earth). Transfers that lack from_stop_id or to_stop_id are not checked.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH ends AS (
    SELECT t.line_number, t.from_stop_id, t.to_stop_id, t.from_trip_id, t.to_trip_id, a.lat AS a_lat, a.lon AS a_lon,
           b.lat AS b_lat, b.lon AS b_lon
    FROM gtfs.transfers t
    CROSS JOIN LATERAL (
        SELECT coalesce(s.stop_lat, p.stop_lat, g.stop_lat, 0) AS lat,
               CASE WHEN s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL THEN s.stop_lon
                    WHEN p.stop_lat IS NOT NULL AND p.stop_lon IS NOT NULL THEN p.stop_lon
                    WHEN g.stop_lat IS NOT NULL AND g.stop_lon IS NOT NULL THEN g.stop_lon ELSE 0 END AS lon
        FROM (SELECT 1) one
        LEFT JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = t.from_stop_id
        LEFT JOIN gtfs.stops p ON p.feed_version_id = %(feed_version_id)s AND p.stop_id = s.parent_station
        LEFT JOIN gtfs.stops g ON g.feed_version_id = %(feed_version_id)s AND g.stop_id = p.parent_station) a
    CROSS JOIN LATERAL (
        SELECT coalesce(s.stop_lat, p.stop_lat, g.stop_lat, 0) AS lat,
               CASE WHEN s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL THEN s.stop_lon
                    WHEN p.stop_lat IS NOT NULL AND p.stop_lon IS NOT NULL THEN p.stop_lon
                    WHEN g.stop_lat IS NOT NULL AND g.stop_lon IS NOT NULL THEN g.stop_lon ELSE 0 END AS lon
        FROM (SELECT 1) one
        LEFT JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = t.to_stop_id
        LEFT JOIN gtfs.stops p ON p.feed_version_id = %(feed_version_id)s AND p.stop_id = s.parent_station
        LEFT JOIN gtfs.stops g ON g.feed_version_id = %(feed_version_id)s AND g.stop_id = p.parent_station) b
    WHERE t.feed_version_id = %(feed_version_id)s AND t.from_stop_id IS NOT NULL AND t.to_stop_id IS NOT NULL)
SELECT %(feed_version_id)s, 'transfer_distance_above_2_km', 'INFO', 'transfers.txt', d.line_number, 'to_stop_id',
       jsonb_build_object('from_stop_id', d.from_stop_id, 'to_stop_id', d.to_stop_id, 'from_trip_id', d.from_trip_id, 'to_trip_id', d.to_trip_id),
       d.to_stop_id, jsonb_build_object('fromStopId', d.from_stop_id, 'distanceKm', round((d.metres / 1000)::numeric, 3)),
       'transfer_distance_above_2_km'
FROM (SELECT e.*, 2 * 6371010 * asin(least(1, sqrt(power(sin(radians(e.b_lat - e.a_lat) / 2), 2)
                  + cos(radians(e.a_lat)) * cos(radians(e.b_lat)) * power(sin(radians(e.b_lon - e.a_lon) / 2), 2)))) AS metres
      FROM ends e) d
WHERE d.metres > 2000 AND d.metres <= 10000;
