-- severity: WARNING
-- meaning: A stop's stop_desc repeats its stop_name (compared case-insensitively).
-- As MobilityData (StopNameValidator): both fields non-empty and equal ignoring case (Unicode case, by the ICU
-- collation "und-x-icu").
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'same_name_and_description_for_stop', 'WARNING', 'stops.txt', s.line_number, 'stop_desc',
       jsonb_build_object('stop_id', s.stop_id), s.stop_desc,
       jsonb_build_object('stopId', s.stop_id, 'stopDesc', s.stop_desc), 'same_name_and_description_for_stop'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND s.stop_name <> '' AND s.stop_desc <> ''
  AND lower(s.stop_name COLLATE "und-x-icu") = lower(s.stop_desc COLLATE "und-x-icu");
