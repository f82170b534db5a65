-- severity: ERROR
-- meaning: In a station with pathways, a platform, generic node or boarding area cannot be reached from an entrance, or no entrance can be reached from it.
-- Stations with pathways: the stations (location_type 1) that contain a pathway's end (the location
-- itself, its parent, or its parent's parent). Reported there: generic nodes, boarding areas, and
-- stops/platforms (location_type 0 or empty) that have no child locations. Reachability follows
-- pathways from every entrance (location_type 2): one-way pathways in their direction, bidirectional
-- ones both ways (two recursive walks over pathways.txt, which is small).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
WITH RECURSIVE
loc AS (
    SELECT s.stop_id, s.line_number, coalesce(s.location_type, 0) AS lt,
           CASE WHEN coalesce(s.location_type, 0) = 1 THEN s.stop_id
                WHEN p.location_type = 1 THEN p.stop_id
                WHEN g.location_type = 1 THEN g.stop_id END AS station
    FROM gtfs.stops s
    LEFT JOIN gtfs.stops p ON p.feed_version_id = s.feed_version_id AND p.stop_id = s.parent_station
    LEFT JOIN gtfs.stops g ON g.feed_version_id = s.feed_version_id AND g.stop_id = p.parent_station
    WHERE s.feed_version_id = %(feed_version_id)s
      AND EXISTS (SELECT 1 FROM gtfs.pathways x WHERE x.feed_version_id = %(feed_version_id)s)),
edge AS MATERIALIZED (
    SELECT w.from_stop_id AS a, w.to_stop_id AS b FROM gtfs.pathways w WHERE w.feed_version_id = %(feed_version_id)s
    UNION
    SELECT w.to_stop_id, w.from_stop_id FROM gtfs.pathways w WHERE w.feed_version_id = %(feed_version_id)s AND w.is_bidirectional = 1),
from_entrance(stop_id) AS (
    SELECT stop_id FROM loc WHERE lt = 2
    UNION
    SELECT e.b FROM from_entrance r JOIN edge e ON e.a = r.stop_id),
to_exit(stop_id) AS (
    SELECT stop_id FROM loc WHERE lt = 2
    UNION
    SELECT e.a FROM to_exit r JOIN edge e ON e.b = r.stop_id),
station_with_pathways AS (
    SELECT DISTINCT l.station FROM loc l
    WHERE l.station IS NOT NULL AND l.stop_id IN (SELECT a FROM edge UNION SELECT b FROM edge))
SELECT %(feed_version_id)s, 'pathway_unreachable_location', 'ERROR', 'stops.txt', l.line_number, 'stop_id',
       jsonb_build_object('stop_id', l.stop_id), l.stop_id,
       jsonb_build_object('locationType', l.lt, 'hasEntrance', l.stop_id IN (SELECT stop_id FROM from_entrance),
                          'hasExit', l.stop_id IN (SELECT stop_id FROM to_exit)), 'pathway_unreachable_location'
FROM loc l
WHERE l.station IN (SELECT station FROM station_with_pathways)
  AND (l.lt IN (3, 4)
       OR l.lt = 0 AND l.stop_id NOT IN (SELECT c.parent_station FROM gtfs.stops c
                                         WHERE c.feed_version_id = %(feed_version_id)s AND c.parent_station IS NOT NULL))
  AND (l.stop_id NOT IN (SELECT stop_id FROM from_entrance) OR l.stop_id NOT IN (SELECT stop_id FROM to_exit));
