-- severity: ERROR
-- meaning: A pathway starts or ends at a platform that has boarding areas (it must use them).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'pathway_to_platform_with_boarding_areas', 'ERROR', 'pathways.txt', p.line_number, 'from_stop_id', jsonb_build_object('pathway_id', p.pathway_id), p.from_stop_id,
       NULL::jsonb, 'pathway_to_platform_with_boarding_areas'
FROM gtfs.pathways p JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = p.from_stop_id
WHERE p.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0
  AND EXISTS (SELECT 1 FROM gtfs.stops b WHERE b.feed_version_id = %(feed_version_id)s AND b.parent_station = s.stop_id AND b.location_type = 4)
UNION ALL
SELECT %(feed_version_id)s, 'pathway_to_platform_with_boarding_areas', 'ERROR', 'pathways.txt', p.line_number, 'to_stop_id', jsonb_build_object('pathway_id', p.pathway_id), p.to_stop_id,
       NULL::jsonb, 'pathway_to_platform_with_boarding_areas'
FROM gtfs.pathways p JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = p.to_stop_id
WHERE p.feed_version_id = %(feed_version_id)s AND coalesce(s.location_type, 0) = 0
  AND EXISTS (SELECT 1 FROM gtfs.stops b WHERE b.feed_version_id = %(feed_version_id)s AND b.parent_station = s.stop_id AND b.location_type = 4);
