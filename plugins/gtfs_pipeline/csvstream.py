"""Streams between a zip member and COPY: header mapping, and the robust row path.

The fast path hands PostgreSQL the member's own bytes (after the header line)
and lets COPY parse and type them. When COPY refuses a file (a bad value, a
ragged row, a blank line, columns the reference does not know), the robust
path here parses it with the csv module, types each value with the same
rules as the database, and writes clean CSV for the same COPY, recording a
notice for everything it had to change.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Callable, Iterable, Iterator

from . import settings
from .errors import FeedError, MissingRequiredColumns
from .reference import Column, FieldType, GtfsFile

BOM = codecs.BOM_UTF8
MAX_HEADER_BYTES = 1 << 20
WHITESPACE = " \t"
# Encodings tried in order; latin-1 reads any byte, so the last one never fails.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
PG_ENCODING = {"utf-8": "UTF8", "cp1252": "WIN1252", "latin-1": "LATIN1"}

LINES_PER_BATCH = 1 << 16
BLANK_LINES_NOTED = 1000  # empty_row notices one by one per file; the rest are counted in one


def max_line_bytes() -> int:
    return settings.current().max_line_bytes


def max_columns() -> int:
    return settings.current().max_columns


# Every csv reader of the package (headers, identity, the robust path) may meet a value up to the
# line limit; the readers that hold values set it again from the settings at each call.
csv.field_size_limit(max_line_bytes())


@dataclass
class Notice:
    """A notice in the validator's vocabulary, as the loader writes it."""

    code: str
    severity: str
    filename: str | None
    line_number: int | None = None
    field_name: str | None = None
    value: str | None = None
    context: dict | None = None

    def as_row(self) -> tuple:
        return (self.code, self.severity, self.filename, self.line_number, self.field_name,
                self.value, json.dumps(self.context) if self.context is not None else None)


@dataclass
class HeaderMap:
    """How a file's header maps onto the reference.

    ``positions[i]`` is the reference column the i-th field goes to, or None
    when the field is kept in ``extras`` under ``extra_names[i]``.
    """

    raw_names: list[str]
    positions: list[Column | None]
    extra_names: dict[int, str]
    notices: list[Notice] = field(default_factory=list)

    @property
    def known_columns(self) -> list[Column]:
        return [c for c in self.positions if c is not None]

    @property
    def unknown_names(self) -> list[str]:
        return [self.extra_names[i] for i in sorted(self.extra_names)]

    @property
    def clean(self) -> bool:
        """True when COPY can take the file's own bytes: every field is a known column."""
        return not self.extra_names


def too_many_columns(count: int, cap: int, **where) -> FeedError:
    return FeedError(f"{count} columns, more than the limit of {cap} (GTFS_MAX_COLUMNS); nothing of the file "
                     "was loaded", **where)


def map_header(names: list[str], gtfs_file: GtfsFile, *, feed_id: str | None = None) -> HeaderMap:
    """Map header names to reference columns; unknown, duplicate and empty names go to extras.

    Raises FeedError when a column the reference requires is missing.
    """
    positions: list[Column | None] = []
    extra_names: dict[int, str] = {}
    notices: list[Notice] = []
    seen: set[str] = set()
    fname = gtfs_file.name
    cap = max_columns()
    if len(names) > cap:
        raise too_many_columns(len(names), cap, feed_id=feed_id, filename=fname, line=1)
    lower = {c.name.lower(): c.name for c in gtfs_file.columns}
    for i, raw in enumerate(names):
        name = raw.replace("\x00", "")
        if name != raw:
            notices.append(Notice("invalid_character", "ERROR", fname, 1, name.strip().strip("\ufeff"),
                                  raw.replace("\x00", "\\0"),
                                  {"index": i + 1, "reason": "NUL byte removed from the header name"}))
        if "\ufeff" in name:
            notices.append(Notice("invalid_character", "ERROR", fname, 1, name.replace("\ufeff", "").strip(), name,
                                  {"index": i + 1, "reason": "byte order mark (U+FEFF) removed from the header name"}))
            name = name.replace("\ufeff", "")
        stripped = name.strip()
        if stripped != name:
            notices.append(Notice("leading_or_trailing_whitespaces", "WARNING", fname, 1, stripped, name,
                                  {"index": i + 1, "reason": "whitespace removed from the header name"}))
        name = stripped
        column = gtfs_file.column_by_name.get(name)
        if not name:
            key = f"column_{i + 1}"
            notices.append(Notice("empty_column_name", "ERROR", fname, 1, key, None, {"index": i + 1}))
            positions.append(None)
            extra_names[i] = key
        elif name in seen:
            key = f"{name}#{i + 1}"
            notices.append(Notice("duplicated_column", "ERROR", fname, 1, name, None, {"index": i + 1}))
            positions.append(None)
            extra_names[i] = key
        elif column is None:
            context = {"index": i + 1}
            if name.lower() in lower:
                # Names are matched exactly, as MobilityData's validator does: said, not changed.
                context["differsOnlyInCaseFrom"] = lower[name.lower()]
            notices.append(Notice("unknown_column", "INFO", fname, 1, name, None, context))
            positions.append(None)
            extra_names[i] = name
        else:
            positions.append(column)
        seen.add(name)
    present = {c.name for c in positions if c is not None}
    missing = [c.name for c in gtfs_file.required_columns if c.name not in present]
    if missing:
        hint = ""
        if len(names) == 1:
            separator = next((c for c in (";", "\t", "|") if c in names[0]), None)
            if separator:
                hint = (f" (the header is one name with {separator!r} in it: "
                        "fields must be separated by commas)")
        raise MissingRequiredColumns(f"required column {', '.join(missing)} is missing from the header{hint}",
                                     missing=missing, notices=notices, feed_id=feed_id, filename=fname, line=1)
    return HeaderMap(list(names), positions, extra_names, notices)


