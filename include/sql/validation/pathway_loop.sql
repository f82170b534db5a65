-- severity: WARNING
-- meaning: A pathway starts and ends at the same location (from_stop_id = to_stop_id).
-- As MobilityData (PathwayLoopValidator).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'pathway_loop', 'WARNING', 'pathways.txt', p.line_number, 'to_stop_id',
       jsonb_build_object('pathway_id', p.pathway_id), p.to_stop_id, jsonb_build_object('stopId', p.from_stop_id), 'pathway_loop'
FROM gtfs.pathways p
WHERE p.feed_version_id = %(feed_version_id)s AND p.from_stop_id = p.to_stop_id;
