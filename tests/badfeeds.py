"""The bad-input corpus: feeds an agency might serve, each broken in one way, with the outcome promised.

Every case is built by this module (no binary fixtures): ``case.build(path)``
writes the bytes. ``outcome`` is what `gtfs-pipeline load` must do with it:

- ``fail``: exit 1, stderr is exactly ``gtfs-pipeline: error: <message>``
  (naming feed, file, line and column where they exist); nothing is published.
- ``load``: exit 0, the version is published, and the loader's notices are
  exactly ``notices`` ({code: count}); ``rule_notices`` lists validation codes
  whose counts are checked too (the others are not part of the case).
- ``blocked``: the version loads (``notices`` exact) but the publish policy
  keeps it unpublished: exit 1 with ``message``; the previous version stays current.

``env`` sets environment variables of the load process (small limits, so a
real zip bomb can be stopped in a test). ``proves`` is the line for
docs/reliability.md. The base of every case is the minimal valid feed of
feedbuilder, loaded and published first as the feed's good version.
"""

from __future__ import annotations

import base64
import io
import os
import random
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from feedbuilder import MINIMAL, write_feed

FEED_ID = "f"
STOPS_HEADER = "stop_id,stop_name,stop_lat,stop_lon"
ST_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence"
CAL_HEADER = "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date"
BOMB_LIMIT = 4 * 1024 * 1024  # GTFS_MAX_MEMBER_BYTES for the bomb cases
BOMB_BYTES = 64 * 1024 * 1024  # what the bomb's stop_times.txt expands to


@dataclass(frozen=True)
class BadFeed:
    name: str
    build: Callable[[Path], None]
    outcome: str  # 'fail' | 'load' | 'blocked'
    proves: str
    message: str | None = None  # fail/blocked: the exact error text ({vid}: the new version id)
    notices: dict[str, int] = field(default_factory=dict)  # load/blocked: loader notices, exact
    rule_notices: dict[str, int] = field(default_factory=dict)  # validation codes checked
    env: dict[str, str] = field(default_factory=dict)


# --- builders -------------------------------------------------------------------------------

def good_zip(path: Path) -> None:
    write_feed(path, {})


def feed(files: dict[str, str | bytes] | None = None, drop: tuple[str, ...] = (),
         extra: dict[str, bytes] | None = None, base: dict[str, str] | None = MINIMAL,
         compression: int = zipfile.ZIP_DEFLATED) -> Callable[[Path], None]:
    """MINIMAL overlaid with ``files``, without ``drop``; ``extra`` members are written under
    their names exactly as given (``../x``, ``/abs``), which write_feed would not allow."""

    def build(path: Path) -> None:
        members: dict[str, str | bytes] = dict(base or {})
        members.update(files or {})
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, content in members.items():
                if name not in drop:
                    zf.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
            for name, content in (extra or {}).items():
                info = zipfile.ZipInfo(name)
                info.filename = name  # ZipInfo keeps the name; set it again in case a version normalises
                info.compress_type = compression
                zf.writestr(info, content)
    return build


def raw(data: bytes) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        path.write_bytes(data)
    return build


def _zip_bytes(build: Callable[[Path], None], tmp: Path) -> bytes:
    build(tmp)
    return tmp.read_bytes()


def truncated(path: Path) -> None:
    good_zip(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])


def wrong_crc(path: Path) -> None:
    """stop_times.txt stored (not compressed) with one byte changed after its CRC was written."""
    feed(compression=zipfile.ZIP_STORED)(path)
    data = bytearray(path.read_bytes())
    at = data.find(b"T1,08:10:00")
    data[at + 3] = ord("9")  # 08:10:00 -> 09:10:00: still a valid row, but not the bytes the CRC covers
    path.write_bytes(bytes(data))


def corrupt_deflate(path: Path) -> None:
    """A byte of stop_times.txt's compressed stream overwritten: it no longer inflates."""
    good_zip(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("stop_times.txt")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] = 0xFF  # block type 3 (reserved) in the first deflate block header
    path.write_bytes(bytes(data))


