"""With GTFS_COPY_STREAMS=2 a large file is COPYed over two connections at once: the rows,
line numbers, notices and fallbacks are exactly those of a single stream.

GTFS_SPLIT_COPY_BYTES lowers the size from which a file is split, so that the
project's small fixtures take that path.
"""

from __future__ import annotations

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import versions


def load(conn, path, feed_id="f"):
    version_id, results = versions.load_feed(conn, path, feed_id, geometry=False, validate=False)
    return version_id, {r.filename: r for r in results}


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def stop_times_text(trips: int, per_trip: int, quoted_every: int = 0) -> str:
    """A stop_times.txt of trips x per_trip rows; every ``quoted_every``-th row has a
    head sign with a comma, a doubled quote and a line break inside quotes."""
    out = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"]
    n = 0
    for t in range(trips):
        for s in range(per_trip):
            n += 1
            sign = f'"Via {n},\nsay ""hi"""' if quoted_every and n % quoted_every == 0 else f"to {t}"
            out.append(f"T{t},08:{s % 60:02d}:00,08:{s % 60:02d}:00,S1,{s + 1},{sign}\n")
    return "".join(out)


def many_trips(count: int) -> str:
    return "route_id,service_id,trip_id\n" + "".join(f"R1,WK,T{t}\n" for t in range(count))


@pytest.fixture
def split_everything(monkeypatch):
    monkeypatch.setenv("GTFS_SPLIT_COPY_BYTES", "0")
    monkeypatch.setenv("GTFS_COPY_STREAMS", "2")


@pytest.fixture
def big_feed(tmp_path):
    """About 3 MB of stop_times (several 1 MiB chunks), quoted line breaks throughout."""
    return write_feed(tmp_path / "big.zip", {"trips.txt": many_trips(500),
                                             "stop_times.txt": stop_times_text(500, 100, quoted_every=7)})


def table_contents(conn, vid):
    return rows(conn, "SELECT line_number, trip_id, stop_sequence, stop_headsign, arrival_time::text"
                      " FROM gtfs.stop_times WHERE feed_version_id = %s ORDER BY line_number", vid)


def test_split_load_has_the_rows_and_line_numbers_of_a_single_stream(conn, big_feed, monkeypatch):
    monkeypatch.setenv("GTFS_COPY_STREAMS", "2")
    monkeypatch.setenv("GTFS_SPLIT_COPY_BYTES", str(1 << 40))
    single, _ = load(conn, big_feed, "single")
    monkeypatch.setenv("GTFS_SPLIT_COPY_BYTES", "0")
    split, res = load(conn, big_feed, "split")
    assert res["stop_times.txt"].load_path == "fast"
    assert res["stop_times.txt"].rows == 50_000
    expected = table_contents(conn, single)
    assert len(expected) == 50_000
    assert table_contents(conn, split) == expected
    # Row 7 is the first with a quoted line break: it spans lines 8-9, so row 8 is on line 10.
    assert expected[6][0] == 8 and expected[6][3] == 'Via 7,\nsay "hi"'
    assert expected[7][0] == 10
    assert expected[-1][0] == 50_000 + 1 + 50_000 // 7


def test_one_stream_is_the_default(conn, big_feed, monkeypatch):
    from gtfs_pipeline import archive, loader

    monkeypatch.delenv("GTFS_COPY_STREAMS", raising=False)
    monkeypatch.setenv("GTFS_SPLIT_COPY_BYTES", "0")
    with archive.open_zip(big_feed) as zf:
        member = archive.inspect(zf).members["stop_times.txt"]
    assert loader._copy_streams(conn, member) == 1
    monkeypatch.setenv("GTFS_COPY_STREAMS", "2")
    assert loader._copy_streams(conn, member) == 2


def test_split_load_leaves_no_sibling_connection_open(conn, big_feed, split_everything):
    def sessions():
        return rows(conn, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gtfs-pipeline'")[0][0]

    before = sessions()
    load(conn, big_feed)
    assert sessions() == before


def test_a_bad_value_in_one_stream_falls_back_to_the_robust_path(conn, tmp_path, split_everything):
    text = stop_times_text(500, 100)
    lines = text.split("\n")
    lines[40_001] = lines[40_001].replace("08:", "8h", 1)  # record on CSV line 40 002
    feed = write_feed(tmp_path / "bad.zip", {"trips.txt": many_trips(500), "stop_times.txt": "\n".join(lines)})
    vid, res = load(conn, feed)
    assert res["stop_times.txt"].load_path == "robust"
    assert res["stop_times.txt"].rows == 50_000
    assert rows(conn, "SELECT code, line_number, field_name, value FROM gtfs.notice WHERE feed_version_id = %s"
                      " AND filename = 'stop_times.txt'", vid) == [("invalid_time", 40_002, "arrival_time", "8h00:00")]
    assert rows(conn, "SELECT count(*), min(line_number), max(line_number) FROM gtfs.stop_times"
                      " WHERE feed_version_id = %s", vid) == [(50_000, 2, 50_001)]


def test_duplicate_keys_across_streams_keep_the_first_line(conn, tmp_path, split_everything):
    text = stop_times_text(500, 100)
    lines = text.split("\n")
    lines.insert(len(lines) - 1, lines[1])  # the first record again, as the last line
    feed = write_feed(tmp_path / "dup.zip", {"trips.txt": many_trips(500), "stop_times.txt": "\n".join(lines)})
    vid, res = load(conn, feed)
    assert res["stop_times.txt"].duplicate_rows == 1
    assert rows(conn, "SELECT line_number FROM gtfs.stop_times WHERE feed_version_id = %s"
                      " AND trip_id = 'T0' AND stop_sequence = 1", vid) == [(2,)]
    assert rows(conn, "SELECT code, line_number FROM gtfs.notice WHERE feed_version_id = %s", vid) == [
        ("duplicate_key", 50_002)]


@pytest.mark.parametrize("split_from", ["0", str(1 << 40)], ids=["split", "single"])
def test_an_unterminated_quote_is_reported_the_same_split_or_not(conn, tmp_path, monkeypatch, split_from):
    monkeypatch.setenv("GTFS_COPY_STREAMS", "2")
    monkeypatch.setenv("GTFS_SPLIT_COPY_BYTES", split_from)
    text = stop_times_text(10, 10) + 'T9,09:00:00,09:00:00,S1,11,"never closed\n'
    feed = write_feed(tmp_path / "open.zip", {"trips.txt": many_trips(10), "stop_times.txt": text})
    vid, res = load(conn, feed)
    assert res["stop_times.txt"].load_path == "robust"
    assert rows(conn, "SELECT code, line_number FROM gtfs.notice WHERE feed_version_id = %s"
                      " AND filename = 'stop_times.txt'", vid) == [("csv_parsing_failed", 102)]
    assert rows(conn, "SELECT to_regclass('gtfs_part.stop_times_v' || %s) IS NOT NULL", vid) == [(True,)]
