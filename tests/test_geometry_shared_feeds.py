"""Geometry building on every real feed of ../shared/feeds (issue 4's checks).

All feeds are loaded into one database for the session (conftest's shared_corpus,
which tests/test_validation_shared_feeds.py shares; loading them again for each check
would take minutes); each feed is loaded and built the first time a test asks for it. Expected values come from the zips themselves, read here with
the csv module, independently of the loader.
"""

from __future__ import annotations

import csv
import io
import math
import zipfile
from pathlib import Path

import pytest

from conftest import SHARED_FEEDS
from gtfs_pipeline import geometry, versions

FEEDS = sorted(SHARED_FEEDS.glob("*.zip")) if SHARED_FEEDS.is_dir() else []
EARTH_RADIUS_M = 6371008.8  # mean radius (IUGG)
LENGTH_SAMPLE = 12  # shapes per feed whose length is checked


def _member(zf: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    for info in zf.infolist():
        if info.filename.rsplit("/", 1)[-1] == name and not info.filename.startswith("__MACOSX"):
            return info
    return None


def read_csv(path: Path, name: str) -> list[dict[str, str]] | None:
    """Records of a member as dicts of stripped text; None when the member is absent."""
    with zipfile.ZipFile(path) as zf:
        info = _member(zf, name)
        if info is None:
            return None
        data = zf.read(info)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [{(k or "").strip(): (v or "").strip() for k, v in rec.items()} for rec in reader]


def has_rows(path: Path, name: str) -> bool:
    return bool(read_csv(path, name))


NO_SHAPES = [p for p in FEEDS if not has_rows(p, "shapes.txt")]
WITH_FREQUENCIES = [p for p in FEEDS if has_rows(p, "frequencies.txt")]


def ids(paths):
    return [p.stem for p in paths]


@pytest.fixture
def corpus(shared_corpus):
    return shared_corpus


def built(corpus, path: Path) -> tuple[object, int, dict]:
    """(connection, version id, counts of build_geometry) of a feed, loaded once (not validated: the
    validation checks validate it with their own date)."""
    conn, cache = corpus
    if path.name not in cache:
        vid, _ = versions.load_feed(conn, path, path.stem, geometry=False, validate=False)
        cache[path.name] = (vid, geometry.build_geometry(conn, vid))
    vid, counts = cache[path.name]
    return conn, vid, counts


def rows(conn, query, *args):
    with conn.cursor() as cur:
        cur.execute(query, args)
        return cur.fetchall()


def great_circle_m(points: list[tuple[float, float]]) -> float:
    """Sum of haversine distances between consecutive (lat, lon) points, in metres."""
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in zip(points, points[1:]):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    return total


@pytest.mark.parametrize("path", FEEDS, ids=ids(FEEDS))
def test_one_shape_line_per_shape_id_of_shapes_txt(corpus, path):
    conn, vid, counts = built(corpus, path)
    shape_ids = {r["shape_id"] for r in read_csv(path, "shapes.txt") or [] if r.get("shape_id")}
    assert rows(conn, "SELECT count(*), count(DISTINCT shape_id), count(geom) FROM gtfs.shape_geom"
                      " WHERE feed_version_id = %s", vid) == [(len(shape_ids), len(shape_ids), len(shape_ids))]
    assert counts["shape_lines"] == len(shape_ids)


def trips_with_two_located_stops(conn, vid) -> set[str]:
    """Counted from the loaded GTFS tables, not from the geometry tables."""
    return {t for (t,) in rows(conn, """
        SELECT st.trip_id FROM gtfs.stop_times st
          JOIN gtfs.stops s ON s.feed_version_id = st.feed_version_id AND s.stop_id = st.stop_id
         WHERE st.feed_version_id = %s AND s.stop_lat IS NOT NULL AND s.stop_lon IS NOT NULL
         GROUP BY st.trip_id HAVING count(*) >= 2""", vid)}


@pytest.mark.parametrize("path", FEEDS, ids=ids(FEEDS))
def test_every_trip_with_two_located_stops_has_a_line(corpus, path):
    # (c-tran-flex has none: its trips serve GTFS-Flex zones and location groups, not stops.)
    conn, vid, _ = built(corpus, path)
    with_line = {t for (t,) in rows(conn, "SELECT trip_id FROM gtfs.trip_geometry"
                                          " WHERE feed_version_id = %s AND geom IS NOT NULL", vid)}
    assert trips_with_two_located_stops(conn, vid) - with_line == set()
    # One row per trip in the trip relation, no more.
    assert rows(conn, "SELECT count(*), count(DISTINCT trip_id) FROM gtfs.trip_geometry WHERE feed_version_id = %s",
                vid) == rows(conn, "SELECT count(*), count(*) FROM gtfs.trips WHERE feed_version_id = %s", vid)


@pytest.mark.parametrize("path", NO_SHAPES, ids=ids(NO_SHAPES))
def test_feed_without_shapes_gets_derived_lines_for_all_its_trips(corpus, path):
    conn, vid, counts = built(corpus, path)
    derived = {t for (t,) in rows(conn, "SELECT trip_id FROM gtfs.trip_geometry WHERE feed_version_id = %s"
                                        " AND source = 'derived' AND geom IS NOT NULL", vid)}
    assert derived == trips_with_two_located_stops(conn, vid)
    assert (counts["trips_from_shapes"], counts["trips_derived"]) == (0, len(derived))


@pytest.mark.parametrize("path", WITH_FREQUENCIES, ids=ids(WITH_FREQUENCIES))
def test_frequency_based_trips_have_lines(corpus, path):
    conn, vid, _ = built(corpus, path)
    freq_trips = {r["trip_id"] for r in read_csv(path, "frequencies.txt")}
    got = rows(conn, "SELECT trip_id FROM gtfs.trip_geometry WHERE feed_version_id = %s AND geom IS NOT NULL"
                     " AND trip_id = ANY(%s)", vid, sorted(freq_trips))
    assert {t for (t,) in got} == freq_trips


@pytest.mark.parametrize("path", FEEDS, ids=ids(FEEDS))
def test_all_coordinates_are_in_valid_ranges(corpus, path):
    conn, vid, _ = built(corpus, path)
    for table in ("stop_geom", "shape_geom", "pattern_geom", "route_geom"):
        [(xmin, ymin, xmax, ymax, srids)] = rows(
            conn, f"SELECT min(ST_XMin(geom)), min(ST_YMin(geom)), max(ST_XMax(geom)), max(ST_YMax(geom)),"
                  f" array_agg(DISTINCT ST_SRID(geom)) FILTER (WHERE geom IS NOT NULL)"
                  f" FROM gtfs.{table} WHERE feed_version_id = %s", vid)
        if xmin is None:
            continue
        assert -180 <= xmin <= xmax <= 180, table
        assert -90 <= ymin <= ymax <= 90, table
        assert srids == [4326], table


@pytest.mark.parametrize("path", [p for p in FEEDS if p not in NO_SHAPES], ids=ids([p for p in FEEDS
                                                                                    if p not in NO_SHAPES]))
def test_sample_of_shape_lengths_agrees_with_great_circle_sum(corpus, path):
    conn, vid, _ = built(corpus, path)
    points: dict[str, list[tuple[int, float, float]]] = {}
    for r in read_csv(path, "shapes.txt"):
        points.setdefault(r["shape_id"], []).append(
            (int(r["shape_pt_sequence"]), float(r["shape_pt_lat"]), float(r["shape_pt_lon"])))
    names = sorted(points)
    sample = names[:: max(1, len(names) // LENGTH_SAMPLE)][:LENGTH_SAMPLE]
    lengths = dict(rows(conn, "SELECT shape_id, length_m FROM gtfs.shape_geom"
                              " WHERE feed_version_id = %s AND shape_id = ANY(%s)", vid, sample))
    for shape_id in sample:
        expected = great_circle_m([(lat, lon) for _, lat, lon in sorted(points[shape_id])])
        assert lengths[shape_id] == pytest.approx(expected, rel=0.005), shape_id


@pytest.mark.parametrize("path", FEEDS, ids=ids(FEEDS))
def test_building_twice_gives_the_same_result(corpus, path):
    conn, vid, counts = built(corpus, path)

    def snapshot():
        return {t: rows(conn, f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text))"
                              f" FROM gtfs.{t} t WHERE feed_version_id = %s", vid)
                for t in ("stop_geom", "shape_geom", "pattern_geom", "trip_geom", "route_geom")}

    before = snapshot()
    again = geometry.build_geometry(conn, vid)
    assert snapshot() == before
    drop = ("seconds", "step_seconds")
    assert {k: v for k, v in again.items() if k not in drop} == {k: v for k, v in counts.items() if k not in drop}
