-- severity: WARNING
-- meaning: Two fare media have the same fare_media_name and fare_media_type.
-- As MobilityData (DuplicateFareMediaValidator): each later row with the name and type of an earlier one is reported
-- against the first (csvRowNumber1, fareMediaId1); an empty name counts as a name (two unnamed media of one type).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'duplicate_fare_media', 'WARNING', 'fare_media.txt', m.line_number, 'fare_media_name',
       jsonb_build_object('fare_media_id', m.fare_media_id), m.fare_media_name,
       jsonb_build_object('csvRowNumber1', m.first_line, 'fareMediaId1', m.first_id), 'duplicate_fare_media'
FROM (SELECT f.line_number, f.fare_media_id, f.fare_media_name,
             first_value(f.line_number) OVER w AS first_line, first_value(f.fare_media_id) OVER w AS first_id
      FROM gtfs.fare_media f
      WHERE f.feed_version_id = %(feed_version_id)s
      WINDOW w AS (PARTITION BY coalesce(f.fare_media_name, ''), f.fare_media_type ORDER BY f.line_number)) m
WHERE m.line_number <> m.first_line;
