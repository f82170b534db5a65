-- severity: ERROR
-- meaning: Two trips of the same block overlap in time on a day both run.
-- As the validator: trips of a block ordered by first arrival, then last departure (then file order); a trip
-- overlaps each later one that arrives first before it departs last, unless the later one repeats its last
-- stop time exactly (a block transfer); reported when both services share a date.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
-- The block's trips, their order (k) and how far each one reaches: v_block_trip in _prepare.sql.
WITH pairs AS MATERIALIZED (
    SELECT a.trip_id AS trip_a, a.block_id, a.service_id AS sa, a.line_number AS line_a,
           b.trip_id AS trip_b, b.service_id AS sb, b.line_number AS line_b
    FROM v_block_trip a
    CROSS JOIN LATERAL generate_series(a.g + 1, a.g + a.reach - a.k) x(g)
    JOIN v_block_trip b ON b.g = x.g
    WHERE a.reach > a.k AND NOT (a.last_arr = b.first_arr AND a.last_dep = b.first_dep)),
services AS MATERIALIZED (  -- one date lookup per pair of services, not per pair of trips
    SELECT sp.sa, sp.sb, (SELECT min(da.date) FROM v_service_date da JOIN v_service_date db ON db.date = da.date
                          WHERE da.service_id = sp.sa AND db.service_id = sp.sb) AS date
    FROM (SELECT DISTINCT sa, sb FROM pairs) sp)
SELECT %(feed_version_id)s, 'block_trips_with_overlapping_stop_times', 'ERROR', 'trips.txt', p.line_a, 'block_id',
       jsonb_build_object('trip_id', p.trip_a), p.block_id,
       jsonb_build_object('tripIdA', p.trip_a, 'serviceIdA', p.sa, 'csvRowNumberB', p.line_b, 'tripIdB', p.trip_b,
                          'serviceIdB', p.sb, 'intersection', x.date), 'block_trips_with_overlapping_stop_times'
FROM pairs p JOIN services x USING (sa, sb)
WHERE x.date IS NOT NULL;
