-- severity: ERROR
-- meaning: A pathway starts or ends at a stop whose stop_access is 1 (reached from the street, not through the station's pathways).
-- As MobilityData (PathwayStopAccessValidator): one notice per pathway and such stop (a pathway from and to the
-- same one is reported once, at from_stop_id).
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT %(feed_version_id)s, 'pathway_to_stop_with_access_outside_of_station_pathways', 'ERROR', 'pathways.txt', p.line_number, e.field,
       jsonb_build_object('pathway_id', p.pathway_id), e.stop_id,
       jsonb_build_object('platformCode', s.platform_code), 'pathway_to_stop_with_access_outside_of_station_pathways'
FROM gtfs.pathways p
CROSS JOIN LATERAL (VALUES ('from_stop_id', p.from_stop_id),
                           ('to_stop_id', CASE WHEN p.to_stop_id IS DISTINCT FROM p.from_stop_id THEN p.to_stop_id END)) e(field, stop_id)
JOIN gtfs.stops s ON s.feed_version_id = %(feed_version_id)s AND s.stop_id = e.stop_id AND s.stop_access = 1
WHERE p.feed_version_id = %(feed_version_id)s;
