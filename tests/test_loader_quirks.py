"""The loader takes real-world mess: each test is one quirk, with the exact rows expected."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from feedbuilder import MINIMAL, write_feed
from gtfs_pipeline import versions
from gtfs_pipeline.errors import FeedError


def load(conn, path, feed_id="f", **kw):
    """Load only: these specs are about the loader's own rows and notices."""
    kw.setdefault("geometry", False)
    kw.setdefault("validate", False)
    version_id, results = versions.load_feed(conn, path, feed_id, **kw)
    return version_id, {r.filename: r for r in results}


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def notices(conn, version_id, code=None):
    return rows(conn, "SELECT code, filename, line_number, field_name, value FROM gtfs.notice"
                      " WHERE feed_version_id = %s AND (%s::text IS NULL OR code = %s) ORDER BY notice_id",
                version_id, code, code)


def test_minimal_feed_loads_typed_and_published(conn, tmp_path):
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {}))
    assert res["stop_times.txt"].rows == 2
    assert res["stop_times.txt"].load_path == "fast"
    assert rows(conn, "SELECT trip_id, arrival_time::text, stop_sequence, line_number FROM gtfs_current.stop_times"
                      " ORDER BY stop_sequence") == [("T1", "08:00:00", 1, 2), ("T1", "08:10:00", 2, 3)]
    assert rows(conn, "SELECT start_date, end_date FROM gtfs.calendar") == [(dt.date(2024, 1, 1), dt.date(2024, 12, 31))]
    assert rows(conn, "SELECT status, service_start_date, service_end_date FROM gtfs.feed_version"
                      " WHERE feed_version_id = %s", vid) == [("published", dt.date(2024, 1, 1), dt.date(2024, 12, 31))]
    assert notices(conn, vid) == []


def test_bom_and_crlf(conn, tmp_path):
    stops = "\ufeffstop_id,stop_name,stop_lat,stop_lon\r\nS1,First,52.5,13.4\r\nS2,Second,52.51,13.41\r\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].load_path == "fast"
    assert rows(conn, "SELECT stop_id, stop_name FROM gtfs.stops ORDER BY 1") == [("S1", "First"), ("S2", "Second")]


def test_quoted_commas_and_newlines(conn, tmp_path):
    stops = ('stop_id,stop_name,stop_lat,stop_lon\nS1,"Main St, North",52.5,13.4\nS2,"Two\nLines",52.51,13.41\n'
             'S3,"Say ""hi""",52.52,13.42\n')
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].load_path == "fast"
    assert rows(conn, "SELECT stop_name, line_number FROM gtfs.stops ORDER BY stop_id") == [
        ("Main St, North", 2), ("Two\nLines", 3), ('Say "hi"', 5)]


def test_padded_values_out_of_quotes_are_trimmed_with_the_projects_own_notice(conn, tmp_path):
    """MobilityData's reader trims unquoted values silently: not its leading_or_trailing_whitespaces,
    but the trim is still said (unquoted_value_trimmed, INFO)."""
    stops = "stop_id,stop_name,stop_lat,stop_lon\n S1 ,First , 52.5 ,13.4\nS2,Second,52.51,13.41\n"
    vid, _ = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert rows(conn, "SELECT stop_id, stop_name, stop_lat FROM gtfs.stops ORDER BY 1") == [
        ("S1", "First", 52.5), ("S2", "Second", 52.51)]
    assert notices(conn, vid, "leading_or_trailing_whitespaces") == []
    assert notices(conn, vid, "unquoted_value_trimmed") == [
        ("unquoted_value_trimmed", "stops.txt", 2, "stop_id", " S1 "),
        ("unquoted_value_trimmed", "stops.txt", 2, "stop_name", "First "),
    ]


def test_padding_in_and_out_of_quotes_on_one_line_each_gets_its_own_code(conn, tmp_path):
    stops = ('stop_id,stop_name,stop_desc,stop_lat,stop_lon\n'
             'S1, "Gare, Nord ", Quai ,52.5,13.4\n'
             'S2,"Two\nlines","  in quotes",52.51,13.41\n')
    vid, _ = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert rows(conn, "SELECT stop_id, stop_name, stop_desc FROM gtfs.stops ORDER BY 1") == [
        ("S1", "Gare, Nord", "Quai"), ("S2", "Two\nlines", "in quotes")]
    assert sorted(notices(conn, vid, "leading_or_trailing_whitespaces") + notices(conn, vid, "unquoted_value_trimmed")) == [
        ("leading_or_trailing_whitespaces", "stops.txt", 2, "stop_name", " Gare, Nord "),
        ("leading_or_trailing_whitespaces", "stops.txt", 3, "stop_desc", "  in quotes"),
        ("unquoted_value_trimmed", "stops.txt", 2, "stop_desc", " Quai "),
    ]


