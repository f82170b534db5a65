-- Between versions %(old)s and %(new)s: routes and stops added or removed (by id), and dates
-- gained or lost (a date on which some service runs in one version and none in the other).
SELECT 'route_added' AS kind, route_id AS id, NULL::date AS date
  FROM (SELECT route_id FROM gtfs.routes WHERE feed_version_id = %(new)s
        EXCEPT SELECT route_id FROM gtfs.routes WHERE feed_version_id = %(old)s) x
UNION ALL
SELECT 'route_removed', route_id, NULL
  FROM (SELECT route_id FROM gtfs.routes WHERE feed_version_id = %(old)s
        EXCEPT SELECT route_id FROM gtfs.routes WHERE feed_version_id = %(new)s) x
UNION ALL
SELECT 'stop_added', stop_id, NULL
  FROM (SELECT stop_id FROM gtfs.stops WHERE feed_version_id = %(new)s
        EXCEPT SELECT stop_id FROM gtfs.stops WHERE feed_version_id = %(old)s) x
UNION ALL
SELECT 'stop_removed', stop_id, NULL
  FROM (SELECT stop_id FROM gtfs.stops WHERE feed_version_id = %(old)s
        EXCEPT SELECT stop_id FROM gtfs.stops WHERE feed_version_id = %(new)s) x
UNION ALL
SELECT 'date_gained', NULL, date
  FROM (SELECT date FROM gtfs.service_days WHERE feed_version_id = %(new)s
        EXCEPT SELECT date FROM gtfs.service_days WHERE feed_version_id = %(old)s) x
UNION ALL
SELECT 'date_lost', NULL, date
  FROM (SELECT date FROM gtfs.service_days WHERE feed_version_id = %(old)s
        EXCEPT SELECT date FROM gtfs.service_days WHERE feed_version_id = %(new)s) x
ORDER BY 1, 2, 3;