def detect_header_encoding(header: bytes) -> str:
    for enc in ENCODINGS:
        try:
            header.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    return ENCODINGS[-1]


class HeaderSplitter:
    """Reads a member's first line (without BOM), leaving the rest readable as bytes.

    ``rest`` is a file-like object over the bytes after the header line, which
    is what the fast path hands to COPY.
    """

    def __init__(self, raw: BinaryIO, label: str, feed_id: str | None = None) -> None:
        self._raw = raw
        buf = b""
        while b"\n" not in buf:
            chunk = raw.read(64 * 1024)
            if not chunk:
                break
            buf += chunk
            if len(buf) > MAX_HEADER_BYTES:
                raise FeedError(f"the header line is longer than {MAX_HEADER_BYTES} bytes",
                                feed_id=feed_id, filename=label, line=1)
        self.had_bom = buf.startswith(BOM)
        if self.had_bom:
            buf = buf[len(BOM):]
        nl = buf.find(b"\n")
        if nl < 0:
            self.header_bytes, self._pending = buf, b""
        else:
            self.header_bytes, self._pending = buf[: nl + 1], buf[nl + 1:]
        self.crlf = self.header_bytes.endswith(b"\r\n")

    @property
    def utf16(self) -> bool:
        return self.header_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))

    def is_blank(self) -> bool:
        """True when the member holds nothing but blank lines (an empty file). Reads ahead
        while what it has read is blank, so use a fresh splitter to read the rows."""
        if self.header_bytes.strip():
            return False
        while not self._pending.strip():
            chunk = self._raw.read(64 * 1024)
            if not chunk:
                return True
            self._pending = chunk  # blank bytes before it are not kept: ``rest`` is incomplete after this
        return False

    def header_names(self, encoding: str) -> list[str]:
        """The header's names as written (NUL bytes included: map_header removes them, with a notice)."""
        text = self.header_bytes.decode(encoding, errors="replace")
        csv.field_size_limit(max(max_line_bytes(), MAX_HEADER_BYTES))
        rows = list(csv.reader(io.StringIO(text.replace("\x00", "\ufffe")), strict=False))
        rows = [[n.replace("\ufffe", "\x00") for n in row] for row in rows]
        return rows[0] if rows else []

    @property
    def rest(self) -> "PrefixedReader":
        return PrefixedReader(self._pending, self._raw)

    def rest_reporting(self, on_read: Callable[[int], None]) -> "PrefixedReader":
        """``rest``, calling ``on_read(n)`` for every n bytes read (progress)."""
        return PrefixedReader(self._pending, self._raw, on_read)


class PrefixedReader(io.RawIOBase):
    """``prefix`` followed by the rest of ``raw``: what a buffered read left over, then the stream."""

    def __init__(self, prefix: bytes, raw: BinaryIO,
                 on_read: Callable[[int], None] | None = None) -> None:
        self._prefix = prefix
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._prefix:
            if size is None or size < 0 or size >= len(self._prefix):
                data, self._prefix = self._prefix, b""
            else:
                data, self._prefix = self._prefix[:size], self._prefix[size:]
        else:
            data = self._raw.read(size if size is not None and size >= 0 else 1 << 20)
        if self._on_read and data:
            self._on_read(len(data))
        return data

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


