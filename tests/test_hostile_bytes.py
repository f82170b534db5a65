"""Hostile and broken bytes cost only themselves (issue 15).

Every input is generated here by tests/hostile.py (gigabyte bombs in a few MB, written in
milliseconds); each is loaded by `gtfs-pipeline load` in its own process over a published
good version, as in tests/test_bad_inputs.py, with the default limits. The child's peak
resident memory (VmHWM, read when it exits) is checked; its wall time is printed, not
asserted: what bounds it is the number of bytes inflated, which the refusal proves.
"""

from __future__ import annotations

import time
import zipfile

import pytest

import hostile
from badfeeds import FEED_ID, published_snapshot, run_cli, version_snapshot
from test_bad_inputs import corpus, good_is_current, latest_version, partitions_of, scalar  # noqa: F401

PEAK_RSS_KIB = 150 * 1024
RATIO = 300  # GTFS_MAX_EXPANSION_RATIO's default


def load_refused(corpus, path, **kwargs):
    """Load ``path`` as feed f in its own process; return (error line, peak RSS KiB, seconds) after
    checking that it failed, that the failed version left nothing, and that what is published
    and the good version's rows are byte for byte what they were."""
    conn = corpus["conn"]
    before = latest_version(conn)
    started = time.monotonic()
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", timeout=120, **kwargs)
    seconds = time.monotonic() - started
    print(f"{path.name}: exit {run.returncode} in {seconds:.1f} s, peak RSS {run.peak_rss_kib / 1024:.1f} MiB")
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 1, run.stderr
    new = latest_version(conn)
    assert new == before + 1
    assert scalar(conn, "SELECT status FROM gtfs.feed_version WHERE feed_version_id = %s", new) == "failed"
    assert partitions_of(conn, new) == []
    assert published_snapshot(conn) == corpus["published"]
    assert version_snapshot(conn, corpus["good"]) == corpus["good_rows"]
    return run.error_line.removeprefix("gtfs-pipeline: error: "), run.peak_rss_kib, seconds


def _declared(path, name):
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    return info.file_size, info.compress_size


def member_bomb_message(path, name):
    size, packed = _declared(path, name)
    return (f"feed f, file {name}: declares {size} bytes decompressed from {packed} compressed, "
            f"{size // packed} times its compressed size, over the limit of {RATIO} times (a zip bomb?)")


# --- zip bombs ------------------------------------------------------------------------------

def test_a_blank_line_bomb_is_refused_from_its_declared_sizes(good_is_current, tmp_path):
    """5 GiB of blank lines between two real stop_times rows, in 5 MB: refused before a byte is inflated."""
    path = tmp_path / "blank_lines.zip"
    hostile.blank_line_bomb(path)
    size, packed = _declared(path, "stop_times.txt")
    assert size > hostile.BLANK_BOMB_BYTES and size // packed > 1000
    message, peak, _ = load_refused(good_is_current, path)
    assert message == member_bomb_message(path, "stop_times.txt")
    assert peak < PEAK_RSS_KIB


def test_a_blank_line_bomb_lying_about_its_compressed_size_is_stopped_while_streaming(good_is_current, tmp_path):
    """2 GiB of blank lines whose directory claims a tenth of that compressed (ratio 10, and the
    archive's declared total is under 300 times its size): the bytes inflated per compressed byte
    read give it away after GTFS_EXPANSION_CHECK_BYTES (4 MiB by default)."""
    path = tmp_path / "lying.zip"
    hostile.blank_line_bomb(path, lying=True)
    size, packed = _declared(path, "stop_times.txt")
    assert size // packed == 10 and size > 2 * hostile.GIB
    with zipfile.ZipFile(path) as zf:
        assert sum(i.file_size for i in zf.infolist()) < RATIO * path.stat().st_size
    message, peak, _ = load_refused(good_is_current, path)
    assert message == (f"feed f, file stop_times.txt: decompresses to more than {RATIO} times the compressed "
                       "bytes read for it (a zip bomb whose declared sizes understate it)")
    assert peak < PEAK_RSS_KIB


def test_a_one_member_bomb_of_valid_rows_is_refused(good_is_current, tmp_path):
    """4 GiB of one valid stop_times row repeated, in 10 MB."""
    path = tmp_path / "rows.zip"
    hostile.one_member_bomb(path)
    message, peak, _ = load_refused(good_is_current, path)
    assert message == member_bomb_message(path, "stop_times.txt")
    assert peak < PEAK_RSS_KIB