def test_padded_values_in_quotes_are_trimmed_and_reported_on_the_fast_path(conn, tmp_path):
    # As bart-20230213's stops.txt: the padding is inside the quotes, next to no comma.
    stops = ('"stop_id","stop_name","stop_lat","stop_lon"\n"S1","Station entrance (South) ","52.5","13.4"\n'
             '"S2"," Second","52.51","13.41"\n')
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].load_path == "fast"
    assert rows(conn, "SELECT stop_id, stop_name FROM gtfs.stops ORDER BY 1") == [
        ("S1", "Station entrance (South)"), ("S2", "Second")]
    assert notices(conn, vid, "leading_or_trailing_whitespaces") == [
        ("leading_or_trailing_whitespaces", "stops.txt", 2, "stop_name", "Station entrance (South) "),
        ("leading_or_trailing_whitespaces", "stops.txt", 3, "stop_name", " Second"),
    ]


def test_blank_lines_and_no_final_newline(conn, tmp_path):
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\n\nS2,Second,52.51,13.41"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].rows == 2
    assert rows(conn, "SELECT stop_id, line_number FROM gtfs.stops ORDER BY 1") == [("S1", 2), ("S2", 4)]
    assert notices(conn, vid, "empty_row") == [("empty_row", "stops.txt", 3, None, None)]


def test_one_digit_hours_and_times_past_midnight(conn, tmp_path):
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,6:05:00,6:05:00,S1,1\nT1,99:59:59,99:59:59,S2,2\n")
    load(conn, write_feed(tmp_path / "f.zip", {"stop_times.txt": st}))
    assert rows(conn, "SELECT arrival_time::text, extract(epoch FROM departure_time)::int FROM gtfs.stop_times"
                      " ORDER BY stop_sequence") == [("06:05:00", 21900), ("99:59:59", 359999)]


def test_header_only_file(conn, tmp_path):
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"calendar_dates.txt": "service_id,date,exception_type\n"}))
    assert res["calendar_dates.txt"].rows == 0
    assert rows(conn, "SELECT count(*) FROM gtfs.calendar_dates") == [(0,)]


def test_files_in_one_top_level_folder_with_junk(conn, tmp_path):
    path = write_feed(tmp_path / "f.zip", {}, folder="gtfs-2024/")
    import zipfile
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("__MACOSX/gtfs-2024/._stops.txt", b"\x00\x05\x16\x07")
        zf.writestr("gtfs-2024/.DS_Store", b"\x00\x00\x00\x01Bud1")
        zf.writestr("desktop.ini", "[.ShellClassInfo]\n")
    vid, res = load(conn, path)
    assert set(res) == set(MINIMAL)
    assert rows(conn, "SELECT archive_path FROM gtfs.feed_version_file WHERE filename = 'stops.txt'") == [
        ("gtfs-2024/stops.txt",)]
    assert sorted(r[1] for r in notices(conn, vid, "ignored_member")) == [
        "__MACOSX/gtfs-2024/._stops.txt", "desktop.ini", "gtfs-2024/.DS_Store"]


def test_files_in_a_folder_load_with_the_canonical_notice(conn, tmp_path):
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {}, folder="gtfs-2024/"))
    assert set(res) == set(MINIMAL)
    assert rows(conn, "SELECT severity, context->>'folder' FROM gtfs.notice WHERE feed_version_id = %s"
                      " AND code = 'invalid_input_files_in_subfolder'", vid) == [("ERROR", "gtfs-2024/")]