# A space or tab next to a delimiter or line end: a value may be padded. Plain
# substring tests: a regular expression here costs more than the COPY.
# (quoted values too: a space just inside a quote, `" x"` or `"x "`, is padding the fast path must trim)
_PADDING_MARKS = (b" ,", b", ", b" \n", b"\n ", b" \r", b"\t", b'" ', b' "')


class NumberedRecords(io.RawIOBase):
    """The member's CSV bytes with each record's line number put in front as a first field.

    This is how the fast path stores line numbers without per-row work in the
    database (a sequence default costs as much as the COPY itself). A line
    that continues a quoted field is not a new record: an odd number of quote
    characters on a line toggles "inside quotes". It also notes whether any
    value may be padded with spaces, so the trim pass runs only when needed.
    """

    def __init__(self, raw: BinaryIO, first_line: int = 2, chunk_size: int = 1 << 20,
                 on_read: Callable[[int], None] | None = None, max_line: int | None = None) -> None:
        self._raw = raw
        self._max_line = max_line or max_line_bytes()
        self._line = first_line
        self._chunk = chunk_size
        self._pending = b""
        self._in_quotes = False
        self._out = b""
        self._eof = False
        self._on_read = on_read
        self._backlog: bytes | None = None
        self._backlog_at_end = False
        self._quote_line = 0  # where the open quoted value started, and its bytes so far
        self._quoted_bytes = 0
        self.maybe_padded = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        if self._backlog is not None:
            # Lines left from a chunk of very short lines (LINES_PER_BATCH per call): a MiB of
            # blank lines must not become a million objects and ten MB of output at once.
            buf, self._backlog = self._backlog, None
            at_end = self._backlog_at_end
        else:
            data = self._raw.read(self._chunk)
            if self._on_read and data:
                self._on_read(len(data))
            buf = self._pending + data
            at_end = not data
            if not self.maybe_padded and (b" " in buf or b"\t" in buf) and (
                    buf[:1] == b" " or any(m in buf for m in _PADDING_MARKS)):
                self.maybe_padded = True
        lines = buf.split(b"\n", LINES_PER_BATCH)
        if len(lines) > LINES_PER_BATCH:
            self._backlog, self._backlog_at_end = lines.pop(), at_end
        elif not at_end:
            self._pending = lines.pop()
            if len(self._pending) > self._max_line:
                raise LineTooLong(self._line + len(lines), self._max_line)
        else:
            self._eof = True
            self._pending = b""
            if lines and lines[-1] == b"":
                lines.pop()
        n = self._line
        if not self._in_quotes and b'"' not in buf:
            if b"" in lines or b"\r" in lines:  # a list search: 0.06 s over the 3 M feed's stop_times
                raise BlankLine(n + next(i for i, line in enumerate(lines) if line in (b"", b"\r")))
            self._out += b"".join([b"%d,%b\n" % (i, line) for i, line in enumerate(lines, n)])
        else:
            parts = []
            for i, line in enumerate(lines, n):
                if not self._in_quotes and (line == b"" or line == b"\r"):
                    raise BlankLine(i)
                if self._in_quotes:
                    parts.append(line + b"\n")
                    self._quoted_bytes += len(line) + 1
                    if self._quoted_bytes > self._max_line:
                        raise LineTooLong(self._quote_line, self._max_line, "a quoted value")
                else:
                    parts.append(b"%d,%b\n" % (i, line))
                if line.count(b'"') % 2:
                    self._in_quotes = not self._in_quotes
                    if self._in_quotes:
                        self._quote_line, self._quoted_bytes = i, len(line)
            self._out += b"".join(parts)
        self._line = n + len(lines)

    def read(self, size: int = -1) -> bytes:
        """One numbered chunk of about ``chunk_size`` bytes, whatever ``size`` asks:
        COPY takes any length, and slicing a large buffer per call would cost more
        than the numbering."""
        while not self._out and not self._eof:
            self._fill()
        data, self._out = self._out, b""
        return data

    def read_records(self, limit: int = 16 << 20) -> bytes:
        """Like ``read`` but the chunk ends where a record ends, never inside a quoted
        field, so consecutive chunks may go to different COPY streams; b"" at the end.

        Raises RecordTooLong when a quoted field stays open for more than ``limit``
        bytes (an unterminated quote): memory stays bounded and the caller falls back
        to the robust path, which reports it.
        """
        parts: list[bytes] = []
        size = 0
        while True:
            data = self.read()
            parts.append(data)
            size += len(data)
            if not self._in_quotes or not data:
                return b"".join(parts)
            if size > limit:
                raise RecordTooLong(f"a quoted field runs on for more than {limit} bytes")


