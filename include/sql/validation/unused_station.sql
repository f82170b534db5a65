-- severity: INFO
-- meaning: A station (location_type 1) is the parent of no stop or platform (location_type 0).
-- MobilityData's unused_station (v7 renamed unused_parent_station to it): children that are entrances,
-- nodes or boarding areas do not count.
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'unused_station', 'INFO', 'stops.txt', s.line_number, 'stop_id', jsonb_build_object('stop_id', s.stop_id), s.stop_id,
       jsonb_build_object('stopName', s.stop_name), 'unused_station'
FROM gtfs.stops s WHERE s.feed_version_id = %(feed_version_id)s AND s.location_type = 1
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops c WHERE c.feed_version_id = %(feed_version_id)s AND c.parent_station = s.stop_id
                  AND coalesce(c.location_type, 0) = 0);
