"""MobilityData's notice codes, defined once: severity, documentation link, canonical or the project's own.

The canonical codes are those of MobilityData's GTFS Schedule validator v8.0.1 (the Java source:
``main/src/main/java/org/mobilitydata/gtfsvalidator``), without the notices it keeps only under
``deprecated/`` (``DEPRECATED`` maps them to their successor, where there is one). Each canonical
code's documentation is a section of MobilityData's rules page (``doc_url``). The project writes a
few codes of its own (``EXTRAS``): they are reported beside the canonical ones, never in place of one.

Validation rules (include/sql/validation/<code>.sql), the loader and geometry write notices with
these codes; tests/test_notice_codes.py checks that every code they may write is listed here with
the severity they write. The report and ``gtfs.notice_summary`` consumers read ``code_info``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

DOC_URL = "https://gtfs-validator.mobilitydata.org/rules.html#{code}-rule"
VALIDATOR_VERSION = "8.0.1"


class Origin(enum.Enum):
    CANONICAL = "canonical"  # a current MobilityData code
    EXTRA = "extra"          # the project's own code


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: str
    origin: Origin
    doc_url: str | None  # MobilityData's documentation of the code (None for extras)
    meaning: str = ""    # for extras: what it reports (canonical codes: see doc_url)

    @property
    def canonical(self) -> bool:
        return self.origin is Origin.CANONICAL


# Current codes by severity (v8.0.1).
_CANONICAL = {
    "ERROR": """
    bidirectional_exit_gate block_trips_with_overlapping_stop_times csv_parsing_failed
    decreasing_or_equal_stop_time_distance decreasing_shape_distance duplicate_geo_json_key
    duplicate_geography_id duplicate_key duplicated_column empty_column_name empty_file
    equal_shape_distance_diff_coordinates fare_product_with_multiple_default_rider_categories
    fare_transfer_rule_duration_limit_type_without_duration_limit
    fare_transfer_rule_duration_limit_without_type fare_transfer_rule_invalid_transfer_count
    fare_transfer_rule_with_forbidden_transfer_count fare_transfer_rule_without_transfer_count
    forbidden_arrival_or_departure_time forbidden_continuous_pickup_drop_off forbidden_drop_off_type
    forbidden_geography_id forbidden_pickup_type forbidden_prior_day_booking_field_value
    forbidden_prior_notice_start_day forbidden_prior_notice_start_time
    forbidden_real_time_booking_field_value forbidden_same_day_booking_field_value
    forbidden_shape_dist_traveled foreign_key_violation geo_json_duplicated_element i_o_error
    inconsistent_agency_timezone invalid_character invalid_color invalid_currency invalid_currency_amount
    invalid_date invalid_email invalid_float invalid_geometry invalid_input_files_in_subfolder
    invalid_integer invalid_language_code invalid_phone_number invalid_pickup_drop_off_window
    invalid_prior_notice_duration_min invalid_row_length invalid_time invalid_timezone invalid_url
    location_with_unexpected_stop_time location_without_parent_station malformed_json
    missing_calendar_and_calendar_date_files missing_level_id missing_pickup_or_drop_off_window
    missing_prior_notice_duration_min missing_prior_notice_last_day missing_prior_notice_last_time
    missing_prior_notice_start_time missing_required_agency_id missing_required_column
    missing_required_element missing_required_field missing_required_file missing_stop_name
    missing_stop_times_record missing_trip_edge new_line_in_value number_out_of_range overlapping_frequency
    overlapping_zone_and_pickup_drop_off_window pathway_to_platform_with_boarding_areas
    pathway_to_stop_with_access_outside_of_station_pathways pathway_to_wrong_location_type
    pathway_unreachable_location point_near_origin point_near_pole prior_notice_last_day_after_start_day
    route_both_short_and_long_name_missing route_networks_specified_in_more_than_one_file
    runtime_exception_in_loader_error runtime_exception_in_validator_error start_and_end_range_equal
    start_and_end_range_out_of_order station_with_parent_station
    stop_access_specified_for_incorrect_location stop_access_specified_for_stop_with_no_parent_station
    stop_time_timepoint_without_times stop_time_with_arrival_before_previous_departure_time
    stop_time_with_only_arrival_or_departure_time stop_without_location thread_execution_error
    timeframe_only_start_or_end_time_specified timeframe_overlap
    timeframe_start_or_end_time_greater_than_twenty_four_hours too_many_rows
    transfer_with_invalid_stop_location_type transfer_with_invalid_trip_and_route
    transfer_with_invalid_trip_and_stop translation_foreign_key_violation translation_unexpected_value
    trip_distance_exceeds_shape_distance u_r_i_syntax_error unsupported_feature_type
    unsupported_geo_json_type unsupported_geometry_type wrong_parent_location_type