def _bomb_member() -> bytes:
    """stop_times.txt of BOMB_BYTES: a header, then line breaks (deflates about 1000 to 1)."""
    head = (ST_HEADER + "\n").encode()
    return head + b"\n" * (BOMB_BYTES - len(head))


def zip_bomb(path: Path) -> None:
    feed({"stop_times.txt": _bomb_member()})(path)


def zip_bomb_lying(path: Path) -> None:
    """The same bomb, but the central directory declares stop_times.txt as 1000 bytes."""
    zip_bomb(path)
    data = bytearray(path.read_bytes())
    name = b"stop_times.txt"
    at = 0
    while True:
        at = data.find(b"PK\x01\x02", at)
        if at < 0:
            break
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46: at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, 1000)  # uncompressed size
        at += 4
    path.write_bytes(bytes(data))


def nested_only(path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in MINIMAL.items():
            zf.writestr(name, content)
    feed(base={}, extra={"google_transit.zip": inner.getvalue()})(path)


def nested_beside(path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("stops.txt", MINIMAL["stops.txt"])
    feed(extra={"archive/old.zip": inner.getvalue()})(path)


def duplicate_members(path: Path) -> None:
    """Two members named stops.txt: the first renames the stops, the second is the original."""
    import warnings

    feed(drop=("stops.txt",))(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("stops.txt", STOPS_HEADER + "\nS1,Evil,1,1\nS2,Evil,1,1\n")
            zf.writestr("stops.txt", MINIMAL["stops.txt"])


def stops(*rows: str, header: str = STOPS_HEADER) -> str:
    return header + "\n" + "".join(r + "\n" for r in rows)


def stop_times(*rows: str, header: str = ST_HEADER) -> str:
    return header + "\n" + "".join(r + "\n" for r in rows)


S1, S2 = "S1,First,52.5,13.4", "S2,Second,52.51,13.41"
S1X, S2X = S1 + ",v", S2 + ","  # rows with a value, and an empty one, in a fifth column
ST1, ST2 = "T1,08:00:00,08:00:00,S1,1", "T1,08:10:00,08:11:00,S2,2"
LONG_NAME = "x" * 100_000
# Ten million characters that deflate about as text does (one letter repeated would deflate
# 1000 to 1, which GTFS_MAX_EXPANSION_RATIO refuses as a zip bomb).
TEN_MB_VALUE = base64.b64encode(random.Random(15).randbytes(7_500_000)).decode()
LOOKALIKE_ID = "stop_\u0456d"  # Cyrillic small letter byelorussian-ukrainian i
LOOKALIKE_NAME = "stop_n\u0430me"  # Cyrillic small letter a
MINIMAL_BYTES = sum(len(v.encode()) for v in MINIMAL.values())
NOT_FOUND = "feed f: the archive contains no GTFS files (no agency.txt, stops.txt, ...)"


CASES: list[BadFeed] = [
    # --- the bytes are not a usable zip ---
    BadFeed("html_error_page", raw(b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head></html>"),
            "fail", "an error page served with status 200 is named as such, not parsed",
            message="feed f: not a readable zip archive (it starts with b'<!DOCTYPE html><html><head><ti': "
                    "an error page or API response, not a feed)"),
    BadFeed("empty_body", raw(b""), "fail", "an empty download fails as empty",
            message="feed f: not a readable zip archive (the file is empty)"),
    BadFeed("truncated_zip", truncated, "fail", "a download cut short (no central directory) fails as truncated",
            message="feed f: not a readable zip archive (it starts like a zip but is truncated or corrupt)"),
    BadFeed("wrong_crc", wrong_crc, "fail", "a member whose bytes do not match its CRC fails, naming the member",
            message="feed f, file stop_times.txt: the archive is corrupt: Bad CRC-32 for file 'stop_times.txt'"),
    BadFeed("corrupt_deflate_stream", corrupt_deflate, "fail",
            "a member whose compressed stream is damaged fails, naming the member",
            message="feed f, file stop_times.txt: the archive is corrupt: Error -3 while decompressing data: "
                    "invalid block type"),
    BadFeed("zip_bomb", zip_bomb, "fail",
            "a 1000:1 bomb stops at the per-member limit (GTFS_MAX_MEMBER_BYTES) before a byte is inflated",
            message=f"feed f, file stop_times.txt: declares {BOMB_BYTES} bytes decompressed, over the limit of "
                    f"{BOMB_LIMIT} bytes per member",
            env={"GTFS_MAX_MEMBER_BYTES": str(BOMB_LIMIT)}),
    BadFeed("zip_bomb_lying_size", zip_bomb_lying, "fail",
            "a bomb whose directory understates its size is cut at the declared size and fails its CRC",
            message="feed f, file stop_times.txt: the archive is corrupt: Bad CRC-32 for file 'stop_times.txt'"),
    BadFeed("too_many_members", feed(extra={f"extra/{i}.bin": b"x" for i in range(10)}), "fail",
            "the member count is bounded (GTFS_MAX_MEMBERS)",
            message="feed f: the archive has 16 members, more than the limit of 10",
            env={"GTFS_MAX_MEMBERS": "10"}),
    BadFeed("total_size_over_limit", feed(extra={"padding.bin": b"\0" * 5000}), "fail",
            "the total decompressed size is bounded (GTFS_MAX_TOTAL_BYTES)",
            message=f"feed f: the members declare {MINIMAL_BYTES + 5000} bytes decompressed in all, over the limit"
                    " of 4096 bytes",
            env={"GTFS_MAX_TOTAL_BYTES": "4096"}),
    BadFeed("parent_dir_member", feed(extra={"../../evil.txt": b"owned\n"}), "load",
            "a member named ../.. is never read nor written; it is listed as ignored",
            notices={"ignored_member": 1}),
    BadFeed("absolute_member", feed(extra={"/tmp/gtfs-evil/abs.txt": b"owned\n"}), "load",
            "a member with an absolute name is never read nor written; it is listed as ignored",
            notices={"ignored_member": 1}),
    BadFeed("windows_unsafe_members", feed(extra={"..\\..\\evil.txt": b"x", "C:\\evil.txt": b"x"}), "load",
            "backslash ..\\ and drive-letter names are unsafe too",
            notices={"ignored_member": 2}),
    BadFeed("nested_zip_only", nested_only, "fail", "a zip inside the zip is not opened; the feed says why",
            message=NOT_FOUND + "; it holds google_transit.zip: archives inside the archive are not opened"),
    BadFeed("nested_zip_beside_files", nested_beside, "load",
            "a zip beside the GTFS files is kept as bytes, never opened",
            notices={"unknown_file": 1}),
    BadFeed("no_gtfs_files", feed(base={}, extra={"readme.txt": b"hello\n"}), "fail",
            "a zip without GTFS files fails", message=NOT_FOUND),
    BadFeed("duplicate_member_names", duplicate_members, "load",
            "of two members with one name, the one every zip tool extracts (the last) is the one loaded",
            notices={"ignored_member": 1}),
    # --- required files and columns ---
    BadFeed("missing_required_file", feed(drop=("trips.txt",)), "fail", "a missing required file fails, named",
            message="feed f: required file trips.txt is missing"),
    BadFeed("missing_calendar", feed(drop=("calendar.txt",)), "fail",
            "no calendar.txt nor calendar_dates.txt fails",
            message="feed f: neither calendar.txt nor calendar_dates.txt is present (one is required)"),
    BadFeed("missing_required_column",
            feed({"stop_times.txt": "trip_id,arrival_time,departure_time,stop_id\nT1,08:00:00,08:00:00,S1\n"}),
            "fail", "a required column missing fails, naming file, line 1 and the column",
            message="feed f, file stop_times.txt, line 1, column stop_sequence: "
                    "required column stop_sequence is missing from the header"),
    BadFeed("optional_file_missing_required_column", feed({"frequencies.txt": "trip_id,start_time\nT1,08:00:00\n"}),
            "load", "an optional file lacking required columns is kept as raw rows, with a notice per column",
            notices={"missing_required_column": 2}),  # end_time, headway_secs
    # --- headers crafted against SQL and the parser ---
    BadFeed("header_sql_quote", feed({"stops.txt": stops(S1X, S2X, header=STOPS_HEADER + ",x'); DROP TABLE gtfs.feed; --")}),
            "load", "a header name with quotes and a semicolon is data (a jsonb key), never SQL",
            notices={"unknown_column": 1}),
    BadFeed("header_sql_double_quote",
            feed({"stops.txt": stops(S1X, S2X, header=STOPS_HEADER + ',"a"")); DROP SCHEMA gtfs CASCADE; --"')}),
            "load", "a header name with double quotes (identifier quoting) is data, never an identifier",
            notices={"unknown_column": 1}),
    BadFeed("header_semicolon_separated",
            feed({"stops.txt": "stop_id;stop_name;stop_lat;stop_lon\nS1;First;52.5;13.4\n"}), "fail",
            "a file separated by semicolons fails with a hint, not with a parse of one huge column",
            message="feed f, file stops.txt, line 1, column stop_id: required column stop_id is missing from the "
                    "header (the header is one name with ';' in it: fields must be separated by commas)"),
    BadFeed("header_very_long_name", feed({"stops.txt": stops(S1X, S2X, header=STOPS_HEADER + "," + LONG_NAME)}),
            "load", "a 100 000-character header name is kept as data (no identifier is made of it)",
            notices={"unknown_column": 1}),
    BadFeed("header_line_over_limit",
            feed({"stops.txt": stops(S1, header=STOPS_HEADER + "," + "y" * (1 << 20))}), "fail",
            "the header line is bounded (1 MiB)",
            message="feed f, file stops.txt, line 1: the header line is longer than 1048576 bytes"),
    BadFeed("header_lookalike_key", feed({"stops.txt": stops(S1, S2, header=STOPS_HEADER.replace("stop_id", LOOKALIKE_ID))}),
            "fail", "a Unicode look-alike of a required column is not that column",
            message="feed f, file stops.txt, line 1, column stop_id: required column stop_id is missing from the header"),
    BadFeed("header_lookalike_optional",
            feed({"stops.txt": stops(S1, S2, header=STOPS_HEADER.replace("stop_name", LOOKALIKE_NAME))}),
            "load", "a look-alike of an optional column is an unknown column, kept in extras",
            notices={"unknown_column": 1}),
    BadFeed("duplicate_header_names", feed({"stops.txt": stops(S1 + ",Again", S2 + ",", header=STOPS_HEADER + ",stop_name")}),
            "load", "a repeated column name: the first is the column, the second goes to extras",
            notices={"duplicated_column": 1}),
    BadFeed("duplicate_key_header", feed({"stops.txt": stops(S1 + ",S9", S2 + ",S8", header=STOPS_HEADER + ",stop_id")}),
            "load", "a repeated key column: the first is the key",
            notices={"duplicated_column": 1}),
    BadFeed("empty_header_name", feed({"stops.txt": stops(S1 + ",z", S2 + ",", header=STOPS_HEADER + ",")}),
            "load", "an empty header name is kept as column_N in extras",
            notices={"empty_column_name": 1}),
    BadFeed("empty_header_line", feed({"stops.txt": "\n" + S1 + "\n" + S2 + "\n"}), "fail",
            "a file whose first line is empty but has rows fails (its rows cannot be named), not 'empty'",
            message="feed f, file stops.txt, line 1, column stop_id: required column stop_id is missing from the header"),
    # --- rows the CSV parser must survive ---
    BadFeed("unterminated_quote", feed({"stops.txt": stops(S1, 'S2,"Second,52.51,13.41', "S3,Third,52.52,13.42")}),
            "load", "an unterminated quote is named (line, column) instead of silently swallowing the file's end",
            notices={"csv_parsing_failed": 1, "invalid_row_length": 1}),
    BadFeed("ragged_rows", feed({"stops.txt": stops("S1,First,52.5", S2 + ",extra")}), "load",
            "short and long rows load, each with a notice", notices={"invalid_row_length": 2}),
    BadFeed("nul_bytes", feed({"stops.txt": stops("S1,Fi\0rst,52.5,13.4", S2)}), "load",
            "a NUL byte is removed with a notice (PostgreSQL text cannot hold it)",
            notices={"invalid_character": 1}),
    BadFeed("invalid_utf8", feed({"stops.txt": stops("S1,Caf\x81,52.5,13.4", S2).encode("latin-1")}), "load",
            "bytes that are not UTF-8 nor Windows-1252 load as Latin-1, with a notice (and the value's own)",
            notices={"non_utf8_encoding": 1, "invalid_character": 1}),
    BadFeed("latin1_text", feed({"stops.txt": stops("S1,M\u00fcnchen,52.5,13.4", S2).encode("cp1252")}), "load",
            "Latin-1/Windows-1252 text is transcoded, with a notice (and the value's own)",
            notices={"non_utf8_encoding": 1, "invalid_character": 1}),
    BadFeed("utf16_file", feed({"stops.txt": stops(S1, S2).encode("utf-16")}), "fail",
            "a UTF-16 file is named as such",
            message="feed f, file stops.txt, line 1: the file is UTF-16 encoded; GTFS files must be UTF-8"),
    BadFeed("ten_mb_field", feed({"stops.txt": stops("S1," + TEN_MB_VALUE + ",52.5,13.4", S2)}), "load",
            "a 10 MB value loads whole (values are bounded at 64 MiB)"),
    BadFeed("duplicate_primary_keys", feed({"stops.txt": stops(S1, S2, "S1,Again,52.6,13.5")}), "load",
            "a duplicate key keeps the first row; the other is set aside with a notice",
            notices={"duplicate_key": 1}),
    # --- references and values ---
    BadFeed("missing_trip_reference", feed({"stop_times.txt": stop_times(ST1, ST2, "T9,09:00:00,09:00:00,S1,1")}),
            "load", "a stop time of a trip that does not exist loads; validation names it",
            rule_notices={"foreign_key_violation": 1}),
    BadFeed("missing_stop_reference", feed({"stop_times.txt": stop_times(ST1, "T1,08:10:00,08:11:00,S9,2")}),
            "load", "a stop time at a stop that does not exist loads; validation names it",
            rule_notices={"foreign_key_violation": 1}),
    BadFeed("missing_route_reference", feed({"trips.txt": "route_id,service_id,trip_id\nR9,WD,T1\n"}), "load",
            "a trip of a route that does not exist loads; validation names it",
            rule_notices={"foreign_key_violation": 1}),
    BadFeed("invalid_date", feed({"calendar.txt": CAL_HEADER + "\nWD,1,1,1,1,1,0,0,20230231,20241231\n"}), "load",
            "20230231 is NULL with an invalid_date notice keeping the text", notices={"invalid_date": 1}),
    BadFeed("invalid_time", feed({"stop_times.txt": stop_times("T1,25:61:00,08:00:00,S1,1", ST2)}), "load",
            "25:61:00 is NULL with an invalid_time notice", notices={"invalid_time": 1}),
    BadFeed("negative_time", feed({"stop_times.txt": stop_times("T1,-1:00:00,08:00:00,S1,1", ST2)}), "load",
            "-1:00:00 is NULL with an invalid_time notice", notices={"invalid_time": 1}),
    BadFeed("latitude_out_of_range", feed({"stops.txt": stops("S1,First,95.0,13.4", S2)}), "load",
            "a latitude of 95 loads as written; validation names it, geometry leaves it out",
            rule_notices={"number_out_of_range": 1}),
    BadFeed("swapped_lat_lon", feed({"stops.txt": stops("S1,First,13.4,52.5", "S2,Second,13.41,52.51")}), "load",
            "swapped coordinates load as written (both in range): no loader notice"),
    BadFeed("exponent_float", feed({"stops.txt": stops("S1,First,5.25e1,1.34E+1", S2)}), "load",
            "floats in exponent notation are valid floats"),
    BadFeed("exponent_integer", feed({"stop_times.txt": stop_times("T1,08:00:00,08:00:00,S1,1e0", ST2)}), "load",
            "an integer in exponent notation is not an integer: NULL, its row set aside (the key has no value)",
            notices={"invalid_integer": 1}),
    BadFeed("nan_and_infinity", feed({"stops.txt": stops("S1,First,NaN,Infinity", S2)}), "load",
            "NaN and Infinity are not GTFS floats (PostgreSQL would take them): NULL with notices",
            notices={"invalid_float": 2}),
    # --- empty and header-only files ---
    BadFeed("empty_required_file", feed({"stops.txt": ""}), "blocked",
            "an empty stops.txt loads empty with a notice; the publish policy keeps it unpublished",
            message="feed f: version {vid} loaded but not published: fatal: no stops",
            notices={"empty_file": 1}),
    BadFeed("header_only_stop_times", feed({"stop_times.txt": ST_HEADER + "\n"}), "blocked",
            "a header-only stop_times.txt loads; the publish policy keeps it unpublished",
            message="feed f: version {vid} loaded but not published: fatal: no stop times"),
    BadFeed("empty_optional_file", feed({"calendar_dates.txt": ""}), "load",
            "an empty optional file loads as an empty table with a notice", notices={"empty_file": 1}),
    BadFeed("header_only_optional_file", feed({"calendar_dates.txt": "service_id,date,exception_type\n"}), "load",
            "a header-only optional file loads as an empty table"),
]

CASE_BY_NAME = {c.name: c for c in CASES}


# --- running a load as a user runs it, and looking at what is published -----------------------

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_kib: int  # the process's peak resident set size (VmHWM), KiB

    @property
    def error_line(self) -> str:
        lines = self.stderr.strip().splitlines()
        return lines[-1] if lines else ""


# The command, run by a two-line wrapper that records the process's peak resident memory
# (VmHWM) when it exits: getrusage would report the parent's size at fork time instead.
_MEASURED_CLI = (
    "import atexit, os, runpy, sys\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as s, open(os.environ['GTFS_TEST_PEAK_FILE'], 'w') as out:\n"
    "        out.write(next(l.split()[1] for l in s if l.startswith('VmHWM:')))\n"
    "atexit.register(_peak)\n"
    "sys.argv[0] = 'gtfs-pipeline'\n"
    "runpy.run_module('gtfs_pipeline.cli', run_name='__main__', alter_sys=True)\n"
)


def run_cli(dsn: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 120) -> Run:
    """`python -m gtfs_pipeline.cli ARGS` in its own process; also measures its peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_file = Path(tmp) / "peak"
        environment = {**os.environ, "PYTHONPATH": str(REPO / "plugins"), "GTFS_DATABASE_URL": dsn,
                       "GTFS_TEST_PEAK_FILE": str(peak_file), **(env or {})}
        proc = subprocess.run([sys.executable, "-c", _MEASURED_CLI, *args], capture_output=True, text=True,
                              env=environment, cwd=cwd, timeout=timeout)
        peak = int(peak_file.read_text()) if peak_file.exists() else 0
    return Run(proc.returncode, proc.stdout, proc.stderr, peak)


# What publishing records about the change from the previous current version (timetable.py):
# each publish adds to it by design, the test's own re-publish of the good version included.
PUBLISH_HISTORY = {"feed_version_diff", "feed_version_change"}


def published_snapshot(conn) -> dict[str, tuple[int, str]]:
    """Every gtfs_current view: (rows, md5 of its rows as text, in order). Equal snapshots
    mean byte-for-byte the same published data."""
    return _snapshot(conn, "gtfs_current", "views", "")


def version_snapshot(conn, feed_version_id: int) -> dict[str, tuple[int, str]]:
    """Every gtfs table with a feed_version_id column, restricted to one version: its rows
    whether published or not (notices, rejected rows and geometry included). Not the
    version's own bookkeeping row (gtfs.feed_version: status, published_at)."""
    out = _snapshot(conn, "gtfs", "tables", f"WHERE feed_version_id = {int(feed_version_id)}")
    del out["feed_version"]
    return out


def _snapshot(conn, schema: str, kind: str, where: str) -> dict[str, tuple[int, str]]:
    with conn.cursor() as cur:
        relkinds = "('v')" if kind == "views" else "('r', 'p')"
        cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'feed_version_id'"
                    f" WHERE n.nspname = %s AND c.relkind IN {relkinds} AND NOT c.relispartition"
                    " ORDER BY 1", (schema,))
        names = [r[0] for r in cur.fetchall() if r[0] not in PUBLISH_HISTORY]
        out = {}
        for name in names:
            cur.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), ''))"
                        f' FROM {schema}."{name}" t {where}')
            out[name] = cur.fetchone()
    conn.rollback()
    return out
