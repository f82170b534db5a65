"""Is a zip given with the DAG's ``url`` param a version of the feed it is loaded into?

A ``url`` param loads any zip as a new version of the one feed named in ``feed_ids``; a typo
in the feed id or the wrong file would publish another agency's timetable under this feed.
So before such a zip becomes a version, its identity is compared with the feed's current
version and a difference refuses it (unless the run says ``force``), saying what differs.

Identity, the choice made here: the set of agencies as ``(agency_id, agency_name)`` from
agency.txt, and the publisher ``(feed_publisher_name, feed_publisher_url)`` from feed_info.txt
when both sides have one (feed_info is optional; its version and dates change with every
release and are not compared). Values are compared with surrounding blanks stripped. A feed
without a current version has nothing to compare with: the zip is taken.

Only these two small files are read, streamed, at most ``MAX_ROWS`` rows each and no line
longer than ``MAX_LINE`` characters (the rows before such a line are the identity); a malformed
file is not this check's business (the load reports it with file, line and column).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from . import archive

MAX_ROWS = 1000  # agencies (or feed_info rows) read at most: more is not a real feed's identity
SHOWN = 5  # agencies listed at most on each side of a difference
MAX_LINE = 64 * 1024  # characters: an agency or feed_info line is a few hundred; never read one whole


@dataclass(frozen=True)
class FeedIdentity:
    agencies: frozenset[tuple[str, str]]  # (agency_id, agency_name)
    publisher: tuple[str, str] | None  # (feed_publisher_name, feed_publisher_url), None: no feed_info


def of_zip(source: BinaryIO, feed_id: str) -> FeedIdentity:
    """The identity of a GTFS zip (a seekable binary file)."""
    with zipfile.ZipFile(source) as zf:
        layout = archive.inspect(zf, feed_id=feed_id)
        agencies = _rows(zf, layout, "agency.txt", ("agency_id", "agency_name"), feed_id)
        publisher = _rows(zf, layout, "feed_info.txt", ("feed_publisher_name", "feed_publisher_url"), feed_id)
    return FeedIdentity(frozenset(agencies), publisher[0] if publisher else None)


def of_version(conn, feed_version_id: int) -> FeedIdentity:
    """The identity of a loaded version, from its rows."""
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(agency_id, ''), coalesce(agency_name, '') FROM gtfs.agency"
                    " WHERE feed_version_id = %s LIMIT %s", (feed_version_id, MAX_ROWS))
        agencies = frozenset((a.strip(), n.strip()) for a, n in cur.fetchall())
        cur.execute("SELECT coalesce(feed_publisher_name, ''), coalesce(feed_publisher_url, '')"
                    " FROM gtfs.feed_info WHERE feed_version_id = %s ORDER BY line_number LIMIT 1",
                    (feed_version_id,))
        row = cur.fetchone()
    conn.rollback()
    return FeedIdentity(agencies, (row[0].strip(), row[1].strip()) if row else None)


def current_version(conn, feed_id: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT current_version_id FROM gtfs.feed WHERE feed_id = %s", (feed_id,))
        row = cur.fetchone()
    conn.rollback()
    return row[0] if row else None


def differences(current: FeedIdentity, given: FeedIdentity) -> list[str]:
    """What differs, one phrase per difference (empty: the same feed)."""
    out = []
    if current.agencies != given.agencies:
        out.append(f"agencies {_agencies(given.agencies - current.agencies)} only in the given zip, "
                   f"{_agencies(current.agencies - given.agencies)} only in the current version")
    if current.publisher and given.publisher and current.publisher != given.publisher:
        out.append(f"feed_info publisher {_pair(given.publisher)} in the given zip, "
                   f"{_pair(current.publisher)} in the current version")
    return out


def _agencies(agencies: frozenset[tuple[str, str]]) -> str:
    if not agencies:
        return "none"
    shown = sorted(agencies)[:SHOWN]
    more = f" and {len(agencies) - SHOWN} more" if len(agencies) > SHOWN else ""
    return ", ".join(_pair(a) for a in shown) + more


def _pair(pair: tuple[str, str]) -> str:
    return "(" + ", ".join(repr(v[:80]) for v in pair) + ")"


def _rows(zf: zipfile.ZipFile, layout: archive.ArchiveLayout, name: str, columns: tuple[str, str],
          feed_id: str) -> list[tuple[str, str]]:
    member = layout.members.get(name)
    if member is None:
        return []
    with archive.open_member(zf, member, feed_id=feed_id) as raw:
        text = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", errors="replace", newline="")
        out = []
        try:
            reader = csv.DictReader(_bounded_lines(text))
            for row in reader:
                out.append(tuple((row.get(c) or "").strip() for c in columns))
                if len(out) >= MAX_ROWS:
                    break
        except csv.Error:
            pass  # a malformed file: what was read so far is the identity; the load names the fault
        return out


def _bounded_lines(text: io.TextIOBase):
    """The text's lines up to the first one longer than MAX_LINE (which ends them): a line is
    never held whole, however long (csv's own field limit applies only after a line is read)."""
    while line := text.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            return
        yield line