def test_a_many_member_bomb_is_refused_at_its_first_member(good_is_current, tmp_path):
    """The feed plus 80 unknown members of 100 MiB each (7.8 GiB in 8 MB, issue 15's case)."""
    path = tmp_path / "many.zip"
    hostile.many_member_bomb(path)
    message, peak, _ = load_refused(good_is_current, path)
    assert message == member_bomb_message(path, "extra/bomb_0000.txt")
    assert peak < PEAK_RSS_KIB


def test_many_small_members_adding_up_to_a_bomb_are_refused_as_an_archive(good_is_current, tmp_path):
    """1000 members of 3 MiB, each below the size from which a member's ratio is checked
    (GTFS_EXPANSION_CHECK_BYTES, 4 MiB): the archive declares 3 GiB in 3 MB."""
    path = tmp_path / "small_many.zip"
    hostile.many_member_bomb(path, members=1000, each=3 * hostile.MIB)
    with zipfile.ZipFile(path) as zf:
        total = sum(i.file_size for i in zf.infolist())
    size = path.stat().st_size
    message, peak, _ = load_refused(good_is_current, path)
    assert message == (f"feed f: the members declare {total} bytes decompressed in all, {total // size} times the "
                       f"archive's {size} bytes, over the limit of {RATIO} times (a zip bomb?)")
    assert peak < PEAK_RSS_KIB


# --- bounded memory on every member ------------------------------------------------------------

LINE_LIMIT = 16 * 1024 * 1024  # GTFS_MAX_LINE_BYTES's default
# The members below are 100 MiB of one byte, which deflates 1000 to 1: the ratio limit would
# refuse them first. Lifted here, so that what is proved is the line limit.
NO_RATIO = {"GTFS_MAX_EXPANSION_RATIO": "1000000"}


def test_an_unknown_member_of_one_100_mib_line_is_refused_naming_member_and_line(good_is_current, tmp_path):
    path = tmp_path / "huge_line.zip"
    hostile.unknown_member(path, "notes.txt", [b"note\n", (b"x" * hostile.CHUNK, 100)])
    message, peak, _ = load_refused(good_is_current, path, env=NO_RATIO)
    assert message == (f"feed f, file notes.txt, line 2: the line is longer than {LINE_LIMIT} bytes "
                       "(GTFS_MAX_LINE_BYTES); nothing longer is read into memory")
    assert peak < PEAK_RSS_KIB


def test_an_unknown_member_of_one_100_mib_quoted_value_over_many_lines_is_refused(good_is_current, tmp_path):
    """Lines of 1 KiB, all inside one quoted value: the record, not a line, is over the limit
    (issue 15: this read a 64 MiB field into memory, peak RSS 719 MB, and named no file)."""
    path = tmp_path / "huge_value.zip"
    hostile.unknown_member(path, "notes.txt", [b'id,note\n1,"', ((b"y" * 1023 + b"\n") * 1024, 100), b'"\n'])
    message, peak, _ = load_refused(good_is_current, path, env=NO_RATIO)
    assert message == (f"feed f, file notes.txt, line 2: the record is longer than {LINE_LIMIT} bytes "
                       "(GTFS_MAX_LINE_BYTES); nothing longer is read into memory")
    assert peak < PEAK_RSS_KIB


def test_a_stops_file_with_a_100_mib_quoted_value_is_refused_on_the_fast_path(good_is_current, tmp_path):
    path = tmp_path / "stops_value.zip"
    stops = hostile.Member("stops.txt", [b'stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,"',
                                         ((b"z" * 1023 + b"\n") * 1024, 100), b'",52.51,13.41\n'])
    hostile.write_zip(path, hostile.feed_members({"stops.txt": stops}))
    message, peak, _ = load_refused(good_is_current, path, env=NO_RATIO)
    assert message == (f"feed f, file stops.txt, line 3: a quoted value is longer than {LINE_LIMIT} bytes "
                       "(GTFS_MAX_LINE_BYTES); nothing longer is read into memory")
    assert peak < PEAK_RSS_KIB


# --- columns ----------------------------------------------------------------------------------

STOPS_HEADER = "stop_id,stop_name,stop_lat,stop_lon"


def wide_stops(columns: int) -> bytes:
    """stops.txt with the 4 usual columns and ``columns`` - 4 more, two rows."""
    extra = [f"c{i}" for i in range(5, columns + 1)]
    return (",".join([STOPS_HEADER, *extra]) + "\n"
            + ",".join(["S1,First,52.5,13.4", *(f"v{i}" for i in range(5, columns + 1))]) + "\n"
            + "S2,Second,52.51,13.41" + "," * len(extra) + "\n").encode()


