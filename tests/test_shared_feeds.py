"""Every real feed of ../shared/feeds loads, row for row, and exports back to what it was.

Row counts are the ones MANIFEST.md gives (records read with Python's csv
module, blank lines not counted). Skipped, with the reason, where the shared
corpus is absent (a user's checkout).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from pathlib import Path

import psycopg2
import pytest

from conftest import SHARED_FEEDS
from gtfs_pipeline import db, versions
from gtfs_pipeline.archive import inspect, open_zip
from gtfs_pipeline.export import export_version
from gtfs_pipeline.reference import FILE_BY_NAME, FieldType

FEEDS = sorted(p.name for p in SHARED_FEEDS.glob("*.zip")) if SHARED_FEEDS.is_dir() else []


def manifest_rows(manifest: Path) -> dict[str, dict[str, int]]:
    """{zip name: {member path: rows}} from the per-feed member tables of MANIFEST.md."""
    result: dict[str, dict[str, int]] = {}
    current = None
    for line in manifest.read_text().splitlines():
        m = re.match(r"^## (\S+\.zip)$", line)
        if m:
            current = result.setdefault(m.group(1), {})
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is not None and len(cells) >= 3 and re.fullmatch(r"[\d,]+", cells[1] or "x"):
            current[cells[0]] = int(cells[1].replace(",", ""))
    return result


@pytest.fixture(scope="module")
def loaded(shared_feeds, pg_server, template_db):
    """All shared feeds loaded into one database: {zip name: feed_version_id}."""
    name = f"gtfs_shared_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    dsn = pg_server.rsplit("/", 1)[0] + "/" + name
    conn = db.connect(dsn)
    ids = {}
    for feed in FEEDS:
        feed_id = feed.rsplit("-", 1)[0]
        ids[feed], _ = versions.load_feed(conn, shared_feeds / feed, feed_id, geometry=False, validate=False)
    yield conn, ids
    conn.close()
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _db_rows(conn, version_id: int) -> dict[str, tuple[int, int]]:
    """{archive path: (rows kept, rows set aside)} for a version."""
    with conn.cursor() as cur:
        cur.execute("SELECT archive_path, rows, duplicate_rows FROM gtfs.feed_version_file"
                    " WHERE feed_version_id = %s", (version_id,))
        return {r[0]: (r[1], r[2]) for r in cur.fetchall()}


@pytest.mark.parametrize("feed", FEEDS)
def test_every_file_has_the_manifest_row_count(loaded, shared_feeds, feed):
    conn, ids = loaded
    expected = manifest_rows(shared_feeds / "MANIFEST.md")[feed]
    got = _db_rows(conn, ids[feed])
    assert {path: sum(got[path]) for path in expected} == expected
    # The typed tables hold what feed_version_file says they hold.
    with conn.cursor() as cur:
        cur.execute("SELECT filename, rows FROM gtfs.feed_version_file WHERE feed_version_id = %s"
                    " AND load_path IN ('fast', 'robust') AND filename LIKE '%%.txt'", (ids[feed],))
        for filename, rows in cur.fetchall():
            cur.execute(f"SELECT count(*) FROM gtfs.{FILE_BY_NAME[filename].table} WHERE feed_version_id = %s",
                        (ids[feed],))
            assert cur.fetchone()[0] == rows, filename


def test_each_feed_publishes_its_latest_version(loaded):
    """Feeds are named without their date, so the two BART feeds are two versions of one feed."""
    conn, ids = loaded
    with conn.cursor() as cur:
        cur.execute("SELECT v.feed_version_id, v.status FROM gtfs.feed_version v")
        status = dict(cur.fetchall())
    latest = {}
    for feed in FEEDS:
        latest[feed.rsplit("-", 1)[0]] = ids[feed]
    assert {f: status[v] for f, v in ids.items() if v not in latest.values()} == (
        {"bart-20070101.zip": "superseded"} if "bart-20070101.zip" in ids else {})
    assert {status[v] for v in latest.values()} == {"published"}


def _normalise(value: str | None, type_: FieldType | None) -> object:
    """The documented round-trip normalisation: trimmed, empty = absent, times with
    two-digit hours, numbers compared as numbers."""
    if value is None:
        return None
    value = value.strip(" \t")
    if value == "":
        return None
    if type_ is FieldType.TIME and re.fullmatch(r"\d:\d\d:\d\d", value):
        return "0" + value
    if type_ in (FieldType.INTEGER, FieldType.ENUM):
        return int(value)
    if type_ in (FieldType.FLOAT, FieldType.LATITUDE, FieldType.LONGITUDE, FieldType.CURRENCY_AMOUNT):
        return float(value)
    return value


def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    records = []
    line = 1
    for record in reader:
        start = line + 1
        line = reader.line_num
        if record and not (len(record) == 1 and not record[0].strip()):
            records.append((start, record))
    return header, records


@pytest.mark.parametrize("feed", FEEDS)
def test_export_round_trips_every_reference_column(loaded, shared_feeds, feed, tmp_path):
    conn, ids = loaded
    out = tmp_path / "export.zip"
    export_version(conn, ids[feed], out)
    with conn.cursor() as cur:
        cur.execute("SELECT filename, line_number FROM gtfs.rejected_row WHERE feed_version_id = %s", (ids[feed],))
        set_aside: dict[str, set[int]] = {}
        for filename, line in cur.fetchall():
            set_aside.setdefault(filename, set()).add(line)
    with open_zip(shared_feeds / feed) as original, zipfile.ZipFile(out) as exported:
        layout = inspect(original)
        for name, member in layout.members.items():
            if member.kind != "gtfs" or name not in exported.namelist():
                continue
            gtfs_file = FILE_BY_NAME[name]
            header, records = _read_csv(original.read(member.archive_name))
            ex_header, ex_records = _read_csv(exported.read(name))
            records = [r for line, r in records if line not in set_aside.get(name, set())]
            columns = [c for c in header if c in gtfs_file.column_by_name]
            assert [c for c in ex_header if c in gtfs_file.column_by_name] == columns, name
            assert len(ex_records) == len(records), name
            src_idx = [header.index(c) for c in columns]
            ex_idx = [ex_header.index(c) for c in columns]
            types = [gtfs_file.column_by_name[c].type for c in columns]
            for (_, ex), src in zip(ex_records, records):
                want = [_normalise(src[i] if i < len(src) else None, t) for i, t in zip(src_idx, types)]
                got = [_normalise(ex[i] if i < len(ex) else None, t) for i, t in zip(ex_idx, types)]
                assert got == want, f"{name}: {src}"
