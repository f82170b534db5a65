-- severity: WARNING
-- meaning: A translation's table_name names no GTFS file of the feed (an unknown file, or one the feed does not have).
-- As MobilityData (TranslationFieldAndReferenceValidator): only for translations.txt in the current format (a
-- table_name column) and when no row lacks field_name, language or table_name (MobilityData then checks nothing
-- else); table_name + '.txt' must be a GTFS file loaded from the feed (files kept as raw rows are not GTFS files).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'translation_unknown_table_name', 'WARNING', 'translations.txt', t.line_number, 'table_name',
       jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language), t.table_name,
       NULL::jsonb, 'translation_unknown_table_name'
FROM gtfs.translations t
WHERE 'table_name' = ANY(%(header_translations)s::text[])
  AND t.feed_version_id = %(feed_version_id)s
  AND NOT EXISTS (SELECT 1 FROM gtfs.translations m WHERE m.feed_version_id = %(feed_version_id)s
                    AND (m.table_name IS NULL OR m.field_name IS NULL OR m.language IS NULL))
  AND NOT EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s
                    AND h.filename = t.table_name || '.txt' AND h.load_path <> 'kept');