def test_a_stops_header_of_100_000_columns_is_refused_at_once(good_is_current, tmp_path):
    path = tmp_path / "wide.zip"
    hostile.write_zip(path, hostile.feed_members({"stops.txt": hostile.Member("stops.txt", [wide_stops(100_000)])}))
    message, peak, seconds = load_refused(good_is_current, path)
    assert message == ("feed f, file stops.txt, line 1: 100000 columns, more than the limit of 10000 "
                       "(GTFS_MAX_COLUMNS); nothing of the file was loaded")


def test_an_unknown_member_of_100_000_columns_is_refused_at_once(good_is_current, tmp_path):
    path = tmp_path / "wide_unknown.zip"
    hostile.unknown_member(path, "wide.txt", [",".join(f"c{i}" for i in range(100_000)).encode() + b"\n1,2\n"])
    message, peak, seconds = load_refused(good_is_current, path)
    assert message == ("feed f, file wide.txt, line 1: 100000 columns, more than the limit of 10000 "
                       "(GTFS_MAX_COLUMNS); nothing of the file was loaded")


def test_a_row_of_100_000_fields_under_a_short_header_is_refused_naming_its_line(good_is_current, tmp_path):
    path = tmp_path / "wide_row.zip"
    hostile.unknown_member(path, "wide.txt", [b"a,b\n1,2\n" + b"x," * 99_999 + b"x\n"])
    message, _, _ = load_refused(good_is_current, path)
    assert message == ("feed f, file wide.txt, line 3: 100000 columns, more than the limit of 10000 "
                       "(GTFS_MAX_COLUMNS); nothing of the file was loaded")


def test_9000_columns_load(good_is_current, tmp_path):
    """stops.txt with 8 996 columns beyond the reference's, and an unknown member of 9 000 columns."""
    corpus = good_is_current
    conn = corpus["conn"]
    path = tmp_path / "wide_ok.zip"
    wide = ",".join(f"k{i}" for i in range(9000)) + "\n" + ",".join(str(i) for i in range(9000)) + "\n"
    hostile.write_zip(path, hostile.feed_members({"stops.txt": hostile.Member("stops.txt", [wide_stops(9000)])},
                                                 [hostile.Member("wide.txt", [wide.encode()])]))
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    vid = latest_version(conn)
    assert scalar(conn, "SELECT count(*) FROM gtfs.notice WHERE feed_version_id = %s AND code = 'unknown_column'",
                  vid) == 8996
    assert scalar(conn, "SELECT extras->>'c9000' FROM gtfs.stops WHERE feed_version_id = %s AND stop_id = 'S1'",
                  vid) == "v9000"
    assert scalar(conn, "SELECT (SELECT count(*) FROM jsonb_object_keys(extras)) FROM gtfs.stops"
                  " WHERE feed_version_id = %s AND stop_id = 'S1'", vid) == 8996
    assert scalar(conn, "SELECT record->>'k8999' FROM gtfs.extra_file_row WHERE feed_version_id = %s"
                  " AND filename = 'wide.txt'", vid) == "8999"
    assert published_snapshot(conn) == corpus["published"]


# --- encodings, line by line ------------------------------------------------------------------

