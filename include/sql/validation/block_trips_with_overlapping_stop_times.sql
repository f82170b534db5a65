-- severity: ERROR
-- meaning: Two trips of the same block overlap in time on a day both run.
-- As the validator: trips of a block ordered by first arrival, then last departure (then file order); a trip
-- overlaps each later one that arrives first before it departs last, unless the later one repeats its last
-- stop time exactly (a block transfer); reported when both services share a date.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH iv AS (
    SELECT t.trip_id, t.block_id, t.service_id, t.line_number, v.first_arr, v.first_dep, v.last_arr, v.last_dep,
           row_number() OVER (PARTITION BY t.block_id ORDER BY v.first_arr, v.last_dep, t.line_number) AS k
    FROM v_trip_info t JOIN v_trip v USING (trip_id)
    WHERE t.block_id IS NOT NULL
      AND v.first_arr IS NOT NULL AND v.first_dep IS NOT NULL AND v.last_arr IS NOT NULL AND v.last_dep IS NOT NULL)
,
pairs AS MATERIALIZED (
    SELECT a.trip_id AS trip_a, a.block_id, a.service_id AS sa, a.line_number AS line_a,
           b.trip_id AS trip_b, b.service_id AS sb, b.line_number AS line_b
    FROM iv a JOIN iv b ON b.block_id = a.block_id AND b.k > a.k AND b.first_arr < a.last_dep
    WHERE NOT (a.last_arr = b.first_arr AND a.last_dep = b.first_dep)),
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
