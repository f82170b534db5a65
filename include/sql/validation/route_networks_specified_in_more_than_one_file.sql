-- severity: ERROR
-- meaning: Networks are given both by routes.network_id and by route_networks.txt.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'route_networks_specified_in_more_than_one_file', 'ERROR', 'route_networks.txt', NULL::bigint, 'network_id', NULL::jsonb, NULL,
       jsonb_build_object('otherFile', 'routes.txt'), 'route_networks_specified_in_more_than_one_file'
WHERE EXISTS (SELECT 1 FROM gtfs.routes WHERE feed_version_id = %(feed_version_id)s AND network_id IS NOT NULL)
  AND EXISTS (SELECT 1 FROM gtfs.route_networks WHERE feed_version_id = %(feed_version_id)s);
