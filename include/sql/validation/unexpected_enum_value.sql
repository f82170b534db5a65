-- severity: WARNING
-- meaning: An enumerated field has a value the reference does not define.
-- route_type accepts the basic values and the extended (HVT, 100-1799) values.
-- (generated from plugins/gtfs_pipeline/reference.py; edit by hand with care)
INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, entity_key, value, context, source)
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stops.txt', t.line_number, 'location_type', jsonb_build_object('stop_id', t.stop_id), t.location_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'location_type' = ANY (h.columns)) AND t.location_type NOT IN (0,1,2,3,4)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stops.txt', t.line_number, 'wheelchair_boarding', jsonb_build_object('stop_id', t.stop_id), t.wheelchair_boarding::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'wheelchair_boarding' = ANY (h.columns)) AND t.wheelchair_boarding NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stops.txt', t.line_number, 'stop_access', jsonb_build_object('stop_id', t.stop_id), t.stop_access::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stops t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stops.txt' AND 'stop_access' = ANY (h.columns)) AND t.stop_access NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'routes.txt', t.line_number, 'continuous_pickup', jsonb_build_object('route_id', t.route_id), t.continuous_pickup::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'routes.txt' AND 'continuous_pickup' = ANY (h.columns)) AND t.continuous_pickup NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'routes.txt', t.line_number, 'continuous_drop_off', jsonb_build_object('route_id', t.route_id), t.continuous_drop_off::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'routes.txt' AND 'continuous_drop_off' = ANY (h.columns)) AND t.continuous_drop_off NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'routes.txt', t.line_number, 'cemv_support', jsonb_build_object('route_id', t.route_id), t.cemv_support::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'routes.txt' AND 'cemv_support' = ANY (h.columns)) AND t.cemv_support NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'agency.txt', t.line_number, 'cemv_support', jsonb_build_object('agency_id', t.agency_id), t.cemv_support::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.agency t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'agency.txt' AND 'cemv_support' = ANY (h.columns)) AND t.cemv_support NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'trips.txt', t.line_number, 'direction_id', jsonb_build_object('trip_id', t.trip_id), t.direction_id::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'direction_id' = ANY (h.columns)) AND t.direction_id NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'trips.txt', t.line_number, 'wheelchair_accessible', jsonb_build_object('trip_id', t.trip_id), t.wheelchair_accessible::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'wheelchair_accessible' = ANY (h.columns)) AND t.wheelchair_accessible NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'trips.txt', t.line_number, 'bikes_allowed', jsonb_build_object('trip_id', t.trip_id), t.bikes_allowed::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'bikes_allowed' = ANY (h.columns)) AND t.bikes_allowed NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'trips.txt', t.line_number, 'cars_allowed', jsonb_build_object('trip_id', t.trip_id), t.cars_allowed::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.trips t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'trips.txt' AND 'cars_allowed' = ANY (h.columns)) AND t.cars_allowed NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stop_times.txt', t.line_number, 'pickup_type', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.pickup_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'pickup_type' = ANY (h.columns)) AND t.pickup_type NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stop_times.txt', t.line_number, 'drop_off_type', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.drop_off_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'drop_off_type' = ANY (h.columns)) AND t.drop_off_type NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stop_times.txt', t.line_number, 'continuous_pickup', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.continuous_pickup::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'continuous_pickup' = ANY (h.columns)) AND t.continuous_pickup NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stop_times.txt', t.line_number, 'continuous_drop_off', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.continuous_drop_off::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'continuous_drop_off' = ANY (h.columns)) AND t.continuous_drop_off NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'stop_times.txt', t.line_number, 'timepoint', jsonb_build_object('trip_id', t.trip_id, 'stop_sequence', t.stop_sequence), t.timepoint::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.stop_times t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'stop_times.txt' AND 'timepoint' = ANY (h.columns)) AND t.timepoint NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'monday', jsonb_build_object('service_id', t.service_id), t.monday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'monday' = ANY (h.columns)) AND t.monday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'tuesday', jsonb_build_object('service_id', t.service_id), t.tuesday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'tuesday' = ANY (h.columns)) AND t.tuesday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'wednesday', jsonb_build_object('service_id', t.service_id), t.wednesday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'wednesday' = ANY (h.columns)) AND t.wednesday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'thursday', jsonb_build_object('service_id', t.service_id), t.thursday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'thursday' = ANY (h.columns)) AND t.thursday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'friday', jsonb_build_object('service_id', t.service_id), t.friday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'friday' = ANY (h.columns)) AND t.friday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'saturday', jsonb_build_object('service_id', t.service_id), t.saturday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'saturday' = ANY (h.columns)) AND t.saturday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar.txt', t.line_number, 'sunday', jsonb_build_object('service_id', t.service_id), t.sunday::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar.txt' AND 'sunday' = ANY (h.columns)) AND t.sunday NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'calendar_dates.txt', t.line_number, 'exception_type', jsonb_build_object('service_id', t.service_id, 'date', t.date), t.exception_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.calendar_dates t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'calendar_dates.txt' AND 'exception_type' = ANY (h.columns)) AND t.exception_type NOT IN (1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'fare_attributes.txt', t.line_number, 'payment_method', jsonb_build_object('fare_id', t.fare_id), t.payment_method::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_attributes.txt' AND 'payment_method' = ANY (h.columns)) AND t.payment_method NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'fare_attributes.txt', t.line_number, 'transfers', jsonb_build_object('fare_id', t.fare_id), t.transfers::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.fare_attributes t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_attributes.txt' AND 'transfers' = ANY (h.columns)) AND t.transfers NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'transfers.txt', t.line_number, 'transfer_type', jsonb_build_object('from_stop_id', t.from_stop_id, 'to_stop_id', t.to_stop_id, 'from_trip_id', t.from_trip_id, 'to_trip_id', t.to_trip_id, 'from_route_id', t.from_route_id, 'to_route_id', t.to_route_id), t.transfer_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.transfers t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'transfers.txt' AND 'transfer_type' = ANY (h.columns)) AND t.transfer_type NOT IN (0,1,2,3,4,5)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'pathways.txt', t.line_number, 'pathway_mode', jsonb_build_object('pathway_id', t.pathway_id), t.pathway_mode::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'pathway_mode' = ANY (h.columns)) AND t.pathway_mode NOT IN (1,2,3,4,5,6,7)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'pathways.txt', t.line_number, 'is_bidirectional', jsonb_build_object('pathway_id', t.pathway_id), t.is_bidirectional::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.pathways t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'pathways.txt' AND 'is_bidirectional' = ANY (h.columns)) AND t.is_bidirectional NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'frequencies.txt', t.line_number, 'exact_times', jsonb_build_object('trip_id', t.trip_id, 'start_time', t.start_time), t.exact_times::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.frequencies t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'frequencies.txt' AND 'exact_times' = ANY (h.columns)) AND t.exact_times NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'attributions.txt', t.line_number, 'is_producer', jsonb_build_object('attribution_id', t.attribution_id), t.is_producer::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'is_producer' = ANY (h.columns)) AND t.is_producer NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'attributions.txt', t.line_number, 'is_operator', jsonb_build_object('attribution_id', t.attribution_id), t.is_operator::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'is_operator' = ANY (h.columns)) AND t.is_operator NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'attributions.txt', t.line_number, 'is_authority', jsonb_build_object('attribution_id', t.attribution_id), t.is_authority::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.attributions t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'attributions.txt' AND 'is_authority' = ANY (h.columns)) AND t.is_authority NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'booking_rules.txt', t.line_number, 'booking_type', jsonb_build_object('booking_rule_id', t.booking_rule_id), t.booking_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.booking_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'booking_rules.txt' AND 'booking_type' = ANY (h.columns)) AND t.booking_type NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'fare_media.txt', t.line_number, 'fare_media_type', jsonb_build_object('fare_media_id', t.fare_media_id), t.fare_media_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.fare_media t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_media.txt' AND 'fare_media_type' = ANY (h.columns)) AND t.fare_media_type NOT IN (0,1,2,3,4)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'rider_categories.txt', t.line_number, 'is_default_fare_category', jsonb_build_object('rider_category_id', t.rider_category_id), t.is_default_fare_category::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.rider_categories t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'rider_categories.txt' AND 'is_default_fare_category' = ANY (h.columns)) AND t.is_default_fare_category NOT IN (0,1)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'fare_transfer_rules.txt', t.line_number, 'duration_limit_type', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), t.duration_limit_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_transfer_rules.txt' AND 'duration_limit_type' = ANY (h.columns)) AND t.duration_limit_type NOT IN (0,1,2,3)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'fare_transfer_rules.txt', t.line_number, 'fare_transfer_type', jsonb_build_object('from_leg_group_id', t.from_leg_group_id, 'to_leg_group_id', t.to_leg_group_id, 'fare_product_id', t.fare_product_id, 'transfer_count', t.transfer_count, 'duration_limit', t.duration_limit), t.fare_transfer_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.fare_transfer_rules t WHERE t.feed_version_id = %(feed_version_id)s AND EXISTS (SELECT 1 FROM gtfs.feed_version_file h WHERE h.feed_version_id = %(feed_version_id)s AND h.filename = 'fare_transfer_rules.txt' AND 'fare_transfer_type' = ANY (h.columns)) AND t.fare_transfer_type NOT IN (0,1,2)
UNION ALL
SELECT t.feed_version_id, 'unexpected_enum_value', 'WARNING', 'routes.txt', t.line_number, 'route_type', jsonb_build_object('route_id', t.route_id), t.route_type::text, NULL::jsonb, 'unexpected_enum_value'
FROM gtfs.routes t WHERE t.feed_version_id = %(feed_version_id)s AND t.route_type NOT IN (0,1,2,3,4,5,6,7,11,12)
  AND NOT (t.route_type BETWEEN 100 AND 1799)  -- extended (Google/HVT) route types;
