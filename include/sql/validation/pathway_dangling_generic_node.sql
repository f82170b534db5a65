-- severity: WARNING
-- meaning: A generic node (location_type 3) is connected by pathways to only one other location (a dead end).
-- As MobilityData (PathwayDanglingGenericNodeValidator): the distinct locations at the other end of its pathways
-- (from or to it) are exactly one; a node without pathways is not reported.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'pathway_dangling_generic_node', 'WARNING', 'stops.txt', s.line_number, 'stop_id',
       jsonb_build_object('stop_id', s.stop_id), s.stop_id,
       jsonb_build_object('stopName', s.stop_name, 'parentStation', s.parent_station), 'pathway_dangling_generic_node'
FROM gtfs.stops s
WHERE s.feed_version_id = %(feed_version_id)s AND s.location_type = 3
  AND (SELECT count(DISTINCT o.other)
       FROM (SELECT p.to_stop_id AS other FROM gtfs.pathways p
             WHERE p.feed_version_id = %(feed_version_id)s AND p.from_stop_id = s.stop_id
             UNION ALL
             SELECT p.from_stop_id FROM gtfs.pathways p
             WHERE p.feed_version_id = %(feed_version_id)s AND p.to_stop_id = s.stop_id) o) = 1;
