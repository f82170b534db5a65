"""A few bad records or unknown columns do not send a whole file through Python (issue 18).

The fast path COPYs a chunk of whole records (about 1 MiB) at a time, each in its own
savepoint: a record COPY refuses is typed alone in Python, with the robust path's rules and
notices, and unknown columns reach the extras column on the way (csvstream.ExtrasShaper).
The stop_times files here span several chunks, so the bad record sits deep inside one.
"""

from __future__ import annotations

from feedbuilder import write_feed
from gtfs_pipeline import versions
from gtfs_pipeline.loader import FAST_CHUNK_RETRIES


def load(conn, path, feed_id="f"):
    version_id, results = versions.load_feed(conn, path, feed_id, geometry=False, validate=False)
    return version_id, {r.filename: r for r in results}


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def loader_notices(conn, vid):
    return rows(conn, "SELECT code, line_number, field_name, value FROM gtfs.notice WHERE feed_version_id = %s"
                      " AND filename = 'stop_times.txt' ORDER BY notice_id", vid)


TRIPS, PER_TRIP = 500, 100  # 50 000 stop times, about 2.5 MB: three chunks


def trips_text() -> str:
    return "route_id,service_id,trip_id\n" + "".join(f"R1,WD,T{t}\n" for t in range(TRIPS))


def stop_times_lines(extra: str | None = None, quoted_every: int = 0) -> list[str]:
    """Header and rows of stop_times.txt (no line ends); ``extra`` names an unknown last
    column whose value on row n is ``n<n>`` (empty on every 10th row)."""
    head = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign"
    out = [head + (f",{extra}" if extra else "")]
    n = 0
    for t in range(TRIPS):
        for s in range(PER_TRIP):
            n += 1
            sign = f'"Via {n},\nsay ""hi"""' if quoted_every and n % quoted_every == 0 else f"to {t}"
            line = f"T{t},08:{s % 60:02d}:00,08:{s % 60:02d}:00,S1,{s + 1},{sign}"
            if extra:
                line += "," + ("" if n % 10 == 0 else f"n{n}")
            out.append(line)
    return out


def feed(tmp_path, lines: list[str], newline: str = "\n"):
    return write_feed(tmp_path / "f.zip", {"trips.txt": trips_text(), "stop_times.txt": newline.join(lines) + newline})


def test_a_bad_value_deep_in_a_file_is_typed_alone(conn, tmp_path):
    lines = stop_times_lines()
    lines[40_002] = lines[40_002].replace(",S1,2,", ",S1,two,")  # CSV line 40 003: trip T400, second stop
    vid, res = load(conn, feed(tmp_path, lines))
    result = res["stop_times.txt"]
    assert (result.rows, result.python_rows, result.load_path) == (49_999, 1, "robust")
    # The key's notice is written when the key is built, before the spooled value notices.
    # reported once, as MobilityData: the value is invalid, not missing (the row is set aside all the same)
    assert loader_notices(conn, vid) == [("invalid_integer", 40_003, "stop_sequence", "two")]
    assert rows(conn, "SELECT count(*), min(line_number), max(line_number), count(DISTINCT line_number)"
                      " FROM gtfs.stop_times WHERE feed_version_id = %s", vid) == [(49_999, 2, 50_001, 49_999)]
    assert rows(conn, "SELECT line_number, record->>'stop_sequence', record->>'arrival_time'"
                      " FROM gtfs.rejected_row WHERE feed_version_id = %s", vid) == [(40_003, None, "08:01:00")]


def test_a_bad_value_keeps_the_fast_reading_of_the_other_rows(conn, tmp_path):
    lines = stop_times_lines()
    lines[3] = lines[3].replace("08:02:00,08:02:00", "8:02,08:02:00")  # lenient spelling COPY reads as 08:02
    lines[49_000] = lines[49_000].replace("08:", "8h", 1)
    vid, res = load(conn, feed(tmp_path, lines))
    assert res["stop_times.txt"].python_rows == 1
    assert loader_notices(conn, vid) == [("invalid_time", 49_001, "arrival_time", "8h39:00")]
    assert rows(conn, "SELECT line_number, arrival_time::text FROM gtfs.stop_times WHERE feed_version_id = %s"
                      " AND line_number IN (4, 49001) ORDER BY 1", vid) == [(4, "08:02:00"), (49_001, None)]


def test_more_bad_records_in_a_chunk_than_retries_are_typed_in_python_from_there(conn, tmp_path):
    lines = stop_times_lines()
    bad = list(range(10, 10 + 3 * (FAST_CHUNK_RETRIES + 2), 3))
    for i in bad:
        lines[i] = lines[i].replace(",S1,", ",S1,x", 1)
    vid, res = load(conn, feed(tmp_path, lines))
    result = res["stop_times.txt"]
    assert result.rows == 50_000 - len(bad)
    assert 0 < result.python_rows < 25_000
    assert [(code, line) for code, line, _, _ in loader_notices(conn, vid) if code == "invalid_integer"] == [
        ("invalid_integer", i + 1) for i in bad]
    assert rows(conn, "SELECT count(*), count(DISTINCT line_number) FROM gtfs.stop_times"
                      " WHERE feed_version_id = %s", vid) == [(50_000 - len(bad), 50_000 - len(bad))]


