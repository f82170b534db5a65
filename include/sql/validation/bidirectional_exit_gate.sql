-- severity: ERROR
-- meaning: An exit gate pathway (pathway_mode 7) is bidirectional.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'bidirectional_exit_gate', 'ERROR', 'pathways.txt', p.line_number, 'is_bidirectional', jsonb_build_object('pathway_id', p.pathway_id), p.is_bidirectional::text, NULL::jsonb, 'bidirectional_exit_gate'
FROM gtfs.pathways p WHERE p.feed_version_id = %(feed_version_id)s AND p.pathway_mode = 7 AND p.is_bidirectional = 1;
