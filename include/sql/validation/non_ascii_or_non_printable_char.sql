-- severity: WARNING
-- meaning: An ID contains characters outside printable ASCII.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'agency.txt', t.line_number, v.f, jsonb_build_object('agency_id', t.agency_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND (t.agency_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('agency_id', t.agency_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'stops.txt', t.line_number, v.f, jsonb_build_object('stop_id', t.stop_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND (t.stop_id ~ '[^ -~]' OR t.zone_id ~ '[^ -~]' OR t.parent_station ~ '[^ -~]' OR t.level_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('stop_id', t.stop_id), ('zone_id', t.zone_id), ('parent_station', t.parent_station), ('level_id', t.level_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'routes.txt', t.line_number, v.f, jsonb_build_object('route_id', t.route_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND (t.route_id ~ '[^ -~]' OR t.agency_id ~ '[^ -~]' OR t.network_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('route_id', t.route_id), ('agency_id', t.agency_id), ('network_id', t.network_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'trips.txt', t.line_number, v.f, jsonb_build_object('trip_id', t.trip_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND (t.route_id ~ '[^ -~]' OR t.service_id ~ '[^ -~]' OR t.trip_id ~ '[^ -~]' OR t.block_id ~ '[^ -~]' OR t.shape_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('route_id', t.route_id), ('service_id', t.service_id), ('trip_id', t.trip_id), ('block_id', t.block_id), ('shape_id', t.shape_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'stop_times.txt', t.line_number, v.f, jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND (t.trip_id ~ '[^ -~]' OR t.stop_id ~ '[^ -~]' OR t.location_group_id ~ '[^ -~]' OR t.location_id ~ '[^ -~]' OR t.pickup_booking_rule_id ~ '[^ -~]' OR t.drop_off_booking_rule_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('trip_id', t.trip_id), ('stop_id', t.stop_id), ('location_group_id', t.location_group_id), ('location_id', t.location_id), ('pickup_booking_rule_id', t.pickup_booking_rule_id), ('drop_off_booking_rule_id', t.drop_off_booking_rule_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'calendar.txt', t.line_number, v.f, jsonb_build_object('service_id', t.service_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND (t.service_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('service_id', t.service_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'calendar_dates.txt', t.line_number, v.f, jsonb_build_object('service_id', t.service_id, 'date', t.date), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.calendar_dates t WHERE t.feed_version_id = %(feed_version_id)s AND (t.service_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('service_id', t.service_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_attributes.txt', t.line_number, v.f, jsonb_build_object('fare_id', t.fare_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND (t.fare_id ~ '[^ -~]' OR t.agency_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('fare_id', t.fare_id), ('agency_id', t.agency_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_rules.txt', t.line_number, v.f, NULL::jsonb, v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_rules t WHERE t.feed_version_id = %(feed_version_id)s AND (t.fare_id ~ '[^ -~]' OR t.route_id ~ '[^ -~]' OR t.origin_id ~ '[^ -~]' OR t.destination_id ~ '[^ -~]' OR t.contains_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('fare_id', t.fare_id), ('route_id', t.route_id), ('origin_id', t.origin_id), ('destination_id', t.destination_id), ('contains_id', t.contains_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'timeframes.txt', t.line_number, v.f, NULL::jsonb, v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.timeframes t WHERE t.feed_version_id = %(feed_version_id)s AND (t.timeframe_group_id ~ '[^ -~]' OR t.service_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('timeframe_group_id', t.timeframe_group_id), ('service_id', t.service_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'rider_categories.txt', t.line_number, v.f, jsonb_build_object('rider_category_id', t.rider_category_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND (t.rider_category_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('rider_category_id', t.rider_category_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_media.txt', t.line_number, v.f, jsonb_build_object('fare_media_id', t.fare_media_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_media t WHERE t.feed_version_id = %(feed_version_id)s AND (t.fare_media_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('fare_media_id', t.fare_media_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_products.txt', t.line_number, v.f, jsonb_build_object('fare_product_id', t.fare_product_id, 'rider_category_id', t.rider_category_id, 'fare_media_id', t.fare_media_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_products t WHERE t.feed_version_id = %(feed_version_id)s AND (t.fare_product_id ~ '[^ -~]' OR t.rider_category_id ~ '[^ -~]' OR t.fare_media_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('fare_product_id', t.fare_product_id), ('rider_category_id', t.rider_category_id), ('fare_media_id', t.fare_media_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_leg_rules.txt', t.line_number, v.f, jsonb_build_object('network_id', t.network_id, 'from_area_id', t.from_area_id, 'to_area_id', t.to_area_id, 'from_timeframe_group_id', t.from_timeframe_group_id, 'to_timeframe_group_id', t.to_timeframe_group_id, 'fare_product_id', t.fare_product_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_leg_rules t WHERE t.feed_version_id = %(feed_version_id)s AND (t.leg_group_id ~ '[^ -~]' OR t.network_id ~ '[^ -~]' OR t.from_area_id ~ '[^ -~]' OR t.to_area_id ~ '[^ -~]' OR t.from_timeframe_group_id ~ '[^ -~]' OR t.to_timeframe_group_id ~ '[^ -~]' OR t.fare_product_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('leg_group_id', t.leg_group_id), ('network_id', t.network_id), ('from_area_id', t.from_area_id), ('to_area_id', t.to_area_id), ('from_timeframe_group_id', t.from_timeframe_group_id), ('to_timeframe_group_id', t.to_timeframe_group_id), ('fare_product_id', t.fare_product_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_leg_join_rules.txt', t.line_number, v.f, jsonb_build_object('from_network_id', t.from_network_id, 'to_network_id', t.to_network_id, 'from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_leg_join_rules t WHERE t.feed_version_id = %(feed_version_id)s AND (t.from_network_id ~ '[^ -~]' OR t.to_network_id ~ '[^ -~]' OR t.from_stop_id ~ '[^ -~]' OR t.to_stop_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('from_network_id', t.from_network_id), ('to_network_id', t.to_network_id), ('from_stop_id', t.from_stop_id), ('to_stop_id', t.to_stop_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'fare_transfer_rules.txt', t.line_number, v.f, jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND (t.from_leg_group_id ~ '[^ -~]' OR t.to_leg_group_id ~ '[^ -~]' OR t.fare_product_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('from_leg_group_id', t.from_leg_group_id), ('to_leg_group_id', t.to_leg_group_id), ('fare_product_id', t.fare_product_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'areas.txt', t.line_number, v.f, jsonb_build_object('area_id', t.area_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.areas t WHERE t.feed_version_id = %(feed_version_id)s AND (t.area_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('area_id', t.area_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'stop_areas.txt', t.line_number, v.f, NULL::jsonb, v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.stop_areas t WHERE t.feed_version_id = %(feed_version_id)s AND (t.area_id ~ '[^ -~]' OR t.stop_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('area_id', t.area_id), ('stop_id', t.stop_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'networks.txt', t.line_number, v.f, jsonb_build_object('network_id', t.network_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.networks t WHERE t.feed_version_id = %(feed_version_id)s AND (t.network_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('network_id', t.network_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'route_networks.txt', t.line_number, v.f, jsonb_build_object('route_id', t.route_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.route_networks t WHERE t.feed_version_id = %(feed_version_id)s AND (t.network_id ~ '[^ -~]' OR t.route_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('network_id', t.network_id), ('route_id', t.route_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'shapes.txt', t.line_number, v.f, jsonb_build_object('shape_id', t.shape_id, 'shape_pt_sequence', t.shape_pt_sequence), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.shapes t WHERE t.feed_version_id = %(feed_version_id)s AND (t.shape_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('shape_id', t.shape_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'frequencies.txt', t.line_number, v.f, jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND (t.trip_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('trip_id', t.trip_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'transfers.txt', t.line_number, v.f, jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND (t.from_stop_id ~ '[^ -~]' OR t.to_stop_id ~ '[^ -~]' OR t.from_route_id ~ '[^ -~]' OR t.to_route_id ~ '[^ -~]' OR t.from_trip_id ~ '[^ -~]' OR t.to_trip_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('from_stop_id', t.from_stop_id), ('to_stop_id', t.to_stop_id), ('from_route_id', t.from_route_id), ('to_route_id', t.to_route_id), ('from_trip_id', t.from_trip_id), ('to_trip_id', t.to_trip_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'pathways.txt', t.line_number, v.f, jsonb_build_object('pathway_id', t.pathway_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND (t.pathway_id ~ '[^ -~]' OR t.from_stop_id ~ '[^ -~]' OR t.to_stop_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('pathway_id', t.pathway_id), ('from_stop_id', t.from_stop_id), ('to_stop_id', t.to_stop_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'levels.txt', t.line_number, v.f, jsonb_build_object('level_id', t.level_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.levels t WHERE t.feed_version_id = %(feed_version_id)s AND (t.level_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('level_id', t.level_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'location_groups.txt', t.line_number, v.f, jsonb_build_object('location_group_id', t.location_group_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.location_groups t WHERE t.feed_version_id = %(feed_version_id)s AND (t.location_group_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('location_group_id', t.location_group_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'location_group_stops.txt', t.line_number, v.f, NULL::jsonb, v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.location_group_stops t WHERE t.feed_version_id = %(feed_version_id)s AND (t.location_group_id ~ '[^ -~]' OR t.stop_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('location_group_id', t.location_group_id), ('stop_id', t.stop_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'booking_rules.txt', t.line_number, v.f, jsonb_build_object('booking_rule_id', t.booking_rule_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND (t.booking_rule_id ~ '[^ -~]' OR t.prior_notice_service_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('booking_rule_id', t.booking_rule_id), ('prior_notice_service_id', t.prior_notice_service_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'translations.txt', t.line_number, v.f, jsonb_build_object('table_name', t.table_name, 'field_name', t.field_name, 'language', t.language, 'record_id', t.record_id, 'record_sub_id', t.record_sub_id, 'field_value', t.field_value), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.translations t WHERE t.feed_version_id = %(feed_version_id)s AND (t.record_id ~ '[^ -~]' OR t.record_sub_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('record_id', t.record_id), ('record_sub_id', t.record_sub_id)) v(f, val) WHERE v.val ~ '[^ -~]'
UNION ALL
SELECT t.feed_version_id, 'non_ascii_or_non_printable_char', 'WARNING', 'attributions.txt', t.line_number, v.f, jsonb_build_object('attribution_id', t.attribution_id), v.val, NULL::jsonb, 'non_ascii_or_non_printable_char'
FROM (SELECT * FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND (t.attribution_id ~ '[^ -~]' OR t.agency_id ~ '[^ -~]' OR t.route_id ~ '[^ -~]' OR t.trip_id ~ '[^ -~]')) t
CROSS JOIN LATERAL (VALUES ('attribution_id', t.attribution_id), ('agency_id', t.agency_id), ('route_id', t.route_id), ('trip_id', t.trip_id)) v(f, val) WHERE v.val ~ '[^ -~]';
