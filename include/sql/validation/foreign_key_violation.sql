-- severity: ERROR
-- meaning: A field refers to an id that the referenced file does not define.
-- Every reference the GTFS reference defines (reference.py Column.references), and trips.service_id
-- (calendar.txt or calendar_dates.txt). References into locations.geojson (GTFS-Flex) are not checked yet.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stops.txt', t.line_number, 'parent_station', jsonb_build_object('stop_id', t.stop_id), t.parent_station,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'parent_station' = ANY (h.columns)) AND t.parent_station IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.parent_station)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stops.txt', t.line_number, 'level_id', jsonb_build_object('stop_id', t.stop_id), t.level_id,
       jsonb_build_object('parentFilename', 'levels.txt', 'parentFieldName', 'level_id'), 'foreign_key_violation'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'level_id' = ANY (h.columns)) AND t.level_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.levels p WHERE p.feed_version_id = %(feed_version_id)s AND p.level_id = t.level_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'routes.txt', t.line_number, 'agency_id', jsonb_build_object('route_id', t.route_id), t.agency_id,
       jsonb_build_object('parentFilename', 'agency.txt', 'parentFieldName', 'agency_id'), 'foreign_key_violation'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'routes.txt' AND 'agency_id' = ANY (h.columns)) AND t.agency_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.agency p WHERE p.feed_version_id = %(feed_version_id)s AND p.agency_id = t.agency_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'trips.txt', t.line_number, 'route_id', jsonb_build_object('trip_id', t.trip_id), t.route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'route_id' = ANY (h.columns)) AND t.route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'trips.txt', t.line_number, 'shape_id', jsonb_build_object('trip_id', t.trip_id), t.shape_id,
       jsonb_build_object('parentFilename', 'shapes.txt', 'parentFieldName', 'shape_id'), 'foreign_key_violation'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'shape_id' = ANY (h.columns)) AND t.shape_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.shapes p WHERE p.feed_version_id = %(feed_version_id)s AND p.shape_id = t.shape_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_times.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.trip_id,
       jsonb_build_object('parentFilename', 'trips.txt', 'parentFieldName', 'trip_id'), 'foreign_key_violation'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'trip_id' = ANY (h.columns)) AND t.trip_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips p WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = t.trip_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_times.txt', t.line_number, 'stop_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'stop_id' = ANY (h.columns)) AND t.stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_times.txt', t.line_number, 'location_group_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.location_group_id,
       jsonb_build_object('parentFilename', 'location_groups.txt', 'parentFieldName', 'location_group_id'), 'foreign_key_violation'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'location_group_id' = ANY (h.columns)) AND t.location_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.location_groups p WHERE p.feed_version_id = %(feed_version_id)s AND p.location_group_id = t.location_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_times.txt', t.line_number, 'pickup_booking_rule_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.pickup_booking_rule_id,
       jsonb_build_object('parentFilename', 'booking_rules.txt', 'parentFieldName', 'booking_rule_id'), 'foreign_key_violation'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'pickup_booking_rule_id' = ANY (h.columns)) AND t.pickup_booking_rule_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.booking_rules p WHERE p.feed_version_id = %(feed_version_id)s AND p.booking_rule_id = t.pickup_booking_rule_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_times.txt', t.line_number, 'drop_off_booking_rule_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.drop_off_booking_rule_id,
       jsonb_build_object('parentFilename', 'booking_rules.txt', 'parentFieldName', 'booking_rule_id'), 'foreign_key_violation'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'drop_off_booking_rule_id' = ANY (h.columns)) AND t.drop_off_booking_rule_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.booking_rules p WHERE p.feed_version_id = %(feed_version_id)s AND p.booking_rule_id = t.drop_off_booking_rule_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_attributes.txt', t.line_number, 'agency_id', jsonb_build_object('fare_id', t.fare_id), t.agency_id,
       jsonb_build_object('parentFilename', 'agency.txt', 'parentFieldName', 'agency_id'), 'foreign_key_violation'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_attributes.txt' AND 'agency_id' = ANY (h.columns)) AND t.agency_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.agency p WHERE p.feed_version_id = %(feed_version_id)s AND p.agency_id = t.agency_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_rules.txt', t.line_number, 'fare_id', NULL::jsonb, t.fare_id,
       jsonb_build_object('parentFilename', 'fare_attributes.txt', 'parentFieldName', 'fare_id'), 'foreign_key_violation'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_rules.txt' AND 'fare_id' = ANY (h.columns)) AND t.fare_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_attributes p WHERE p.feed_version_id = %(feed_version_id)s AND p.fare_id = t.fare_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_rules.txt', t.line_number, 'route_id', NULL::jsonb, t.route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_rules.txt' AND 'route_id' = ANY (h.columns)) AND t.route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_rules.txt', t.line_number, 'origin_id', NULL::jsonb, t.origin_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'zone_id'), 'foreign_key_violation'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_rules.txt' AND 'origin_id' = ANY (h.columns)) AND t.origin_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.zone_id = t.origin_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_rules.txt', t.line_number, 'destination_id', NULL::jsonb, t.destination_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'zone_id'), 'foreign_key_violation'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_rules.txt' AND 'destination_id' = ANY (h.columns)) AND t.destination_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.zone_id = t.destination_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_rules.txt', t.line_number, 'contains_id', NULL::jsonb, t.contains_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'zone_id'), 'foreign_key_violation'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_rules.txt' AND 'contains_id' = ANY (h.columns)) AND t.contains_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.zone_id = t.contains_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_products.txt', t.line_number, 'rider_category_id', jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), t.rider_category_id,
       jsonb_build_object('parentFilename', 'rider_categories.txt', 'parentFieldName', 'rider_category_id'), 'foreign_key_violation'
FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_products.txt' AND 'rider_category_id' = ANY (h.columns)) AND t.rider_category_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.rider_categories p WHERE p.feed_version_id = %(feed_version_id)s AND p.rider_category_id = t.rider_category_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_products.txt', t.line_number, 'fare_media_id', jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), t.fare_media_id,
       jsonb_build_object('parentFilename', 'fare_media.txt', 'parentFieldName', 'fare_media_id'), 'foreign_key_violation'
FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_products.txt' AND 'fare_media_id' = ANY (h.columns)) AND t.fare_media_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_media p WHERE p.feed_version_id = %(feed_version_id)s AND p.fare_media_id = t.fare_media_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'from_area_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), t.from_area_id,
       jsonb_build_object('parentFilename', 'areas.txt', 'parentFieldName', 'area_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_rules.txt' AND 'from_area_id' = ANY (h.columns)) AND t.from_area_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.areas p WHERE p.feed_version_id = %(feed_version_id)s AND p.area_id = t.from_area_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'to_area_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), t.to_area_id,
       jsonb_build_object('parentFilename', 'areas.txt', 'parentFieldName', 'area_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_rules.txt' AND 'to_area_id' = ANY (h.columns)) AND t.to_area_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.areas p WHERE p.feed_version_id = %(feed_version_id)s AND p.area_id = t.to_area_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'from_timeframe_group_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), t.from_timeframe_group_id,
       jsonb_build_object('parentFilename', 'timeframes.txt', 'parentFieldName', 'timeframe_group_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_rules.txt' AND 'from_timeframe_group_id' = ANY (h.columns)) AND t.from_timeframe_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.timeframes p WHERE p.feed_version_id = %(feed_version_id)s AND p.timeframe_group_id = t.from_timeframe_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'to_timeframe_group_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), t.to_timeframe_group_id,
       jsonb_build_object('parentFilename', 'timeframes.txt', 'parentFieldName', 'timeframe_group_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_rules.txt' AND 'to_timeframe_group_id' = ANY (h.columns)) AND t.to_timeframe_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.timeframes p WHERE p.feed_version_id = %(feed_version_id)s AND p.timeframe_group_id = t.to_timeframe_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'fare_product_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), t.fare_product_id,
       jsonb_build_object('parentFilename', 'fare_products.txt', 'parentFieldName', 'fare_product_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_rules.txt' AND 'fare_product_id' = ANY (h.columns)) AND t.fare_product_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_products p WHERE p.feed_version_id = %(feed_version_id)s AND p.fare_product_id = t.fare_product_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_join_rules.txt', t.line_number, 'from_stop_id', jsonb_build_object('from_network_id', t.from_network_id, 'to_network_id', t.to_network_id, 'from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id), t.from_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_join_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_join_rules.txt' AND 'from_stop_id' = ANY (h.columns)) AND t.from_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.from_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_leg_join_rules.txt', t.line_number, 'to_stop_id', jsonb_build_object('from_network_id', t.from_network_id, 'to_network_id', t.to_network_id, 'from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id), t.to_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.fare_leg_join_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_leg_join_rules.txt' AND 'to_stop_id' = ANY (h.columns)) AND t.to_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.to_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'from_leg_group_id', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), t.from_leg_group_id,
       jsonb_build_object('parentFilename', 'fare_leg_rules.txt', 'parentFieldName', 'leg_group_id'), 'foreign_key_violation'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_transfer_rules.txt' AND 'from_leg_group_id' = ANY (h.columns)) AND t.from_leg_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_leg_rules p WHERE p.feed_version_id = %(feed_version_id)s AND p.leg_group_id = t.from_leg_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'to_leg_group_id', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), t.to_leg_group_id,
       jsonb_build_object('parentFilename', 'fare_leg_rules.txt', 'parentFieldName', 'leg_group_id'), 'foreign_key_violation'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_transfer_rules.txt' AND 'to_leg_group_id' = ANY (h.columns)) AND t.to_leg_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_leg_rules p WHERE p.feed_version_id = %(feed_version_id)s AND p.leg_group_id = t.to_leg_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'fare_product_id', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), t.fare_product_id,
       jsonb_build_object('parentFilename', 'fare_products.txt', 'parentFieldName', 'fare_product_id'), 'foreign_key_violation'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_transfer_rules.txt' AND 'fare_product_id' = ANY (h.columns)) AND t.fare_product_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.fare_products p WHERE p.feed_version_id = %(feed_version_id)s AND p.fare_product_id = t.fare_product_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_areas.txt', t.line_number, 'area_id', NULL::jsonb, t.area_id,
       jsonb_build_object('parentFilename', 'areas.txt', 'parentFieldName', 'area_id'), 'foreign_key_violation'