def test_latin1_text_is_detected_and_transcoded(conn, tmp_path):
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,Tr\u00f8ndelag,52.5,13.4\nS2,M\u00fcnchen,52.51,13.41\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops.encode("cp1252")}))
    assert res["stops.txt"].encoding == "cp1252"
    assert rows(conn, "SELECT stop_name FROM gtfs.stops ORDER BY 1") == [("M\u00fcnchen",), ("Tr\u00f8ndelag",)]
    assert sorted((n[0], n[2], n[3]) for n in notices(conn, vid)) == [
        ("invalid_character", 2, "stop_name"), ("invalid_character", 3, "stop_name"), ("non_utf8_encoding", None, None)]


def test_unknown_columns_are_kept_in_extras(conn, tmp_path):
    stops = "stop_id,stop_name,stop_lat,stop_lon,platform_level,x\nS1,First,52.5,13.4,2,\nS2,Second,52.51,13.41,,y\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].unknown_columns == ["platform_level", "x"]
    assert rows(conn, "SELECT stop_id, extras FROM gtfs.stops ORDER BY 1") == [
        ("S1", {"platform_level": "2"}), ("S2", {"x": "y"})]
    assert [(n[0], n[3]) for n in notices(conn, vid, "unknown_column")] == [
        ("unknown_column", "platform_level"), ("unknown_column", "x")]


def test_duplicate_and_empty_header_names(conn, tmp_path):
    stops = "stop_id,stop_name,stop_name,,stop_lat,stop_lon\nS1,First,Erste,z,52.5,13.4\n"
    vid, _ = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert rows(conn, "SELECT stop_name, extras FROM gtfs.stops") == [("First", {"stop_name#3": "Erste", "column_4": "z"})]
    assert [(n[0], n[3]) for n in notices(conn, vid) if n[0] != "unknown_column"] == [
        ("duplicated_column", "stop_name"), ("empty_column_name", "column_4")]


def test_ragged_rows_load_with_notice(conn, tmp_path):
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5\nS2,Second,52.51,13.41,extra\n"
    vid, _ = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert rows(conn, "SELECT stop_id, stop_lon, extras FROM gtfs.stops ORDER BY 1") == [
        ("S1", None, None), ("S2", 13.41, {"column_5": "extra"})]
    assert [(n[0], n[2]) for n in notices(conn, vid)] == [("invalid_row_length", 2), ("invalid_row_length", 3)]


def test_bad_value_loads_row_with_null_and_notice(conn, tmp_path):
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type\n"
          "T1,08:00:00,08:00:00,S1,1,0\nT1,25:61:00,08:11:00,S2,2,two\n")
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stop_times.txt": st}))
    assert res["stop_times.txt"].load_path == "robust"
    assert rows(conn, "SELECT line_number, arrival_time::text, departure_time::text, pickup_type"
                      " FROM gtfs.stop_times ORDER BY 1") == [(2, "08:00:00", "08:00:00", 0), (3, None, "08:11:00", None)]
    assert [(n[0], n[1], n[2], n[3], n[4]) for n in notices(conn, vid)] == [
        ("invalid_time", "stop_times.txt", 3, "arrival_time", "25:61:00"),
        ("invalid_integer", "stop_times.txt", 3, "pickup_type", "two"),
    ]


def test_row_with_empty_required_key_is_set_aside(conn, tmp_path):
    st = ("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
          "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,\n")
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stop_times.txt": st}))
    assert res["stop_times.txt"].rows == 1
    assert rows(conn, "SELECT line_number, reason, record->>'stop_id' FROM gtfs.rejected_row") == [
        (3, "missing_required_field", "S2")]
    assert [(n[0], n[2], n[3]) for n in notices(conn, vid)] == [("missing_required_field", 3, "stop_sequence")]


def test_invalid_date_is_reported(conn, tmp_path):
    cal = ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
           "WD,1,1,1,1,1,0,0,20230231,20241231\n")
    vid, _ = load(conn, write_feed(tmp_path / "f.zip", {"calendar.txt": cal}))
    assert rows(conn, "SELECT start_date, end_date FROM gtfs.calendar") == [(None, dt.date(2024, 12, 31))]
    assert [(n[0], n[2], n[3], n[4]) for n in notices(conn, vid)] == [("invalid_date", 2, "start_date", "20230231")]


