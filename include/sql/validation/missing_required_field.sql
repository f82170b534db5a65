-- severity: ERROR
-- meaning: A required field is empty (key fields: checked by the loader, which sets such rows aside).
-- Required columns of every file, plus agency_id in agency.txt, routes.txt and fare_attributes.txt when the feed has several agencies.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT * FROM (
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'agency.txt', t.line_number, 'agency_name', jsonb_build_object('agency_id', t.agency_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'agency.txt', t.line_number, 'agency_url', jsonb_build_object('agency_id', t.agency_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_url IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'agency.txt', t.line_number, 'agency_timezone', jsonb_build_object('agency_id', t.agency_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_timezone IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'stops.txt', t.line_number, 'stop_id', jsonb_build_object('stop_id', t.stop_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'routes.txt', t.line_number, 'route_id', jsonb_build_object('route_id', t.route_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'routes.txt', t.line_number, 'route_type', jsonb_build_object('route_id', t.route_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'trips.txt', t.line_number, 'route_id', jsonb_build_object('trip_id', t.trip_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'trips.txt', t.line_number, 'service_id', jsonb_build_object('trip_id', t.trip_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND t.service_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'trips.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND t.trip_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'stop_times.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND t.trip_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'stop_times.txt', t.line_number, 'stop_sequence', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_sequence IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'service_id', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.service_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'monday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.monday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'tuesday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.tuesday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'wednesday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.wednesday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'thursday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.thursday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'friday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.friday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'saturday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.saturday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'sunday', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.sunday IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'start_date', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.start_date IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar.txt', t.line_number, 'end_date', jsonb_build_object('service_id', t.service_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND t.end_date IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar_dates.txt', t.line_number, 'service_id', jsonb_build_object('service_id', t.service_id, 'date', t.date), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar_dates t WHERE t.feed_version_id = %(feed_version_id)s AND t.service_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar_dates.txt', t.line_number, 'date', jsonb_build_object('service_id', t.service_id, 'date', t.date), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar_dates t WHERE t.feed_version_id = %(feed_version_id)s AND t.date IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'calendar_dates.txt', t.line_number, 'exception_type', jsonb_build_object('service_id', t.service_id, 'date', t.date), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.calendar_dates t WHERE t.feed_version_id = %(feed_version_id)s AND t.exception_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_attributes.txt', t.line_number, 'fare_id', jsonb_build_object('fare_id', t.fare_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_attributes.txt', t.line_number, 'price', jsonb_build_object('fare_id', t.fare_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND t.price IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_attributes.txt', t.line_number, 'currency_type', jsonb_build_object('fare_id', t.fare_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND t.currency_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_attributes.txt', t.line_number, 'payment_method', jsonb_build_object('fare_id', t.fare_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND t.payment_method IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_rules.txt', t.line_number, 'fare_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'timeframes.txt', t.line_number, 'timeframe_group_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.timeframes t WHERE t.feed_version_id = %(feed_version_id)s AND t.timeframe_group_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'timeframes.txt', t.line_number, 'service_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.timeframes t WHERE t.feed_version_id = %(feed_version_id)s AND t.service_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'rider_categories.txt', t.line_number, 'rider_category_id', jsonb_build_object('rider_category_id', t.rider_category_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND t.rider_category_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'rider_categories.txt', t.line_number, 'rider_category_name', jsonb_build_object('rider_category_id', t.rider_category_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND t.rider_category_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'rider_categories.txt', t.line_number, 'is_default_fare_category', jsonb_build_object('rider_category_id', t.rider_category_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND t.is_default_fare_category IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_media.txt', t.line_number, 'fare_media_id', jsonb_build_object('fare_media_id', t.fare_media_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_media t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_media_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_media.txt', t.line_number, 'fare_media_type', jsonb_build_object('fare_media_id', t.fare_media_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_media t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_media_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_products.txt', t.line_number, 'fare_product_id', jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_product_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_products.txt', t.line_number, 'amount', jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND t.amount IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_products.txt', t.line_number, 'currency', jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND t.currency IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_leg_rules.txt', t.line_number, 'fare_product_id', jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_product_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_leg_join_rules.txt', t.line_number, 'from_network_id', jsonb_build_object('from_network_id', t.from_network_id, 'to_network_id', t.to_network_id, 'from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_leg_join_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.from_network_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_leg_join_rules.txt', t.line_number, 'to_network_id', jsonb_build_object('from_network_id', t.from_network_id, 'to_network_id', t.to_network_id, 'from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_leg_join_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.to_network_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_transfer_rules.txt', t.line_number, 'fare_transfer_type', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.fare_transfer_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'areas.txt', t.line_number, 'area_id', jsonb_build_object('area_id', t.area_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.areas t WHERE t.feed_version_id = %(feed_version_id)s AND t.area_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'stop_areas.txt', t.line_number, 'area_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.stop_areas t WHERE t.feed_version_id = %(feed_version_id)s AND t.area_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'stop_areas.txt', t.line_number, 'stop_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.stop_areas t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'networks.txt', t.line_number, 'network_id', jsonb_build_object('network_id', t.network_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.networks t WHERE t.feed_version_id = %(feed_version_id)s AND t.network_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'route_networks.txt', t.line_number, 'network_id', jsonb_build_object('route_id', t.route_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.route_networks t WHERE t.feed_version_id = %(feed_version_id)s AND t.network_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'route_networks.txt', t.line_number, 'route_id', jsonb_build_object('route_id', t.route_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.route_networks t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'shapes.txt', t.line_number, 'shape_id', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND t.shape_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_lat', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND t.shape_pt_lat IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_lon', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND t.shape_pt_lon IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'shapes.txt', t.line_number, 'shape_pt_sequence', jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND t.shape_pt_sequence IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'frequencies.txt', t.line_number, 'trip_id', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND t.trip_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'frequencies.txt', t.line_number, 'start_time', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND t.start_time IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'frequencies.txt', t.line_number, 'end_time', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND t.end_time IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'frequencies.txt', t.line_number, 'headway_secs', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND t.headway_secs IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'transfers.txt', t.line_number, 'transfer_type', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND t.transfer_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'pathways.txt', t.line_number, 'pathway_id', jsonb_build_object('pathway_id', t.pathway_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND t.pathway_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'pathways.txt', t.line_number, 'from_stop_id', jsonb_build_object('pathway_id', t.pathway_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND t.from_stop_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'pathways.txt', t.line_number, 'to_stop_id', jsonb_build_object('pathway_id', t.pathway_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND t.to_stop_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'pathways.txt', t.line_number, 'pathway_mode', jsonb_build_object('pathway_id', t.pathway_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND t.pathway_mode IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'pathways.txt', t.line_number, 'is_bidirectional', jsonb_build_object('pathway_id', t.pathway_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND t.is_bidirectional IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'levels.txt', t.line_number, 'level_id', jsonb_build_object('level_id', t.level_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.levels t WHERE t.feed_version_id = %(feed_version_id)s AND t.level_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'levels.txt', t.line_number, 'level_index', jsonb_build_object('level_id', t.level_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.levels t WHERE t.feed_version_id = %(feed_version_id)s AND t.level_index IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'location_groups.txt', t.line_number, 'location_group_id', jsonb_build_object('location_group_id', t.location_group_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.location_groups t WHERE t.feed_version_id = %(feed_version_id)s AND t.location_group_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'location_group_stops.txt', t.line_number, 'location_group_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.location_group_stops t WHERE t.feed_version_id = %(feed_version_id)s AND t.location_group_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'location_group_stops.txt', t.line_number, 'stop_id', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.location_group_stops t WHERE t.feed_version_id = %(feed_version_id)s AND t.stop_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'booking_rules.txt', t.line_number, 'booking_rule_id', jsonb_build_object('booking_rule_id', t.booking_rule_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.booking_rule_id IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'booking_rules.txt', t.line_number, 'booking_type', jsonb_build_object('booking_rule_id', t.booking_rule_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND t.booking_type IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'translations.txt', t.line_number, 'table_name', jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND t.table_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'translations.txt', t.line_number, 'field_name', jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND t.field_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'translations.txt', t.line_number, 'language', jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND t.language IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'translations.txt', t.line_number, 'translation', jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND t.translation IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'feed_info.txt', t.line_number, 'feed_publisher_name', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_publisher_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'feed_info.txt', t.line_number, 'feed_publisher_url', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_publisher_url IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'feed_info.txt', t.line_number, 'feed_lang', NULL::jsonb, NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.feed_info t WHERE t.feed_version_id = %(feed_version_id)s AND t.feed_lang IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'attributions.txt', t.line_number, 'organization_name', jsonb_build_object('attribution_id', t.attribution_id), NULL, NULL::jsonb, 'missing_required_field'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND t.organization_name IS NULL
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'agency.txt', t.line_number, 'agency_id', jsonb_build_object('agency_id', t.agency_id), NULL, jsonb_build_object('reason', 'required when the feed has several agencies'), 'missing_required_field'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_id IS NULL AND (SELECT count(*) FROM gtfs.agency a WHERE a.feed_version_id = %(feed_version_id)s) > 1
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'routes.txt', t.line_number, 'agency_id', jsonb_build_object('route_id', t.route_id), NULL, jsonb_build_object('reason', 'required when the feed has several agencies'), 'missing_required_field'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_id IS NULL AND (SELECT count(*) FROM gtfs.agency a WHERE a.feed_version_id = %(feed_version_id)s) > 1
UNION ALL
SELECT t.feed_version_id, 'missing_required_field', 'ERROR', 'fare_attributes.txt', t.line_number, 'agency_id', jsonb_build_object('fare_id', t.fare_id), NULL, jsonb_build_object('reason', 'required when the feed has several agencies'), 'missing_required_field'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND t.agency_id IS NULL AND (SELECT count(*) FROM gtfs.agency a WHERE a.feed_version_id = %(feed_version_id)s) > 1
) m(feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
-- A value the loader could not read is already reported (invalid_*); do not report it twice.
WHERE NOT EXISTS (SELECT 1 FROM gtfs.notice l WHERE l.feed_version_id = %(feed_version_id)s AND l.source = 'loader'
                  AND l.filename = m.filename AND l.line_number = m.line_number AND l.field_name = m.field_name);
