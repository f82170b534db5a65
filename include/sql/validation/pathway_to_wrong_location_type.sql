-- severity: ERROR
-- meaning: A pathway starts or ends at a station (location_type 1).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'pathway_to_wrong_location_type', 'ERROR', 'pathways.txt', p.line_number, 'from_stop_id', jsonb_build_object('pathway_id', p.pathway_id), p.from_stop_id,
       NULL::jsonb, 'pathway_to_wrong_location_type'
FROM gtfs.pathways p JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = p.from_stop_id
WHERE p.feed_version_id = %(feed_version_id)s AND s.location_type = 1
UNION ALL
SELECT %(feed_version_id)s, 'pathway_to_wrong_location_type', 'ERROR', 'pathways.txt', p.line_number, 'to_stop_id', jsonb_build_object('pathway_id', p.pathway_id), p.to_stop_id,
       NULL::jsonb, 'pathway_to_wrong_location_type'
FROM gtfs.pathways p JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = p.to_stop_id
WHERE p.feed_version_id = %(feed_version_id)s AND s.location_type = 1;