def rows_of(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        out = cur.fetchall()
    conn.rollback()
    return out


def load_stops(corpus, path, stops: bytes) -> int:
    """Load a feed whose stops.txt is these bytes (not published); its version id."""
    hostile.write_zip(path, hostile.feed_members({"stops.txt": hostile.Member("stops.txt", [stops])}))
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    return latest_version(corpus["conn"])


def test_one_latin1_line_in_a_utf8_stops_file_is_decoded_alone(good_is_current, tmp_path):
    """Issue 15: one stray byte decoded the whole file as Windows-1252 ('ZÃ¼rich'). Now the UTF-8
    lines keep their bytes and only the bad line is decoded by the fallback, with a notice."""
    corpus = good_is_current
    conn = corpus["conn"]
    stops = ("stop_id,stop_name,stop_lat,stop_lon\n"
             "S1,Zürich Hauptbahnhof,52.5,13.4\n").encode() + b"S2,Caf\xe9 de la Gare,52.51,13.41\n" + \
        "S3,Genève,52.52,13.42\n".encode()
    vid = load_stops(corpus, tmp_path / "mixed.zip", stops)
    stored = rows_of(conn, "SELECT stop_id, convert_to(stop_name, 'UTF8') FROM gtfs.stops WHERE feed_version_id = %s"
                     " ORDER BY stop_id", vid)
    assert [(stop_id, bytes(name)) for stop_id, name in stored] == [
        ("S1", "Zürich Hauptbahnhof".encode()),  # the file's own bytes
        ("S2", "Café de la Gare".encode()),
        ("S3", "Genève".encode()),
    ]
    assert rows_of(conn, "SELECT code, severity, filename, line_number, field_name, value, context FROM gtfs.notice"
                   " WHERE feed_version_id = %s AND source = 'loader'", vid) == [
        ("invalid_character", "ERROR", "stops.txt", 3, "stop_name", "Café de la Gare",
         {"reason": "not UTF-8 (byte e9 at byte 7 of the line): this line alone was decoded as cp1252",
          "decodedAs": "cp1252", "bytePosition": 7})]
    assert rows_of(conn, "SELECT encoding, load_path FROM gtfs.feed_version_file WHERE feed_version_id = %s"
                   " AND filename = 'stops.txt'", vid) == [("utf-8", "robust")]


def test_each_value_with_a_byte_that_is_not_utf8_is_invalid_character_on_its_own(good_is_current, tmp_path):
    """As MobilityData: one invalid_character per value that is not UTF-8, named by its column; the
    line's other values (UTF-8 or ASCII) are not reported."""
    corpus = good_is_current
    conn = corpus["conn"]
    stops = ("stop_id,stop_name,stop_desc,stop_lat,stop_lon\n"
             "S1,Zürich,Hauptbahnhof,52.5,13.4\n").encode() + b"S2,Caf\xe9,Gare du Nord \xe0 Paris,52.51,13.41\n" + \
        b"S3,Gare,Quai \xe9,52.52,13.42\n"
    vid = load_stops(corpus, tmp_path / "values.zip", stops)
    assert rows_of(conn, "SELECT line_number, field_name, value FROM gtfs.notice WHERE feed_version_id = %s"
                   " AND code = 'invalid_character' ORDER BY line_number, field_name", vid) == [
        (3, "stop_desc", "Gare du Nord à Paris"), (3, "stop_name", "Café"), (4, "stop_desc", "Quai é")]


def test_a_file_in_windows_1252_has_an_invalid_character_for_each_value_beyond_ascii(good_is_current, tmp_path):
    """A file consistently in another encoding is decoded whole (non_utf8_encoding, the project's
    own notice) and, as MobilityData reports it, every value with a byte beyond ASCII is
    invalid_character (its reader decodes UTF-8: those bytes are U+FFFD there)."""
    corpus = good_is_current
    conn = corpus["conn"]
    stops = ("stop_id,stop_name,stop_desc,stop_lat,stop_lon\n"
             "S1,München,Hauptbahnhof,52.5,13.4\n"
             "S2,Gare,Quai à gauche,52.51,13.41\n"
             "S3,Plain,Ascii,52.52,13.42\n").encode("cp1252")
    vid = load_stops(corpus, tmp_path / "cp1252.zip", stops)
    assert rows_of(conn, "SELECT code, severity, line_number, field_name, value, context->>'decodedAs' FROM gtfs.notice"
                   " WHERE feed_version_id = %s AND filename = 'stops.txt' AND code IN ('invalid_character', 'non_utf8_encoding')"
                   " ORDER BY code, line_number", vid) == [
        ("invalid_character", "ERROR", 2, "stop_name", "München", "cp1252"),
        ("invalid_character", "ERROR", 3, "stop_desc", "Quai à gauche", "cp1252"),
        ("non_utf8_encoding", "WARNING", None, None, "cp1252", "cp1252")]
    assert rows_of(conn, "SELECT encoding, load_path FROM gtfs.feed_version_file WHERE feed_version_id = %s"
                   " AND filename = 'stops.txt'", vid) == [("cp1252", "fast")]


# --- header names ------------------------------------------------------------------------------

def test_every_change_to_a_header_name_is_a_notice(good_is_current, tmp_path):
    """Whitespace and a NUL byte are removed from names, each with a notice; names are matched
    exactly, and one that differs from a reference column only in case says so."""
    corpus = good_is_current
    conn = corpus["conn"]
    stops = b"stop_id , stop_name,stop_la\x00t,stop_lon,Stop_Desc\nS1,First,52.5,13.4,d1\nS2,Second,52.51,13.41,\n"
    path = tmp_path / "header.zip"
    hostile.write_zip(path, hostile.feed_members({"stops.txt": hostile.Member("stops.txt", [stops])}))
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    vid = latest_version(conn)
    assert rows_of(conn, "SELECT code, severity, line_number, field_name, value, context FROM gtfs.notice"
                   " WHERE feed_version_id = %s AND source = 'loader' ORDER BY (context->>'index')::int, code",
                   vid) == [
        ("leading_or_trailing_whitespaces", "WARNING", 1, "stop_id", "stop_id ",
         {"index": 1, "reason": "whitespace removed from the header name"}),
        ("leading_or_trailing_whitespaces", "WARNING", 1, "stop_name", " stop_name",
         {"index": 2, "reason": "whitespace removed from the header name"}),
        ("invalid_character", "ERROR", 1, "stop_lat", "stop_la\\0t",
         {"index": 3, "reason": "NUL byte removed from the header name"}),
        ("unknown_column", "INFO", 1, "Stop_Desc", None, {"index": 5, "differsOnlyInCaseFrom": "stop_desc"}),
    ]
    assert rows_of(conn, "SELECT stop_id, stop_name, stop_lat, extras FROM gtfs.stops WHERE feed_version_id = %s"
                   " ORDER BY stop_id", vid) == [("S1", "First", 52.5, {"Stop_Desc": "d1"}),
                                                 ("S2", "Second", 52.51, None)]


def test_one_latin1_line_in_a_utf8_unknown_member_is_decoded_alone(good_is_current, tmp_path):
    corpus = good_is_current
    conn = corpus["conn"]
    path = tmp_path / "mixed_unknown.zip"
    hostile.unknown_member(path, "notes.txt", ["id,name\n1,Zürich\n".encode() + b"2,Caf\xe9\n"])
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    vid = latest_version(conn)
    assert rows_of(conn, "SELECT line_number, record FROM gtfs.extra_file_row WHERE feed_version_id = %s"
                   " ORDER BY line_number", vid) == [(2, {"id": "1", "name": "Zürich"}), (3, {"id": "2", "name": "Café"})]
    assert rows_of(conn, "SELECT code, filename, line_number, context->>'decodedAs' FROM gtfs.notice"
                   " WHERE feed_version_id = %s AND code = 'invalid_character'", vid) == [
        ("invalid_character", "notes.txt", 3, "cp1252")]
    assert rows_of(conn, "SELECT encoding FROM gtfs.feed_version_file WHERE feed_version_id = %s"
                   " AND filename = 'notes.txt'", vid) == [("utf-8",)]


def test_three_million_blank_lines_under_the_ratio_threshold_cost_1001_notices(good_is_current, tmp_path):
    """3 MiB of blank lines (a 4.5 KB zip, under the 4 MiB from which the ratio applies) between
    two stop_times rows: it loads; the first 1 000 blank lines are noted one by one, the rest in
    one notice. (It was 3 145 728 notice rows and 149 s; the fast path now stops at the first
    blank line instead of streaming the member to a COPY that refuses it at the end.)"""
    corpus = good_is_current
    conn = corpus["conn"]
    rows = hostile.Member("stop_times.txt", [f"{hostile.ST_HEADER}\nT1,08:00:00,08:00:00,S1,1\n".encode(),
                                             (b"\n" * hostile.CHUNK, 3), b"T1,08:10:00,08:11:00,S2,2\n"])
    path = tmp_path / "blank3.zip"
    hostile.write_zip(path, hostile.feed_members({"stop_times.txt": rows}))
    run = run_cli(corpus["dsn"], "load", str(path), "--feed-id", FEED_ID, "--json", "--no-publish")
    assert run.returncode == 0, run.stderr
    vid = latest_version(conn)
    last = 3 + 3 * hostile.CHUNK - 1  # line 3 is the first blank line
    assert rows_of(conn, "SELECT count(*), min(line_number), max(line_number) FROM gtfs.notice"
                   " WHERE feed_version_id = %s AND code = 'empty_row' AND context IS NULL", vid) == [(1000, 3, 1002)]
    assert rows_of(conn, "SELECT line_number, context FROM gtfs.notice WHERE feed_version_id = %s"
                   " AND code = 'empty_row' AND context IS NOT NULL", vid) == [
        (1003, {"reason": f"{last - 1002} more blank lines, the first at line 1003 and the last at line {last}, "
                          "are counted in this one notice", "blankLines": last - 1002, "lastLine": last})]
    assert rows_of(conn, "SELECT stop_sequence, line_number FROM gtfs.stop_times WHERE feed_version_id = %s"
                   " ORDER BY 1", vid) == [(1, 2), (2, last + 1)]
