-- severity: ERROR
-- meaning: Two fare_rules.txt rows have the same route_id, origin_id, destination_id and contains_id.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'duplicate_fare_rule_zone_id_fields', 'ERROR', 'fare_rules.txt', f.line_number, 'fare_id', jsonb_build_object('fare_id', f.fare_id),
       f.fare_id, jsonb_build_object('previousCsvRowNumber', f.first_line, 'previousFareId', f.first_fare), 'duplicate_fare_rule_zone_id_fields'
FROM (SELECT *, row_number() OVER w AS k, first_value(line_number) OVER w AS first_line, first_value(fare_id) OVER w AS first_fare
      FROM gtfs.fare_rules WHERE feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY route_id, origin_id, destination_id, contains_id ORDER BY line_number)) f
WHERE f.k > 1;
