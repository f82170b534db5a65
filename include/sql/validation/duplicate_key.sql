-- severity: ERROR
-- meaning: Two rows of a file whose primary key is all of its fields (fare_rules, stop_areas, timeframes) are identical.
-- The reference gives these files "Primary key (*)"; MobilityData's schemas make every field part of the key,
-- so identical rows (empty fields equal) are duplicate_key, one notice per repeated row, against the first.
-- (The loader reports duplicate_key for the files with a primary key of named fields: source 'loader'.)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'duplicate_key', 'ERROR', 'fare_rules.txt', f.line_number, 'fare_id',
       jsonb_build_object('fare_id', f.fare_id, 'route_id', f.route_id, 'origin_id', f.origin_id,
                          'destination_id', f.destination_id, 'contains_id', f.contains_id),
       f.fare_id, jsonb_build_object('oldCsvRowNumber', f.first_line), 'duplicate_key'
FROM (SELECT *, row_number() OVER w AS k, first_value(line_number) OVER w AS first_line
      FROM gtfs.fare_rules WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY fare_id, route_id, origin_id, destination_id, contains_id ORDER BY line_number)) f
WHERE f.k > 1
UNION ALL
SELECT %(feed_version_id)s, 'duplicate_key', 'ERROR', 'stop_areas.txt', f.line_number, 'area_id',
       jsonb_build_object('area_id', f.area_id, 'stop_id', f.stop_id), f.area_id,
       jsonb_build_object('oldCsvRowNumber', f.first_line), 'duplicate_key'
FROM (SELECT *, row_number() OVER w AS k, first_value(line_number) OVER w AS first_line
      FROM gtfs.stop_areas WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY area_id, stop_id ORDER BY line_number)) f
WHERE f.k > 1
UNION ALL
SELECT %(feed_version_id)s, 'duplicate_key', 'ERROR', 'timeframes.txt', f.line_number, 'timeframe_group_id',
       jsonb_build_object('timeframe_group_id', f.timeframe_group_id, 'start_time', f.start_time::text,
                          'end_time', f.end_time::text, 'service_id', f.service_id), f.timeframe_group_id,
       jsonb_build_object('oldCsvRowNumber', f.first_line), 'duplicate_key'
FROM (SELECT *, row_number() OVER w AS k, first_value(line_number) OVER w AS first_line
      FROM gtfs.timeframes WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY timeframe_group_id, start_time, end_time, service_id ORDER BY line_number)) f
WHERE f.k > 1;