FROM gtfs.stop_areas t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_areas.txt' AND 'area_id' = ANY (h.columns)) AND t.area_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.areas p WHERE p.feed_version_id = %(feed_version_id)s AND p.area_id = t.area_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'stop_areas.txt', t.line_number, 'stop_id', NULL::jsonb, t.stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.stop_areas t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_areas.txt' AND 'stop_id' = ANY (h.columns)) AND t.stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'route_networks.txt', t.line_number, 'network_id', jsonb_build_object('route_id', t.route_id), t.network_id,
       jsonb_build_object('parentFilename', 'networks.txt', 'parentFieldName', 'network_id'), 'foreign_key_violation'
FROM gtfs.route_networks t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'route_networks.txt' AND 'network_id' = ANY (h.columns)) AND t.network_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.networks p WHERE p.feed_version_id = %(feed_version_id)s AND p.network_id = t.network_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'route_networks.txt', t.line_number, 'route_id', jsonb_build_object('route_id', t.route_id), t.route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.route_networks t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'route_networks.txt' AND 'route_id' = ANY (h.columns)) AND t.route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'frequencies.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), t.trip_id,
       jsonb_build_object('parentFilename', 'trips.txt', 'parentFieldName', 'trip_id'), 'foreign_key_violation'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'frequencies.txt' AND 'trip_id' = ANY (h.columns)) AND t.trip_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips p WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = t.trip_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'from_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.from_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'from_stop_id' = ANY (h.columns)) AND t.from_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.from_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'to_stop_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.to_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'to_stop_id' = ANY (h.columns)) AND t.to_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.to_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'from_route_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.from_route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'from_route_id' = ANY (h.columns)) AND t.from_route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.from_route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'to_route_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.to_route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'to_route_id' = ANY (h.columns)) AND t.to_route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.to_route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'from_trip_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.from_trip_id,
       jsonb_build_object('parentFilename', 'trips.txt', 'parentFieldName', 'trip_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'from_trip_id' = ANY (h.columns)) AND t.from_trip_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips p WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = t.from_trip_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'transfers.txt', t.line_number, 'to_trip_id', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.to_trip_id,
       jsonb_build_object('parentFilename', 'trips.txt', 'parentFieldName', 'trip_id'), 'foreign_key_violation'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'to_trip_id' = ANY (h.columns)) AND t.to_trip_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips p WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = t.to_trip_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'pathways.txt', t.line_number, 'from_stop_id', jsonb_build_object('pathway_id', t.pathway_id), t.from_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'from_stop_id' = ANY (h.columns)) AND t.from_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.from_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'pathways.txt', t.line_number, 'to_stop_id', jsonb_build_object('pathway_id', t.pathway_id), t.to_stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'to_stop_id' = ANY (h.columns)) AND t.to_stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.to_stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'location_group_stops.txt', t.line_number, 'location_group_id', NULL::jsonb, t.location_group_id,
       jsonb_build_object('parentFilename', 'location_groups.txt', 'parentFieldName', 'location_group_id'), 'foreign_key_violation'