class LineTooLong(Exception):
    """A line, or a quoted value running over lines, longer than the limit (GTFS_MAX_LINE_BYTES),
    at ``line`` (where it starts): the caller names feed and file (see ``message``)."""

    def __init__(self, line: int, limit: int, what: str = "the line") -> None:
        super().__init__(f"{what} at line {line} is longer than {limit} bytes")
        self.line = line
        self.limit = limit
        self.what = what

    @property
    def message(self) -> str:
        return (f"{self.what} is longer than {self.limit} bytes (GTFS_MAX_LINE_BYTES); "
                "nothing longer is read into memory")


class BlankLine(Exception):
    """A blank line outside quotes: COPY would refuse it (too few fields) after reading the
    whole member; the fast path stops at once and the robust path notes it (empty_row)."""

    def __init__(self, line: int) -> None:
        super().__init__(f"blank line {line}")
        self.line = line


class RecordTooLong(Exception):
    """A record too long to hand to one of several COPY streams whole."""


class IterReader(io.RawIOBase):
    """A file-like object over an iterator of byte strings (what copy_expert reads)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buf = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 20
        while len(self._buf) < size:
            try:
                self._buf += next(self._chunks)
            except StopIteration:
                break
        data, self._buf = self._buf[:size], self._buf[size:]
        return data

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


class EncodingRetry(Exception):
    """The text is not in the encoding being tried; the caller retries with the next."""


def decoded_lines(raw: BinaryIO, encoding: str, chunk_size: int = 1 << 20, first_line: int = 2,
                  max_line: int | None = None) -> Iterator[str]:
    """Text of a byte stream, decoded incrementally; raises EncodingRetry on a bad byte and
    LineTooLong on a line longer than ``max_line`` (GTFS_MAX_LINE_BYTES) characters."""
    max_line = max_line or max_line_bytes()
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    pending = ""
    line = first_line
    while True:
        chunk = raw.read(chunk_size)
        final = not chunk
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            raise EncodingRetry(str(exc)) from None
        if text:
            # Split on \n only: str.splitlines would also split on \r, U+2028 and
            # others, which may stand inside a field.
            lines = (pending + text).split("\n")
            pending = lines.pop()  # the unfinished last line, if any
            for piece in lines:
                yield piece + "\n"
            line += len(lines)
            if len(pending) > max_line:
                raise LineTooLong(line, max_line)
        if final:
            if pending:
                yield pending
            return


FALLBACK_ENCODINGS = ENCODINGS[1:]  # a line that is not UTF-8 is read as the first of these that decodes it


@dataclass
class MixedStats:
    """What per-line decoding met: lines that are UTF-8 beyond ASCII, lines that were not UTF-8."""

    utf8_text: bool = False  # a line with non-ASCII characters was valid UTF-8
    fallback_lines: int = 0

    @property
    def consistently_other(self) -> bool:
        """Lines not UTF-8 and none that is UTF-8 beyond ASCII: the file is in another encoding."""
        return self.fallback_lines > 0 and not self.utf8_text


def mixed_lines(raw: BinaryIO, stats: MixedStats,
                on_fallback: Callable[[int, int, bytes, str, str], None] | None = None,
                chunk_size: int = 1 << 20, first_line: int = 2, max_line: int | None = None) -> Iterator[str]:
    """Text lines of a UTF-8 byte stream in which a line that is not UTF-8 is decoded alone by
    the fallback (Windows-1252, then Latin-1): ``on_fallback(line, byte position (1-based),
    the bad bytes, the encoding used, the line's text)`` is called for each. Every other line
    keeps its UTF-8 text. A chunk of whole lines is decoded at once (the common case);
    only a chunk that fails is decoded line by line."""
    max_line = max_line or max_line_bytes()
    pending = b""
    line = first_line
    while True:
        chunk = raw.read(chunk_size)
        final = not chunk
        buf = pending + chunk
        if final:
            complete, pending = buf, b""
        else:
            cut = buf.rfind(b"\n") + 1
            complete, pending = buf[:cut], buf[cut:]
            if len(pending) > max_line:
                raise LineTooLong(line + complete.count(b"\n"), max_line)
        if complete:
            try:
                pieces = complete.decode("utf-8").split("\n")
                if not stats.utf8_text and not complete.isascii():
                    stats.utf8_text = True
            except UnicodeDecodeError:
                pieces = [_decode_line(piece, line + i, stats, on_fallback)
                          for i, piece in enumerate(complete.split(b"\n"))]
            last = pieces.pop()  # '' after a final newline, else the file's last line (no newline)
            for piece in pieces:
                yield piece + "\n"
            line += len(pieces)
            if last:
                yield last
        if final:
            return


def _decode_line(data: bytes, line: int, stats: MixedStats, on_fallback) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        stats.fallback_lines += 1
        for enc in FALLBACK_ENCODINGS:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if on_fallback is not None:
                on_fallback(line, exc.start + 1, data[exc.start:exc.end], enc, text)
            return text
        raise AssertionError("latin-1 decodes any byte") from None
    if not stats.utf8_text and not data.isascii():
        stats.utf8_text = True
    return text


def has_utf8_text(raw: BinaryIO) -> bool:
    """Whether any line of the stream holds non-ASCII text that is valid UTF-8 (then a line that
    is not UTF-8 is a stray, decoded alone; without one the file is in another encoding)."""
    stats = MixedStats()
    for _ in mixed_lines(raw, stats):
        if stats.utf8_text:
            return True
    return stats.utf8_text


# --- value typing: strict GTFS spellings that PostgreSQL reads identically ---

_INT_RE = re.compile(r"[+-]?\d{1,10}")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")
_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME_RE = re.compile(r"(\d{1,2}):([0-5]\d):([0-5]\d)")
INVALID_CODE = {
    FieldType.INTEGER: "invalid_integer",
    FieldType.ENUM: "invalid_integer",
    FieldType.FLOAT: "invalid_float",
    FieldType.LATITUDE: "invalid_float",
    FieldType.LONGITUDE: "invalid_float",
    FieldType.CURRENCY_AMOUNT: "invalid_currency_amount",
    FieldType.DATE: "invalid_date",
    FieldType.TIME: "invalid_time",
}


def _valid_int(v: str) -> bool:
    return bool(_INT_RE.fullmatch(v)) and -(2**31) <= int(v) < 2**31


def _valid_float(v: str) -> bool:
    return bool(_FLOAT_RE.fullmatch(v)) and math.isfinite(float(v))


def _valid_date(v: str) -> bool:
    m = _DATE_RE.fullmatch(v)
    if not m:
        return False
    try:
        dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def _valid_time(v: str) -> bool:
    return bool(_TIME_RE.fullmatch(v))


VALIDATORS: dict[FieldType, Callable[[str], bool]] = {
    FieldType.INTEGER: _valid_int,
    FieldType.ENUM: _valid_int,
    FieldType.FLOAT: _valid_float,
    FieldType.LATITUDE: _valid_float,
    FieldType.LONGITUDE: _valid_float,
    FieldType.CURRENCY_AMOUNT: _valid_float,
    FieldType.DATE: _valid_date,
    FieldType.TIME: _valid_time,
}


class RobustRows:
    """Turns a messy CSV text stream into clean CSV for COPY, with notices.

    Output columns: the header's known columns in header order, then extras
    (JSON) and line_number. ``notices`` receives every change made.
    """

    def __init__(self, header: HeaderMap, filename: str, notice_sink: Callable[[Notice], None],
                 max_notices_per_code: int | None = None, feed_id: str | None = None) -> None:
        self.header = header
        self.filename = filename
        self.feed_id = feed_id
        self.sink = notice_sink
        self.rows = 0
        self.known_idx = [i for i, c in enumerate(header.positions) if c is not None]
        self.checks = [(i, header.positions[i], VALIDATORS.get(header.positions[i].type))
                       for i in self.known_idx]  # type: ignore[union-attr]
        self.width = len(header.positions)
        self.cap = max_columns()

    def _notice(self, code: str, severity: str, line: int, field_name: str | None = None,
                value: str | None = None, context: dict | None = None) -> None:
        self.sink(Notice(code, severity, self.filename, line, field_name, value, context))

    def typed(self, line: int, record: list[str]) -> list[str | None]:
        """One record typed by the GTFS rules (a notice for every change): the known columns'
        values in header order, then extras (JSON) and the line number, as COPY takes them."""
        if len(record) > self.cap:
            raise too_many_columns(len(record), self.cap, feed_id=self.feed_id, filename=self.filename, line=line)
        self.rows += 1
        if len(record) != self.width:
            self._notice("invalid_row_length", "ERROR", line, None, None,
                         {"rowLength": len(record), "headerCount": self.width})
        values: list[str | None] = []
        for i, column, check in self.checks:
            v = record[i] if i < len(record) else ""
            if "\x00" in v:
                self._notice("invalid_character", "ERROR", line, column.name, v.replace("\x00", "\\0"),
                             {"reason": "NUL byte removed"})
                v = v.replace("\x00", "")
            s = v.strip(WHITESPACE)
            if s != v:
                self._notice("leading_or_trailing_whitespaces", "WARNING", line, column.name, v)
            if not s:
                values.append(None)
                continue
            if check is not None and not check(s):
                self._notice(INVALID_CODE[column.type], "ERROR", line, column.name, s)
                values.append(None)
                continue
            values.append(s)
        extras = None
        if self.header.extra_names or len(record) > self.width:
            obj = {}
            for i, key in self.header.extra_names.items():
                if i < len(record) and record[i] != "":
                    obj[key] = record[i].replace("\x00", "")
            for i in range(self.width, len(record)):
                if record[i] != "":
                    obj[f"column_{i + 1}"] = record[i].replace("\x00", "")
            extras = json.dumps(obj, ensure_ascii=False) if obj else None
        values.append(extras)
        values.append(str(line))
        return values

    def numbered(self, text: str) -> Iterator[bytes]:
        """Clean CSV for COPY from whole records whose first field is their line number (what
        NumberedRecords writes): the few records the fast path's COPY refused."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        csv.field_size_limit(max_line_bytes())
        for record in csv.reader(io.StringIO(text), strict=False):
            values = self.typed(_line_of(record), record[1:])
            writer.writerow(["" if v is None else v for v in values])
        yield out.getvalue().encode("utf-8")

    def transform(self, lines: Iterator[str], first_line: int = 2) -> Iterator[bytes]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        record_lines: list[str] = []  # the text lines of the record being read
        limit = max_line_bytes()
        size = [0]

        def tracked() -> Iterator[str]:
            for piece in lines:
                record_lines.append(piece)
                size[0] += len(piece)
                if size[0] > limit:
                    raise LineTooLong(line_before + 1, limit, "the record")
                yield piece

        csv.field_size_limit(limit)
        reader = csv.reader(tracked(), strict=False)
        line_before = first_line - 1
        blank, unnoted_first, unnoted_last = 0, 0, 0  # blank lines; those not noted one by one
        while True:
            record_lines.clear()
            size[0] = 0
            try:
                record = next(reader)
            except StopIteration:
                break
            except LineTooLong as exc:
                raise FeedError(exc.message, feed_id=self.feed_id, filename=self.filename, line=exc.line) from None
            except csv.Error as exc:
                raise FeedError(_csv_error(exc, limit), feed_id=self.feed_id, filename=self.filename,
                                line=line_before + 1) from None
            line = line_before + 1
            line_before = first_line - 1 + reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                blank += 1
                if blank <= BLANK_LINES_NOTED:
                    self._notice("empty_row", "WARNING", line)
                else:
                    unnoted_first = unnoted_first or line
                    unnoted_last = line
                continue
            if (len(record_lines) > 1 or '"' in record_lines[0]) and _ends_in_open_quote(record_lines):
                index = len(record) - 1
                column = self.header.positions[index] if index < self.width else None
                self._notice("csv_parsing_failed", "ERROR", line,
                             column.name if column else self.header.extra_names.get(index, f"column_{index + 1}"),
                             record[-1][:200], {"reason": "unterminated quoted field: it runs to the end of the "
                                                          f"file (lines {line} to {line_before}), read as one value"})
            values = self.typed(line, record)
            writer.writerow(["" if v is None else v for v in values])
            if out.tell() > 256 * 1024:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        if blank > BLANK_LINES_NOTED:
            # A few KB of zip can hold millions of blank lines: past the first BLANK_LINES_NOTED,
            # one notice counts the rest instead of a notice (a row of gtfs.notice) each.
            self._notice("empty_row", "WARNING", unnoted_first, context={
                "reason": f"{blank - BLANK_LINES_NOTED} more blank lines, the first at line {unnoted_first} and "
                          f"the last at line {unnoted_last}, are counted in this one notice",
                "blankLines": blank - BLANK_LINES_NOTED, "lastLine": unnoted_last})
        if out.tell():
            yield out.getvalue().encode("utf-8")


def _ends_in_open_quote(record_lines: list[str]) -> bool:
    """Whether a record read leniently ended inside a quoted field (only possible at the end
    of the file): an odd number of quote characters, confirmed by a strict parse."""
    if sum(piece.count('"') for piece in record_lines) % 2 == 0:
        return False
    try:
        list(csv.reader(record_lines, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_error(exc: csv.Error, limit: int) -> str:
    """The csv module fails only on a field larger than the limit."""
    if "field larger than field limit" in str(exc):
        return f"a value is longer than {limit} characters (GTFS_MAX_LINE_BYTES); nothing longer is read into memory"
    return f"unreadable CSV: {exc}"


def csv_records(lines: Iterator[str], first_line: int = 2, *, filename: str | None = None,
                feed_id: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each non-blank record: for files outside the reference.
    Raises FeedError naming the line for a value or record longer than GTFS_MAX_LINE_BYTES."""
    limit = max_line_bytes()
    size = [0]
    line_before = first_line - 1

    def tracked() -> Iterator[str]:
        for piece in lines:
            size[0] += len(piece)
            if size[0] > limit:
                raise LineTooLong(line_before + 1, limit, "the record")
            yield piece

    csv.field_size_limit(limit)
    reader = csv.reader(tracked(), strict=False)
    while True:
        size[0] = 0
        try:
            record = next(reader)
        except StopIteration:
            return
        except LineTooLong as exc:
            raise FeedError(exc.message, feed_id=feed_id, filename=filename, line=exc.line) from None
        except csv.Error as exc:
            raise FeedError(_csv_error(exc, limit), feed_id=feed_id, filename=filename,
                            line=line_before + 1) from None
        line = line_before + 1
        line_before = first_line - 1 + reader.line_num
        if not record or (len(record) == 1 and not record[0].strip()):
            continue
        yield line, [v.replace("\x00", "") for v in record]


def split_records(data: bytes) -> list[bytes]:
    """Whole records of NumberedRecords output (each ends in a newline): a line with an odd
    number of quote characters opens or closes a quoted value, as in NumberedRecords.
    Raises Unaligned when the last quoted value is never closed."""
    lines = data.split(b"\n")
    lines.pop()  # NumberedRecords ends every record with a newline
    if b'"' not in data:
        return [line + b"\n" for line in lines]
    records: list[bytes] = []
    parts: list[bytes] = []
    in_quotes = False
    for line in lines:
        parts.append(line + b"\n")
        if line.count(b'"') % 2:
            in_quotes = not in_quotes
        if not in_quotes:
            records.append(b"".join(parts))
            parts.clear()
    if parts:
        # A quoted value still open at the end of the file: the robust path reads the whole
        # file and says where it starts (csv_parsing_failed).
        raise Unaligned("a quoted value runs to the end of the file")
    return records


class BadRecord(Exception):
    """The ``index``-th record (1-based) of a chunk cannot take the fast path (a ragged row)."""

    def __init__(self, index: int) -> None:
        super().__init__(f"record {index} of the chunk")
        self.index = index


class ForeignBytes(Exception):
    """A chunk's bytes are not in the encoding being tried."""


class Unaligned(Exception):
    """The csv module and NumberedRecords disagree on where a record ends (a quote inside an
    unquoted value): only the robust path, reading the whole file, types such a file."""


def _line_of(record: list[str]) -> int:
    if not record or not record[0].isascii() or not record[0].isdigit():
        raise Unaligned("a record does not start with its line number")
    return int(record[0])


# Bytes a JSON string or the quick split cannot take as they are: control characters other
# than a line end, a backslash, a quote, and a carriage return that does not end a line.
_NOT_PLAIN = re.compile(rb'[\x00-\x09\x0b\x0c\x0e-\x1f\\"]|\r(?!\n)')


def quoted_fields(record: str) -> list[bool]:
    """Whether each field of one CSV record is quoted (its first character after any spaces
    is a quote), as MobilityData's reader tells them apart for whitespace."""
    out, i, n = [], 0, len(record.rstrip("\r\n"))
    while True:
        j = i
        while j < n and record[j] in " \t":
            j += 1
        if j < n and record[j] == '"':
            j += 1
            while j < n:
                if record[j] == '"':
                    if j + 1 < n and record[j + 1] == '"':
                        j += 2
                        continue
                    break
                j += 1
            out.append(True)
        else:
            out.append(False)
        comma = record.find(",", j, n)
        if comma < 0:
            return out
        i = comma + 1


def records_text(lines: Iterable[str], first_line: int = 2) -> Iterator[tuple[int, str]]:
    """(first line, text) of each record: physical lines joined while a quoted value is open."""
    line, parts, quotes = first_line, [], 0
    for piece in lines:
        parts.append(piece)
        quotes += piece.count('"')
        if quotes % 2 == 0:
            yield line, "".join(parts)
            line += len(parts)
            parts, quotes = [], 0
    if parts:
        yield line, "".join(parts)


class DateGuard:
    """GTFS dates on the fast path: COPY reads any date PostgreSQL knows (``2024-01-01``,
    ``Jan 1 2024``) as a date, GTFS allows only ``YYYYMMDD``. One regular expression per
    NumberedRecords chunk finds a record whose date field is neither empty nor eight digits and
    raises BadRecord for it, so that record alone is typed in Python (invalid_date, as
    MobilityData reports it). Fields are counted by commas: a quoted comma before a date field
    only sends its record to Python needlessly, where it is typed right."""

    def __init__(self, header: HeaderMap, then: Callable[[bytes], bytes] | None = None) -> None:
        positions = [i + 1 for i, c in enumerate(header.positions)  # the line number in front
                     if c is not None and c.type == FieldType.DATE]
        field = rb'(?!"?(?:\d{8})?"?(?:,|\r?$))'
        # None: the file has no date column (nothing to guard)
        self.pattern = re.compile(
            b"|".join(rb"^(?:[^,\n]*,){%d}%s" % (i, field) for i in positions), re.MULTILINE) if positions else None
        self.then = then

    def __call__(self, data: bytes) -> bytes:
        bad = self.pattern.search(data)
        if bad:
            raise BadRecord(data.count(b"\n", 0, bad.start()) + 1)
        return self.then(data) if self.then else data


class ExtrasShaper:
    """Unknown columns on the fast path: NumberedRecords chunks rewritten so that each record
    keeps its line number and known fields as they are and carries its unknown fields as one
    JSON object (the ``extras`` column; empty values left out, as RobustRows does), for
    ``COPY (line_number, known columns..., extras)``.

    A chunk of plain fields (no quotes, backslashes or control characters) is split on commas
    with bytes operations only; any other chunk is parsed with the csv module and written back.
    Raises BadRecord for a record without the header's number of fields (the caller types it
    in Python, which reports it) and ForeignBytes when the csv path cannot decode the chunk.
    """

    def __init__(self, header: HeaderMap, encoding: str) -> None:
        self.encoding = encoding
        self.fields = len(header.positions) + 1  # the line number in front
        self.known = [0] + [i + 1 for i, c in enumerate(header.positions) if c is not None]
        self.extras = [(i + 1, name) for i, name in sorted(header.extra_names.items())]
        # '"name"' as JSON (ASCII, so in any encoding), its quotes doubled for a quoted CSV field
        self.keys = [json.dumps(name).replace('"', '""').encode("ascii") for _, name in self.extras]
        self.trailing = self.known == list(range(len(self.known)))  # unknown columns after every known one

    def __call__(self, data: bytes) -> bytes:
        if _NOT_PLAIN.search(data):
            return self._via_csv(data)
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n")
        lines = data.split(b"\n")
        lines.pop()
        if data.count(b",") != len(lines) * (self.fields - 1):
            raise BadRecord(next(n for n, line in enumerate(lines, 1) if line.count(b",") != self.fields - 1))
        out: list[bytes]
        if self.trailing and len(self.keys) == 1:
            key = self.keys[0]
            out = []
            for line in lines:
                head, _, value = line.rpartition(b",")
                out.append(b'%b,"{%b:""%b""}"' % (head, key, value) if value else head + b",")
        elif self.trailing:
            k = len(self.keys)
            out = []
            for line in lines:
                parts = line.rsplit(b",", k)
                items = [b'%b:""%b""' % (key, v) for key, v in zip(self.keys, parts[1:]) if v]
                out.append(b'%b,"{%b}"' % (parts[0], b",".join(items)) if items else parts[0] + b",")
        else:
            out = []
            for line in lines:
                f = line.split(b",")
                items = [b'%b:""%b""' % (key, f[i]) for key, (i, _) in zip(self.keys, self.extras) if f[i]]
                known = b",".join([f[i] for i in self.known])
                out.append(b'%b,"{%b}"' % (known, b",".join(items)) if items else known + b",")
        out.append(b"")
        return b"\n".join(out)

    def _via_csv(self, data: bytes) -> bytes:
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError:
            raise ForeignBytes(self.encoding) from None
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        csv.field_size_limit(max_line_bytes())
        for n, record in enumerate(csv.reader(io.StringIO(text), strict=False), 1):
            _line_of(record)
            if len(record) != self.fields:
                raise BadRecord(n)
            obj = {name: record[i] for i, name in self.extras if record[i] != ""}
            writer.writerow([record[i] for i in self.known] + [json.dumps(obj, ensure_ascii=False) if obj else ""])
        try:
            return buf.getvalue().encode(self.encoding)
        except UnicodeEncodeError:
            raise ForeignBytes(self.encoding) from None