def test_duplicate_keys_keep_first_row_and_set_others_aside(conn, tmp_path):
    stops = ("stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\n"
             "S1,Again,52.6,13.5\n")
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"stops.txt": stops}))
    assert res["stops.txt"].rows == 2
    assert res["stops.txt"].duplicate_rows == 1
    assert rows(conn, "SELECT stop_id, stop_name FROM gtfs.stops ORDER BY 1") == [("S1", "First"), ("S2", "Second")]
    assert rows(conn, "SELECT line_number, reason, record->>'stop_name' FROM gtfs.rejected_row") == [
        (4, "duplicate_key", "Again")]
    assert rows(conn, "SELECT code, line_number, entity_key, context FROM gtfs.notice WHERE code = 'duplicate_key'") == [
        ("duplicate_key", 4, {"stop_id": "S1"}, {"oldCsvRowNumber": 2, "newCsvRowNumber": 4})]


def test_optional_agency_id_key_allows_one_empty(conn, tmp_path):
    agency = "agency_name,agency_url,agency_timezone\nAgency,https://a.example,Europe/Berlin\n"
    routes = "route_id,route_short_name,route_type\nR1,1,3\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"agency.txt": agency, "routes.txt": routes}))
    assert rows(conn, "SELECT agency_id, agency_name FROM gtfs.agency") == [(None, "Agency")]


def test_unknown_files_are_kept(conn, tmp_path):
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {
        "stop_attributes.txt": "stop_id,accessibility\nS1,ramp\n",
        "readme.pdf": b"%PDF-1.4 not really",
    }))
    assert rows(conn, "SELECT filename, line_number, record FROM gtfs.extra_file_row") == [
        ("stop_attributes.txt", 2, {"stop_id": "S1", "accessibility": "ramp"})]
    assert rows(conn, "SELECT filename, bytes, convert_from(content, 'UTF8') FROM gtfs.extra_file") == [
        ("readme.pdf", 19, "%PDF-1.4 not really")]
    assert sorted(n[1] for n in notices(conn, vid, "unknown_file")) == ["readme.pdf", "stop_attributes.txt"]


def test_optional_file_missing_a_required_column_is_kept_as_is(conn, tmp_path):
    translations = "trans_id,lang,translation\nT1,en,Hello\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"translations.txt": translations}))
    assert res["translations.txt"].load_path == "kept"
    assert rows(conn, "SELECT record FROM gtfs.extra_file_row WHERE filename = 'translations.txt'") == [
        ({"trans_id": "T1", "lang": "en", "translation": "Hello"},)]
    # As MobilityData's validator: one notice per missing column, and the header's unknown columns.
    assert sorted((n[0], n[3]) for n in notices(conn, vid)) == [
        ("missing_required_column", "field_name"), ("missing_required_column", "language"),
        ("missing_required_column", "table_name"), ("unknown_column", "lang"), ("unknown_column", "trans_id")]


@pytest.mark.parametrize("files, drop, message", [
    ({}, ("stop_times.txt",), "required file stop_times.txt is missing"),
    ({}, ("calendar.txt",), "neither calendar.txt nor calendar_dates.txt is present"),
    ({"stops.txt": "stop_name,stop_lat,stop_lon\nFirst,52.5,13.4\n"}, (),
     "file stops.txt, line 1, column stop_id: required column stop_id is missing from the header"),
])
def test_unusable_feed_fails_clearly(conn, tmp_path, files, drop, message):
    with pytest.raises(FeedError) as err:
        load(conn, write_feed(tmp_path / "f.zip", files, drop=drop), feed_id="bad")
    assert message in str(err.value)
    assert str(err.value).startswith("feed bad")
    assert rows(conn, "SELECT status FROM gtfs.feed_version WHERE feed_id = 'bad'") == [("failed",)]


def test_a_feed_failed_for_missing_files_keeps_the_canonical_notices(conn, tmp_path):
    """The feed cannot load, but its failed version says what MobilityData's validator would."""
    path = write_feed(tmp_path / "f.zip", {}, drop=("trips.txt", "stop_times.txt", "calendar.txt"))
    with pytest.raises(FeedError):
        load(conn, path, feed_id="bad")
    ((vid,),) = rows(conn, "SELECT feed_version_id FROM gtfs.feed_version WHERE feed_id = 'bad'")
    assert notices(conn, vid) == [("missing_required_file", "trips.txt", None, None, None),
                                  ("missing_required_file", "stop_times.txt", None, None, None),
                                  ("missing_calendar_and_calendar_date_files", None, None, None, None)]
    assert rows(conn, "SELECT code, severity, notices FROM gtfs.notice_summary WHERE feed_version_id = %s"
                      " ORDER BY code", vid) == [("missing_calendar_and_calendar_date_files", "ERROR", 1),
                                                 ("missing_required_file", "ERROR", 2)]