""",
    "WARNING": """
    attribution_without_role duplicate_fare_media duplicate_route_name empty_row
    equal_shape_distance_diff_coordinates_distance_below_threshold equal_shape_distance_same_coordinates
    expired_calendar fast_travel_between_consecutive_stops fast_travel_between_far_stops
    feed_expiration_date30_days feed_expiration_date7_days feed_info_lang_and_agency_lang_mismatch
    inconsistent_agency_lang inconsistent_route_type_for_block_id
    inconsistent_route_type_for_in_seat_transfer leading_or_trailing_whitespaces missing_bike_allowance
    missing_feed_contact_email_and_url missing_feed_info_date missing_pickup_drop_off_booking_rule_id
    missing_recommended_field missing_recommended_file missing_timepoint_value mixed_case_recommended_field
    more_than_one_entity non_ascii_or_non_printable_char pathway_dangling_generic_node pathway_loop
    route_color_contrast route_long_name_contains_short_name route_short_name_too_long
    same_name_and_description_for_route same_name_and_description_for_stop same_route_and_agency_url
    same_stop_and_agency_url same_stop_and_route_url service_has_no_active_day_of_the_week
    single_shape_point stop_has_too_many_matches_for_shape stop_too_far_from_shape
    stop_too_far_from_shape_using_user_distance stop_without_stop_time stops_match_shape_out_of_order
    transfer_distance_too_large transfer_with_suspicious_mid_trip_in_seat translation_unknown_table_name
    trip_coverage_not_active_for_next7_days trip_distance_exceeds_shape_distance_below_threshold
    unexpected_enum_value unusable_trip unused_shape unused_trip
""",
    "INFO": """
    big_gap_in_service feed_valid_beyond_total_service_window future_calendar future_feed
    geo_json_unknown_element platform_without_parent_station service_extends_far_in_the_future
    service_window_outside_feed_period stop_without_zone_id transfer_distance_above_2_km
    trip_headsign_matches_intermediate_stop trip_with_shape_dist_traveled_but_no_shape_distances
    unknown_column unknown_file unsorted_stop_times unused_station
""",
}

# Notices MobilityData keeps only as deprecated (main/.../gtfsvalidator/deprecated/): never written here.
# The value is the current code that took its place (None: dropped without a successor).
DEPRECATED: dict[str, str | None] = {
    "fare_transfer_rule_missing_transfer_count": "fare_transfer_rule_without_transfer_count",
    "missing_prior_day_booking_field_value": "missing_prior_notice_last_day",
    "missing_recommended_column": None,
    "unused_parent_station": "unused_station",
    # Codes of older MobilityData versions that earlier project versions wrote.
    "duplicate_fare_rule_zone_id_fields": "duplicate_key",
    "equal_shape_distance_diff_coordinates_warning": "equal_shape_distance_diff_coordinates_distance_below_threshold",
}

# The project's own codes: (severity, what they report). Reported beside the canonical codes.
EXTRAS: dict[str, tuple[str, str]] = {
    "non_utf8_encoding": ("WARNING", "A file is not UTF-8; the loader decoded it with the encoding named and kept its rows"
                                     " (the values with undecodable bytes are also invalid_character)."),
    "ignored_member": ("INFO", "A zip member that is not part of the feed (operating-system junk such as __MACOSX/)"
                               " was skipped."),
    "unquoted_value_trimmed": ("INFO", "A value not in quotes had spaces or tabs around it; they were trimmed (MobilityData's"
                                       " CSV reader trims such values silently and reports"
                                       " leading_or_trailing_whitespaces only inside quotes)."),
    "repeated_shape_points": ("INFO", "A shape has consecutive points with equal coordinates (kept in its line)."),
    "shape_without_line": ("WARNING", "A shape has fewer than two distinct usable points: no line was built; its trips"
                                      " get lines derived from their stops."),
}

# Canonical codes that cannot apply to a load into the database, with the reason (docs/validation.md).
NOT_APPLICABLE: dict[str, str] = {
    "i_o_error": "an I/O failure of the Java validator; here a read error fails the load with the file and line named",
    "runtime_exception_in_loader_error": "a crash of the Java validator's loader; here errors are exceptions that fail the load",
    "runtime_exception_in_validator_error": "a crash of one Java validator class; here a failing rule is listed in"
                                            " validate_version's 'failed' and the others still run",
    "thread_execution_error": "a failure of the Java validator's thread pool; no such pool here",
    "u_r_i_syntax_error": "the Java validator's input URI could not be parsed; here the feed URL is checked by fetch",
    "too_many_rows": "the Java validator's in-memory row limit; the database has none (files stream through COPY)",
    "invalid_phone_number": "the Java validator checks phone numbers only for a country code given on its command line"
                            " (libphonenumber's isPossibleNumber for that region) and reports none without one, its"
                            " default; a feed here has no country, so none are reported either",
}


def _severities() -> dict[str, str]:
    return {code: severity for severity, text in _CANONICAL.items() for code in text.split()}


CANONICAL: dict[str, str] = _severities()


def code_info(code: str) -> CodeInfo:
    """Severity, origin and documentation link of a code the project may write.

    Raises KeyError for a code that is neither canonical nor one of the project's extras."""
    if code in CANONICAL:
        return CodeInfo(code, CANONICAL[code], Origin.CANONICAL, DOC_URL.format(code=code))
    severity, meaning = EXTRAS[code]
    return CodeInfo(code, severity, Origin.EXTRA, None, meaning)


def all_codes() -> list[CodeInfo]:
    """Every canonical code and every extra, in code order."""
    return [code_info(c) for c in sorted({*CANONICAL, *EXTRAS})]


def is_extra(code: str) -> bool:
    return code in EXTRAS
