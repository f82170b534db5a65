"""The GTFS Schedule reference, defined once.

Everything else is derived from this module: the DDL of the ``gtfs`` tables, the
COPY column lists, the required-file and required-column checks of the loader, the
typed-value checks of the robust load path, and (later) the validation rules.
Nothing else in the project restates a GTFS file name, column or key by hand.

Source: https://gtfs.org/documentation/schedule/reference/ (current revision).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class FieldType(enum.Enum):
    """GTFS field types, as the reference names them.

    Each maps to one PostgreSQL type (see ``SQL_TYPES``). Types the database does
    not check beyond "is text" (URL, email, phone, ...) are kept as text so
    validation can report them without the load failing.
    """

    TEXT = "Text"
    ID = "ID"
    URL = "URL"
    EMAIL = "Email"
    PHONE = "Phone number"
    LANGUAGE = "Language code"
    TIMEZONE = "Timezone"
    COLOR = "Color"
    CURRENCY_CODE = "Currency code"
    CURRENCY_AMOUNT = "Currency amount"
    DATE = "Date"
    TIME = "Time"
    ENUM = "Enum"
    INTEGER = "Integer"
    FLOAT = "Float"
    LATITUDE = "Latitude"
    LONGITUDE = "Longitude"


SQL_TYPES: dict[FieldType, str] = {
    FieldType.TEXT: "text",
    FieldType.ID: "text",
    FieldType.URL: "text",
    FieldType.EMAIL: "text",
    FieldType.PHONE: "text",
    FieldType.LANGUAGE: "text",
    FieldType.TIMEZONE: "text",
    FieldType.COLOR: "text",
    FieldType.CURRENCY_CODE: "text",
    FieldType.CURRENCY_AMOUNT: "numeric",
    FieldType.DATE: "date",
    # GTFS times run past 24:00:00 (service day semantics); an interval keeps the
    # exact value and supports arithmetic. The domain rejects negative values,
    # day parts and fractions so that such text falls to the robust path and is
    # reported instead of being silently reinterpreted.
    FieldType.TIME: "gtfs.gtfs_time",
    FieldType.ENUM: "integer",
    FieldType.INTEGER: "integer",
    FieldType.FLOAT: "double precision",
    FieldType.LATITUDE: "double precision",
    FieldType.LONGITUDE: "double precision",
}


class Range(enum.Enum):
    """A numeric range the reference states in words (validation's ``number_out_of_range``;
    latitudes and longitudes have theirs by type)."""

    NON_NEGATIVE = "Non-negative"
    POSITIVE = "Positive"
    NON_ZERO = "Non-zero"


class Presence(enum.Enum):
    REQUIRED = "Required"
    CONDITIONALLY_REQUIRED = "Conditionally Required"
    OPTIONAL = "Optional"
    CONDITIONALLY_FORBIDDEN = "Conditionally Forbidden"


@dataclass(frozen=True)
class Column:
    name: str
    type: FieldType
    presence: Presence = Presence.OPTIONAL
    # Foreign key: (file name, column name) this column refers to. Enforced by
    # validation, never by a database constraint: real feeds break references
    # and must still load.
    references: tuple[str, str] | None = None
    # Enum: the values the reference defines (validation's unexpected_enum_value). route_type lists
    # only the basic types: like MobilityData's validator, an extended (HVT, 100-1799) type loads and
    # gets that WARNING.
    values: tuple[int, ...] = ()
    range: Range | None = None

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]

    @property
    def required(self) -> bool:
        return self.presence is Presence.REQUIRED


@dataclass(frozen=True)
class GtfsFile:
    name: str  # file name in the zip, e.g. "stops.txt"
    presence: Presence
    columns: tuple[Column, ...]
    # Primary key within one feed version, as the reference defines it. Empty
    # when the reference defines none (the table then has no primary key).
    primary_key: tuple[str, ...] = ()
    # One-line reason for the file's condition when it is conditionally required.
    condition: str = ""
    column_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_by_name", {c.name: c for c in self.columns})

    @property
    def table(self) -> str:
        """Table name: the file name without its extension."""
        return self.name.rsplit(".", 1)[0]

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


R = Presence.REQUIRED
CR = Presence.CONDITIONALLY_REQUIRED
O = Presence.OPTIONAL
CF = Presence.CONDITIONALLY_FORBIDDEN
T = FieldType


def _c(name: str, type_: FieldType, presence: Presence = O, ref: str | None = None, *,
       values: tuple[int, ...] = (), range: Range | None = None) -> Column:
    """Short constructor: ``ref`` is "file.txt.column"."""
    references = None
    if ref:
        file_name, _, column = ref.rpartition(".")
        references = (file_name, column)
    return Column(name, type_, presence, references, values, range)


FILES: tuple[GtfsFile, ...] = (
    GtfsFile(
        "agency.txt",
        R,
        (
            _c("agency_id", T.ID, CR),
            _c("agency_name", T.TEXT, R),
            _c("agency_url", T.URL, R),
            _c("agency_timezone", T.TIMEZONE, R),
            _c("agency_lang", T.LANGUAGE),
            _c("agency_phone", T.PHONE),
            _c("agency_fare_url", T.URL),
            _c("agency_email", T.EMAIL),
            _c("cemv_support", T.ENUM, values=(0, 1, 2)),
        ),
        primary_key=("agency_id",),
    ),
    GtfsFile(
        "stops.txt",
        CR,
        (
            _c("stop_id", T.ID, R),
            _c("stop_code", T.TEXT),
            _c("stop_name", T.TEXT, CR),
            _c("tts_stop_name", T.TEXT),
            _c("stop_desc", T.TEXT),
            _c("stop_lat", T.LATITUDE, CR),
            _c("stop_lon", T.LONGITUDE, CR),
            _c("zone_id", T.ID),
            _c("stop_url", T.URL),
            _c("location_type", T.ENUM, values=(0, 1, 2, 3, 4)),
            _c("parent_station", T.ID, CR, "stops.txt.stop_id"),
            _c("stop_timezone", T.TIMEZONE),
            _c("wheelchair_boarding", T.ENUM, values=(0, 1, 2)),
            _c("level_id", T.ID, O, "levels.txt.level_id"),
            _c("platform_code", T.TEXT),
            _c("stop_access", T.ENUM, CF, values=(0, 1)),
        ),
        primary_key=("stop_id",),
        condition="required unless the feed defines GTFS-Flex locations (locations.geojson)",
    ),
    GtfsFile(
        "routes.txt",
        R,
        (
            _c("route_id", T.ID, R),
            _c("agency_id", T.ID, CR, "agency.txt.agency_id"),
            _c("route_short_name", T.TEXT, CR),
            _c("route_long_name", T.TEXT, CR),
            _c("route_desc", T.TEXT),
            _c("route_type", T.ENUM, R, values=(0, 1, 2, 3, 4, 5, 6, 7, 11, 12)),
            _c("route_url", T.URL),
            _c("route_color", T.COLOR),
            _c("route_text_color", T.COLOR),
            _c("route_sort_order", T.INTEGER, range=Range.NON_NEGATIVE),
            _c("continuous_pickup", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("continuous_drop_off", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("network_id", T.ID, CF),
            _c("cemv_support", T.ENUM, values=(0, 1, 2)),
        ),
        primary_key=("route_id",),
    ),
    GtfsFile(
        "trips.txt",
        R,
        (
            _c("route_id", T.ID, R, "routes.txt.route_id"),
            _c("service_id", T.ID, R),
            _c("trip_id", T.ID, R),
            _c("trip_headsign", T.TEXT),
            _c("trip_short_name", T.TEXT),
            _c("direction_id", T.ENUM, values=(0, 1)),
            _c("block_id", T.ID),
            _c("shape_id", T.ID, CR, "shapes.txt.shape_id"),
            _c("wheelchair_accessible", T.ENUM, values=(0, 1, 2)),
            _c("bikes_allowed", T.ENUM, values=(0, 1, 2)),
            _c("cars_allowed", T.ENUM, values=(0, 1, 2)),
            # GTFS-Flex trip durations, as MobilityData's GtfsTripSchema knows them (not unknown columns there).
            _c("safe_duration_factor", T.FLOAT),
            _c("safe_duration_offset", T.FLOAT),
        ),
        primary_key=("trip_id",),
    ),
    GtfsFile(
        "stop_times.txt",
        R,
        (
            _c("trip_id", T.ID, R, "trips.txt.trip_id"),
            _c("arrival_time", T.TIME, CR),
            _c("departure_time", T.TIME, CR),
            _c("stop_id", T.ID, CR, "stops.txt.stop_id"),
            _c("location_group_id", T.ID, CF, "location_groups.txt.location_group_id"),
            _c("location_id", T.ID, CF, "locations.geojson.id"),
            _c("stop_sequence", T.INTEGER, R, range=Range.NON_NEGATIVE),
            _c("stop_headsign", T.TEXT),
            _c("start_pickup_drop_off_window", T.TIME, CR),
            _c("end_pickup_drop_off_window", T.TIME, CR),
            _c("pickup_type", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("drop_off_type", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("continuous_pickup", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("continuous_drop_off", T.ENUM, CF, values=(0, 1, 2, 3)),
            _c("shape_dist_traveled", T.FLOAT, range=Range.NON_NEGATIVE),
            _c("timepoint", T.ENUM, values=(0, 1)),
            _c("pickup_booking_rule_id", T.ID, O, "booking_rules.txt.booking_rule_id"),
            _c("drop_off_booking_rule_id", T.ID, O, "booking_rules.txt.booking_rule_id"),
        ),
        primary_key=("trip_id", "stop_sequence"),
    ),
    GtfsFile(
        "calendar.txt",
        CR,
        (
            _c("service_id", T.ID, R),
            _c("monday", T.ENUM, R, values=(0, 1)),
            _c("tuesday", T.ENUM, R, values=(0, 1)),
            _c("wednesday", T.ENUM, R, values=(0, 1)),
            _c("thursday", T.ENUM, R, values=(0, 1)),
            _c("friday", T.ENUM, R, values=(0, 1)),
            _c("saturday", T.ENUM, R, values=(0, 1)),
            _c("sunday", T.ENUM, R, values=(0, 1)),
            _c("start_date", T.DATE, R),
            _c("end_date", T.DATE, R),
        ),
        primary_key=("service_id",),
        condition="required unless all service dates are in calendar_dates.txt",
    ),
    GtfsFile(
        "calendar_dates.txt",
        CR,
        (
            _c("service_id", T.ID, R),
            _c("date", T.DATE, R),
            _c("exception_type", T.ENUM, R, values=(1, 2)),
        ),
        primary_key=("service_id", "date"),
        condition="required if calendar.txt is omitted",
    ),
    GtfsFile(
        "fare_attributes.txt",
        O,
        (
            _c("fare_id", T.ID, R),
            _c("price", T.FLOAT, R, range=Range.NON_NEGATIVE),
            _c("currency_type", T.CURRENCY_CODE, R),
            _c("payment_method", T.ENUM, R, values=(0, 1)),
            # Required, but "empty" is a valid value (unlimited transfers).
            _c("transfers", T.ENUM, R, values=(0, 1, 2)),
            _c("agency_id", T.ID, CR, "agency.txt.agency_id"),
            _c("transfer_duration", T.INTEGER, range=Range.NON_NEGATIVE),
        ),
        primary_key=("fare_id",),
    ),
    GtfsFile(
        "fare_rules.txt",
        O,
        (
            _c("fare_id", T.ID, R, "fare_attributes.txt.fare_id"),
            _c("route_id", T.ID, O, "routes.txt.route_id"),
            _c("origin_id", T.ID, O, "stops.txt.zone_id"),
            _c("destination_id", T.ID, O, "stops.txt.zone_id"),
            _c("contains_id", T.ID, O, "stops.txt.zone_id"),
        ),
        primary_key=(),  # reference: Primary key (*)
    ),
    GtfsFile(
        "timeframes.txt",
        O,
        (
            _c("timeframe_group_id", T.ID, R),
            # "Local time" in the reference (wall clock, at most 24:00:00).
            _c("start_time", T.TIME, CR),
            _c("end_time", T.TIME, CR),
            # calendar.service_id or calendar_dates.service_id: no single target.
            _c("service_id", T.ID, R),
        ),
        primary_key=(),  # reference: Primary key (*)
    ),
    GtfsFile(
        "rider_categories.txt",
        O,
        (
            _c("rider_category_id", T.ID, R),
            _c("rider_category_name", T.TEXT, R),
            _c("is_default_fare_category", T.ENUM, R, values=(0, 1)),
            _c("eligibility_url", T.URL),
        ),
        primary_key=("rider_category_id",),
    ),
    GtfsFile(
        "fare_media.txt",
        O,
        (
            _c("fare_media_id", T.ID, R),
            _c("fare_media_name", T.TEXT),
            _c("fare_media_type", T.ENUM, R, values=(0, 1, 2, 3, 4)),
        ),
        primary_key=("fare_media_id",),
    ),
    GtfsFile(
        "fare_products.txt",
        O,
        (
            _c("fare_product_id", T.ID, R),
            _c("fare_product_name", T.TEXT),
            _c("rider_category_id", T.ID, O, "rider_categories.txt.rider_category_id"),
            _c("fare_media_id", T.ID, O, "fare_media.txt.fare_media_id"),
            _c("amount", T.CURRENCY_AMOUNT, R),
            _c("currency", T.CURRENCY_CODE, R),
        ),
        primary_key=("fare_product_id", "rider_category_id", "fare_media_id"),
    ),
    GtfsFile(
        "fare_leg_rules.txt",
        O,
        (
            _c("leg_group_id", T.ID),
            # routes.network_id or networks.network_id: no single target.
            _c("network_id", T.ID),
            _c("from_area_id", T.ID, O, "areas.txt.area_id"),
            _c("to_area_id", T.ID, O, "areas.txt.area_id"),
            _c("from_timeframe_group_id", T.ID, O, "timeframes.txt.timeframe_group_id"),
            _c("to_timeframe_group_id", T.ID, O, "timeframes.txt.timeframe_group_id"),
            _c("fare_product_id", T.ID, R, "fare_products.txt.fare_product_id"),
            _c("rule_priority", T.INTEGER),
        ),
        primary_key=(
            "network_id",
            "from_area_id",
            "to_area_id",
            "from_timeframe_group_id",
            "to_timeframe_group_id",
            "fare_product_id",
        ),
    ),
    GtfsFile(
        "fare_leg_join_rules.txt",
        O,
        (
            # routes.network_id or networks.network_id: no single target.
            _c("from_network_id", T.ID, R),
            _c("to_network_id", T.ID, R),
            _c("from_stop_id", T.ID, CR, "stops.txt.stop_id"),
            _c("to_stop_id", T.ID, CR, "stops.txt.stop_id"),
        ),
        primary_key=("from_network_id", "to_network_id", "from_stop_id", "to_stop_id"),
    ),
    GtfsFile(
        "fare_transfer_rules.txt",
        O,
        (
            _c("from_leg_group_id", T.ID, O, "fare_leg_rules.txt.leg_group_id"),
            _c("to_leg_group_id", T.ID, O, "fare_leg_rules.txt.leg_group_id"),
            _c("transfer_count", T.INTEGER, CF),
            _c("duration_limit", T.INTEGER),
            _c("duration_limit_type", T.ENUM, CR, values=(0, 1, 2, 3)),
            _c("fare_transfer_type", T.ENUM, R, values=(0, 1, 2)),
            _c("fare_product_id", T.ID, O, "fare_products.txt.fare_product_id"),
        ),
        primary_key=(
            "from_leg_group_id",
            "to_leg_group_id",
            "fare_product_id",
            "transfer_count",
            "duration_limit",
        ),
    ),
    GtfsFile(
        "areas.txt",
        O,
        (
            _c("area_id", T.ID, R),
            _c("area_name", T.TEXT),
        ),
        primary_key=("area_id",),
    ),
    GtfsFile(
        "stop_areas.txt",
        O,
        (
            _c("area_id", T.ID, R, "areas.txt.area_id"),
            _c("stop_id", T.ID, R, "stops.txt.stop_id"),
        ),
        primary_key=(),  # reference: Primary key (*)
    ),
    GtfsFile(
        "networks.txt",
        CF,
        (
            _c("network_id", T.ID, R),
            _c("network_name", T.TEXT),
        ),
        primary_key=("network_id",),
        condition="forbidden if network_id exists in routes.txt",
    ),
    GtfsFile(
        "route_networks.txt",
        CF,
        (
            _c("network_id", T.ID, R, "networks.txt.network_id"),
            _c("route_id", T.ID, R, "routes.txt.route_id"),
        ),
        primary_key=("route_id",),
        condition="forbidden if network_id exists in routes.txt",
    ),
    GtfsFile(
        "shapes.txt",
        O,
        (
            _c("shape_id", T.ID, R),
            _c("shape_pt_lat", T.LATITUDE, R),
            _c("shape_pt_lon", T.LONGITUDE, R),
            _c("shape_pt_sequence", T.INTEGER, R, range=Range.NON_NEGATIVE),
            _c("shape_dist_traveled", T.FLOAT, range=Range.NON_NEGATIVE),
        ),
        primary_key=("shape_id", "shape_pt_sequence"),
    ),
    GtfsFile(
        "frequencies.txt",
        O,
        (
            _c("trip_id", T.ID, R, "trips.txt.trip_id"),
            _c("start_time", T.TIME, R),
            _c("end_time", T.TIME, R),
            _c("headway_secs", T.INTEGER, R, range=Range.POSITIVE),
            _c("exact_times", T.ENUM, values=(0, 1)),
        ),
        primary_key=("trip_id", "start_time"),
    ),
    GtfsFile(
        "transfers.txt",
        O,
        (
            _c("from_stop_id", T.ID, CR, "stops.txt.stop_id"),
            _c("to_stop_id", T.ID, CR, "stops.txt.stop_id"),
            _c("from_route_id", T.ID, O, "routes.txt.route_id"),
            _c("to_route_id", T.ID, O, "routes.txt.route_id"),
            _c("from_trip_id", T.ID, CR, "trips.txt.trip_id"),
            _c("to_trip_id", T.ID, CR, "trips.txt.trip_id"),
            _c("transfer_type", T.ENUM, R, values=(0, 1, 2, 3, 4, 5)),
            _c("min_transfer_time", T.INTEGER, range=Range.NON_NEGATIVE),
        ),
        primary_key=(
            "from_stop_id",
            "to_stop_id",
            "from_trip_id",
            "to_trip_id",
            "from_route_id",
            "to_route_id",
        ),
    ),
    GtfsFile(
        "pathways.txt",
        O,
        (
            _c("pathway_id", T.ID, R),
            _c("from_stop_id", T.ID, R, "stops.txt.stop_id"),
            _c("to_stop_id", T.ID, R, "stops.txt.stop_id"),
            _c("pathway_mode", T.ENUM, R, values=(1, 2, 3, 4, 5, 6, 7)),
            _c("is_bidirectional", T.ENUM, R, values=(0, 1)),
            _c("length", T.FLOAT, range=Range.NON_NEGATIVE),
            _c("traversal_time", T.INTEGER, range=Range.POSITIVE),
            _c("stair_count", T.INTEGER, range=Range.NON_ZERO),
            _c("max_slope", T.FLOAT),
            _c("min_width", T.FLOAT, range=Range.POSITIVE),
            _c("signposted_as", T.TEXT),
            _c("reversed_signposted_as", T.TEXT),
        ),
        primary_key=("pathway_id",),
    ),
    GtfsFile(
        "levels.txt",
        CR,
        (
            _c("level_id", T.ID, R),
            _c("level_index", T.FLOAT, R),
            _c("level_name", T.TEXT),
        ),
        primary_key=("level_id",),
        condition="required when pathways.txt describes elevators (pathway_mode=5)",
    ),
    GtfsFile(
        "location_groups.txt",
        O,
        (
            _c("location_group_id", T.ID, R),
            _c("location_group_name", T.TEXT),
        ),
        primary_key=("location_group_id",),
    ),
    GtfsFile(
        "location_group_stops.txt",
        O,
        (
            _c("location_group_id", T.ID, R, "location_groups.txt.location_group_id"),
            _c("stop_id", T.ID, R, "stops.txt.stop_id"),
        ),
        primary_key=(),  # reference: Primary key (*)
    ),
    GtfsFile(
        "booking_rules.txt",
        O,
        (
            _c("booking_rule_id", T.ID, R),
            _c("booking_type", T.ENUM, R, values=(0, 1, 2)),
            _c("prior_notice_duration_min", T.INTEGER, CR),
            _c("prior_notice_duration_max", T.INTEGER, CF),
            _c("prior_notice_last_day", T.INTEGER, CR),
            _c("prior_notice_last_time", T.TIME, CR),
            _c("prior_notice_start_day", T.INTEGER, CF),
            _c("prior_notice_start_time", T.TIME, CR),
            _c("prior_notice_service_id", T.ID, CF, "calendar.txt.service_id"),
            _c("message", T.TEXT),
            _c("pickup_message", T.TEXT),
            _c("drop_off_message", T.TEXT),
            _c("phone_number", T.PHONE),
            _c("info_url", T.URL),
            _c("booking_url", T.URL),
        ),
        primary_key=("booking_rule_id",),
    ),
    GtfsFile(
        "translations.txt",
        O,
        (
            # An Enum whose values are file names (agency, stops, ...): text, not an integer.
            _c("table_name", T.TEXT, R),
            _c("field_name", T.TEXT, R),
            _c("language", T.LANGUAGE, R),
            # "Text or URL or Email or Phone number" in the reference.
            _c("translation", T.TEXT, R),
            # Polymorphic: the target table depends on table_name.
            _c("record_id", T.ID, CR),
            _c("record_sub_id", T.ID, CR),
            _c("field_value", T.TEXT, CR),
        ),
        primary_key=(
            "table_name",
            "field_name",
            "language",
            "record_id",
            "record_sub_id",
            "field_value",
        ),
    ),
    GtfsFile(
        "feed_info.txt",
        CR,
        (
            _c("feed_publisher_name", T.TEXT, R),
            _c("feed_publisher_url", T.URL, R),
            _c("feed_lang", T.LANGUAGE, R),
            _c("default_lang", T.LANGUAGE),
            # "Recommended" in the reference; the model has no such presence.
            _c("feed_start_date", T.DATE),
            _c("feed_end_date", T.DATE),
            _c("feed_version", T.TEXT),
            _c("feed_contact_email", T.EMAIL),
            _c("feed_contact_url", T.URL),
        ),
        primary_key=(),  # reference: Primary key (none), a single row
        condition="required if translations.txt is provided",
    ),
    GtfsFile(
        "attributions.txt",
        O,
        (
            _c("attribution_id", T.ID),
            _c("agency_id", T.ID, O, "agency.txt.agency_id"),
            _c("route_id", T.ID, O, "routes.txt.route_id"),
            _c("trip_id", T.ID, O, "trips.txt.trip_id"),
            _c("organization_name", T.TEXT, R),
            _c("is_producer", T.ENUM, values=(0, 1)),
            _c("is_operator", T.ENUM, values=(0, 1)),
            _c("is_authority", T.ENUM, values=(0, 1)),
            _c("attribution_url", T.URL),
            _c("attribution_email", T.EMAIL),
            _c("attribution_phone", T.PHONE),
        ),
        primary_key=("attribution_id",),
    ),
)

FILE_BY_NAME: dict[str, GtfsFile] = {f.name: f for f in FILES}

# GTFS-Flex zones: one GeoJSON FeatureCollection, kept as one row per feature.
LOCATIONS_GEOJSON = "locations.geojson"


# Files without which a feed cannot be used: a required column missing from one of
# them fails the feed. Other files with a required column missing are kept as
# they are (gtfs.extra_file_row) with a notice.
USABILITY_FILES: frozenset[str] = frozenset(
    {f.name for f in FILES if f.presence is Presence.REQUIRED} | {"stops.txt", "calendar.txt", "calendar_dates.txt"}
)


@dataclass(frozen=True)
class MissingFile:
    """A requirement on the feed's files that is not met, with MobilityData's notice code for it
    (recorded on the failed version, so its notices say what the canonical validator would)."""

    code: str  # missing_required_file or missing_calendar_and_calendar_date_files
    filename: str | None
    message: str


def missing_required_files(present: set[str]) -> list[MissingFile]:
    """Which required files are missing, given the names of the files present.

    One entry per missing requirement, applying the reference's conditions (calendar or
    calendar_dates; stops unless Flex locations exist). Only conditions that make a feed
    unusable are here; the others (feed_info when translations are provided, ...) are
    validation notices.
    """
    missing = [
        MissingFile("missing_required_file", f.name, f"required file {f.name} is missing")
        for f in FILES
        if f.presence is Presence.REQUIRED and f.name not in present
    ]
    if "calendar.txt" not in present and "calendar_dates.txt" not in present:
        missing.append(MissingFile("missing_calendar_and_calendar_date_files", None,
                                   "neither calendar.txt nor calendar_dates.txt is present (one is required)"))
    if "stops.txt" not in present and LOCATIONS_GEOJSON not in present:
        missing.append(MissingFile("missing_required_file", "stops.txt",
                                   "stops.txt is missing (required unless locations.geojson is present)"))
    return missing
