-- severity: ERROR
-- meaning: A location at either end of an elevator pathway (pathway_mode 5) has no level_id.
-- Each such location once, however many elevator pathways it has.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'missing_level_id', 'ERROR', 'stops.txt', s.line_number, 'level_id',
       jsonb_build_object('stop_id', s.stop_id), NULL, NULL::jsonb, 'missing_level_id'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND s.level_id IS NULL
  AND s.stop_id IN (SELECT e.stop_id FROM gtfs.pathways p
                    CROSS JOIN LATERAL (VALUES (p.from_stop_id), (p.to_stop_id)) e(stop_id)
                    WHERE p.feed_version_id = %(feed_version_id)s AND p.pathway_mode = 5);