def test_an_unknown_column_stays_on_the_fast_path(conn, tmp_path):
    vid, res = load(conn, feed(tmp_path, stop_times_lines(extra="stop_note")))
    result = res["stop_times.txt"]
    assert (result.rows, result.python_rows, result.load_path) == (50_000, 0, "fast")
    assert result.unknown_columns == ["stop_note"]
    assert loader_notices(conn, vid) == [("unknown_column", 1, "stop_note", None)]
    assert rows(conn, "SELECT line_number, stop_headsign, extras FROM gtfs.stop_times WHERE feed_version_id = %s"
                      " AND line_number IN (2, 11, 50000) ORDER BY 1", vid) == [
        (2, "to 0", {"stop_note": "n1"}), (11, "to 0", None), (50_000, "to 499", {"stop_note": "n49999"})]
    assert rows(conn, "SELECT count(*) FROM gtfs.stop_times WHERE feed_version_id = %s AND extras IS NOT NULL",
                vid) == [(45_000,)]


def test_unknown_columns_with_quoted_values_line_breaks_and_crlf(conn, tmp_path):
    lines = stop_times_lines(extra="stop_note", quoted_every=7)
    lines[0] = "note_a," + lines[0]  # a second unknown column, first in the header
    for i in range(1, len(lines)):
        lines[i] = ('"a,""1"""' if i == 70 else "") + "," + lines[i]
    lines[5] = lines[5].replace(",n5", ',"back\\slash \u00e9"')
    vid, res = load(conn, feed(tmp_path, lines, newline="\r\n"))
    result = res["stop_times.txt"]
    assert (result.rows, result.python_rows, result.load_path) == (50_000, 0, "fast")
    assert rows(conn, "SELECT line_number, stop_headsign, extras FROM gtfs.stop_times WHERE feed_version_id = %s"
                      " AND stop_sequence IN (5, 7, 70) AND trip_id = 'T0' ORDER BY 1", vid) == [
        (6, "to 0", {"stop_note": "back\\slash \u00e9"}),
        (8, 'Via 7,\nsay "hi"', {"stop_note": "n7"}),
        (80, 'Via 70,\nsay "hi"', {"note_a": 'a,"1"'})]


def test_a_ragged_row_among_unknown_columns_is_typed_alone(conn, tmp_path):
    lines = stop_times_lines(extra="stop_note")
    lines[30_000] += ",surplus"
    vid, res = load(conn, feed(tmp_path, lines))
    result = res["stop_times.txt"]
    assert (result.rows, result.python_rows) == (50_000, 1)
    assert loader_notices(conn, vid) == [("unknown_column", 1, "stop_note", None),
                                         ("invalid_row_length", 30_001, None, None)]
    assert rows(conn, "SELECT extras FROM gtfs.stop_times WHERE feed_version_id = %s AND line_number = 30001",
                vid) == [({"column_8": "surplus"},)]


def test_a_bad_value_in_a_file_with_an_unknown_column(conn, tmp_path):
    lines = stop_times_lines(extra="stop_note")
    lines[45_001] = lines[45_001].replace(",S1,", ", S1 ,", 1).replace("08:", "8.", 1)
    vid, res = load(conn, feed(tmp_path, lines))
    assert res["stop_times.txt"].python_rows == 1
    assert loader_notices(conn, vid) == [("unknown_column", 1, "stop_note", None),
                                         ("invalid_time", 45_002, "arrival_time", "8.00:00"),
                                         ("unquoted_value_trimmed", 45_002, "stop_id", " S1 ")]
    assert rows(conn, "SELECT arrival_time, stop_id, extras FROM gtfs.stop_times WHERE feed_version_id = %s"
                      " AND line_number = 45002", vid) == [(None, "S1", {"stop_note": "n45001"})]


def test_an_unknown_first_column_with_crlf_line_ends(conn, tmp_path):
    lines = [("note_a," if i == 0 else ",") + line + ("," + str(i) if i % 3 else ",")
             for i, line in enumerate(stop_times_lines())]
    lines[0] = lines[0].rsplit(",", 1)[0] + ",note_b"
    vid, res = load(conn, feed(tmp_path, lines, newline="\r\n"))
    result = res["stop_times.txt"]
    assert (result.rows, result.python_rows, result.load_path) == (50_000, 0, "fast")
    assert result.unknown_columns == ["note_a", "note_b"]
    assert rows(conn, "SELECT line_number, trip_id, stop_headsign, extras FROM gtfs.stop_times"
                      " WHERE feed_version_id = %s AND line_number IN (2, 4, 50001) ORDER BY 1", vid) == [
        (2, "T0", "to 0", {"note_b": "1"}), (4, "T0", "to 0", None), (50_001, "T499", "to 499", {"note_b": "50000"})]


def test_an_empty_key_and_a_duplicate_key_are_set_aside_once(conn, tmp_path):
    lines = stop_times_lines()
    lines[20_000] = lines[20_000].replace(",S1,100,", ",S1,,")  # CSV line 20 001: the key is empty
    lines.append(lines[1])  # the first record again, on line 50 002
    vid, res = load(conn, feed(tmp_path, lines))
    result = res["stop_times.txt"]
    assert (result.rows, result.duplicate_rows, result.python_rows) == (49_999, 2, 1)
    assert loader_notices(conn, vid) == [("missing_required_field", 20_001, "stop_sequence", None),
                                         ("duplicate_key", 50_002, "trip_id,stop_sequence", None)]
    assert rows(conn, "SELECT line_number, reason FROM gtfs.rejected_row WHERE feed_version_id = %s"
                      " ORDER BY 1", vid) == [(20_001, "missing_required_field"), (50_002, "duplicate_key")]