FROM gtfs.location_group_stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'location_group_stops.txt' AND 'location_group_id' = ANY (h.columns)) AND t.location_group_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.location_groups p WHERE p.feed_version_id = %(feed_version_id)s AND p.location_group_id = t.location_group_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'location_group_stops.txt', t.line_number, 'stop_id', NULL::jsonb, t.stop_id,
       jsonb_build_object('parentFilename', 'stops.txt', 'parentFieldName', 'stop_id'), 'foreign_key_violation'
FROM gtfs.location_group_stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'location_group_stops.txt' AND 'stop_id' = ANY (h.columns)) AND t.stop_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.stops p WHERE p.feed_version_id = %(feed_version_id)s AND p.stop_id = t.stop_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'booking_rules.txt', t.line_number, 'prior_notice_service_id', jsonb_build_object('booking_rule_id', t.booking_rule_id), t.prior_notice_service_id,
       jsonb_build_object('parentFilename', 'calendar.txt', 'parentFieldName', 'service_id'), 'foreign_key_violation'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'booking_rules.txt' AND 'prior_notice_service_id' = ANY (h.columns)) AND t.prior_notice_service_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.calendar p WHERE p.feed_version_id = %(feed_version_id)s AND p.service_id = t.prior_notice_service_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'attributions.txt', t.line_number, 'agency_id', jsonb_build_object('attribution_id', t.attribution_id), t.agency_id,
       jsonb_build_object('parentFilename', 'agency.txt', 'parentFieldName', 'agency_id'), 'foreign_key_violation'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'agency_id' = ANY (h.columns)) AND t.agency_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.agency p WHERE p.feed_version_id = %(feed_version_id)s AND p.agency_id = t.agency_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'attributions.txt', t.line_number, 'route_id', jsonb_build_object('attribution_id', t.attribution_id), t.route_id,
       jsonb_build_object('parentFilename', 'routes.txt', 'parentFieldName', 'route_id'), 'foreign_key_violation'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'route_id' = ANY (h.columns)) AND t.route_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.routes p WHERE p.feed_version_id = %(feed_version_id)s AND p.route_id = t.route_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'attributions.txt', t.line_number, 'trip_id', jsonb_build_object('attribution_id', t.attribution_id), t.trip_id,
       jsonb_build_object('parentFilename', 'trips.txt', 'parentFieldName', 'trip_id'), 'foreign_key_violation'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'trip_id' = ANY (h.columns)) AND t.trip_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.trips p WHERE p.feed_version_id = %(feed_version_id)s AND p.trip_id = t.trip_id)
UNION ALL
SELECT t.feed_version_id, 'foreign_key_violation', 'ERROR', 'trips.txt', t.line_number, 'service_id', jsonb_build_object('trip_id', t.trip_id), t.service_id,
       jsonb_build_object('parentFilename', 'calendar.txt or calendar_dates.txt', 'parentFieldName', 'service_id'), 'foreign_key_violation'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND t.service_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM gtfs.calendar p WHERE p.feed_version_id = %(feed_version_id)s AND p.service_id = t.service_id)
  AND NOT EXISTS (SELECT 1 FROM gtfs.calendar_dates p WHERE p.feed_version_id = %(feed_version_id)s AND p.service_id = t.service_id);