def test_the_report_of_a_feed_failed_for_missing_files_lists_their_notices(conn, tmp_path):
    from gtfs_pipeline.report import write_report

    with pytest.raises(FeedError):
        load(conn, write_feed(tmp_path / "f.zip", {}, drop=("calendar.txt",)), feed_id="bad")
    ((vid,),) = rows(conn, "SELECT feed_version_id FROM gtfs.feed_version WHERE feed_id = 'bad'")
    page = write_report(conn, vid, tmp_path / "report").read_text()
    assert "<td id='status'>failed</td>" in page
    assert re.findall(r"<tr class='notice' data-code='([a-z_]+)' data-severity='(\w+)'>", page) == [
        ("missing_calendar_and_calendar_date_files", "ERROR")]


def test_not_a_zip_fails_clearly(conn, tmp_path):
    page = tmp_path / "feed.zip"
    page.write_text("<!DOCTYPE html><html><body>Maintenance</body></html>")
    with pytest.raises(FeedError, match="not a readable zip archive .*error page"):
        load(conn, page)


def test_empty_member_loads_as_an_empty_table_with_notice(conn, tmp_path):
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"calendar_dates.txt": ""}))
    assert res["calendar_dates.txt"].rows == 0
    assert rows(conn, "SELECT count(*) FROM gtfs.calendar_dates WHERE feed_version_id = %s", vid) == [(0,)]
    assert [(n[0], n[1]) for n in notices(conn, vid)] == [("empty_file", "calendar_dates.txt")]


def test_flex_trip_durations_are_columns_of_trips_not_unknown_ones(conn, tmp_path):
    # MobilityData's GtfsTripSchema has safe_duration_factor and safe_duration_offset (c-tran-flex uses them).
    trips = "route_id,service_id,trip_id,safe_duration_factor,safe_duration_offset\nR1,WD,T1,1.5,120\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"trips.txt": trips}))
    assert res["trips.txt"].load_path == "fast"
    assert rows(conn, "SELECT safe_duration_factor, safe_duration_offset FROM gtfs.trips") == [(1.5, 120.0)]
    assert notices(conn, vid, "unknown_column") == []


def test_a_date_written_with_dashes_is_invalid_date_and_its_row_alone_is_typed_in_python(conn, tmp_path):
    """COPY would read 2024-01-01 as a date; GTFS dates are YYYYMMDD, and MobilityData reports
    invalid_date. The other rows stay on the fast path."""
    feed_info = ("feed_publisher_name,feed_publisher_url,feed_lang,feed_start_date,feed_end_date\n"
                 "P,https://p.example,en,2024-01-01,20241231\n")
    dates = "service_id,date,exception_type\nWD,20240704,2\nWD,2024/12/25,2\nWD,20241226,2\n"
    vid, res = load(conn, write_feed(tmp_path / "f.zip", {"feed_info.txt": feed_info, "calendar_dates.txt": dates}))
    assert sorted(notices(conn, vid, "invalid_date")) == [
        ("invalid_date", "calendar_dates.txt", 3, "date", "2024/12/25"),
        ("invalid_date", "feed_info.txt", 2, "feed_start_date", "2024-01-01")]
    assert rows(conn, "SELECT feed_start_date, feed_end_date FROM gtfs.feed_info WHERE feed_version_id = %s",
                vid) == [(None, dt.date(2024, 12, 31))]
    # the calendar_dates row without its date cannot be keyed: it is set aside (gtfs.rejected_row)
    assert rows(conn, "SELECT line_number, date FROM gtfs.calendar_dates WHERE feed_version_id = %s"
                      " ORDER BY line_number", vid) == [(2, dt.date(2024, 7, 4)), (4, dt.date(2024, 12, 26))]
    assert rows(conn, "SELECT line_number FROM gtfs.rejected_row WHERE feed_version_id = %s", vid) == [(3,)]
    assert notices(conn, vid, "missing_required_field") == []  # the date is reported once, as MobilityData
    assert (res["calendar_dates.txt"].python_rows, res["feed_info.txt"].python_rows) == (1, 1)
