"""Loading one GTFS file of one feed version: the unit of work of the DAG's load tasks.

A file's rows go into their own partition ``gtfs_part.<file>_v<version>``,
created, filled by COPY, keyed and attached in one transaction. A retry first
drops what an earlier attempt left, so loading a file twice leaves one copy.
"""

from __future__ import annotations

import binascii
import csv
import enum
import io
import json
import queue
import re
import tempfile
import threading
import time
import zipfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator

import psycopg2
import psycopg2.errors
from psycopg2 import sql

from . import archive, settings
from .archive import Member
from .csvstream import (
    ENCODINGS,
    BadRecord,
    BlankLine,
    DateGuard,
    ExtrasShaper,
    ForeignBytes,
    PG_ENCODING,
    EncodingRetry,
    HeaderMap,
    HeaderSplitter,
    IterReader,
    LineTooLong,
    MixedStats,
    Notice,
    NumberedRecords,
    RecordTooLong,
    RobustRows,
    csv_records,
    decoded_lines,
    detect_header_encoding,
    has_utf8_text,
    map_header,
    max_columns,
    mixed_lines,
    quoted_fields,
    records_text,
    split_records,
    too_many_columns,
    Unaligned,
)
from .errors import FeedError, MissingRequiredColumns
from .reference import FILE_BY_NAME, USABILITY_FILES, FieldType, GtfsFile
from .schema import (
    EXTRAS_COLUMN,
    LINE_COLUMN,
    VERSION_COLUMN,
    key_constraint_sql,
    key_is_nullable,
    parent_ident,
    partition_ident,
    partition_name,
    table_columns,
)

ProgressFn = Callable[[str, int, int], None]  # (filename, bytes read, bytes total)
COPY_CHUNK = 256 * 1024
FINITE_TYPES = {FieldType.FLOAT, FieldType.LATITUDE, FieldType.LONGITUDE, FieldType.CURRENCY_AMOUNT}
TEXT_TYPES = {c for c in FieldType if c not in (
    FieldType.INTEGER, FieldType.ENUM, FieldType.FLOAT, FieldType.LATITUDE, FieldType.LONGITUDE,
    FieldType.CURRENCY_AMOUNT, FieldType.DATE, FieldType.TIME)}


class _ReadGuard(io.RawIOBase):
    """Remembers an exception raised while COPY reads the stream: psycopg2 turns it
    into a generic database error, and the caller needs the original."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            return self._stream.read(size)
        except BaseException as exc:
            self.error = exc
            raise


def copy_in(cur, statement, stream) -> None:
    """``COPY ... FROM STDIN`` from a file-like stream, re-raising the stream's own error."""
    guard = _ReadGuard(stream)
    try:
        cur.copy_expert(statement, guard, size=COPY_CHUNK)
    except psycopg2.Error:
        if guard.error is not None:
            raise guard.error from None
        raise


@dataclass
class FileResult:
    filename: str
    rows: int
    bytes: int
    encoding: str
    load_path: str  # 'fast' | 'robust' | 'kept'
    seconds: float
    notices: int
    columns: list[str] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    duplicate_rows: int = 0
    stages: dict[str, float] = field(default_factory=dict)  # seconds per step: copy, trim, key, attach
    python_rows: int = 0  # rows typed in Python (the robust path's rules) rather than by COPY

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class _NoticeSpool:
    """Notices written to a temporary file as they come, then COPYed: memory stays flat
    even when every row of a large file has a bad value."""

    def __init__(self, feed_version_id: int) -> None:
        self.feed_version_id = feed_version_id
        self.file = tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b")
        self.count = 0

    def add(self, notice: Notice) -> None:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(
            [self.feed_version_id, *("" if v is None else v for v in notice.as_row())]
        )
        self.file.write(buf.getvalue().encode("utf-8"))
        self.count += 1

    def flush_to(self, cur) -> None:
        """COPY the notices so far into gtfs.notice (in the cursor's transaction) and start
        afresh: the key build looks there for what the rows' values already reported."""
        if not self.count:
            return
        self.file.seek(0)
        copy_in(cur, "COPY gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name,"
                " value, context) FROM STDIN WITH (FORMAT csv)", self.file)
        self.file.seek(0)
        self.file.truncate()
        self.count = 0


def _drop_previous_attempt(conn, feed_version_id: int, gtfs_file: GtfsFile) -> None:
    """Remove what an earlier attempt at this file left, in its own short transaction
    (dropping a partition briefly locks the parent table)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", (f"gtfs_part.{partition_name(gtfs_file, feed_version_id)}",))
        if cur.fetchone()[0] is not None:
            cur.execute(sql.SQL("DROP TABLE {}").format(partition_ident(gtfs_file, feed_version_id)))
        cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s AND source = 'loader'"
                    " AND code <> 'ignored_member'",
                    (feed_version_id, gtfs_file.name))
        cur.execute("DELETE FROM gtfs.rejected_row WHERE feed_version_id = %s AND filename = %s",
                    (feed_version_id, gtfs_file.name))
        cur.execute("DELETE FROM gtfs.feed_version_file WHERE feed_version_id = %s AND filename = %s",
                    (feed_version_id, gtfs_file.name))
    conn.commit()


def _create_partition_table(cur, gtfs_file: GtfsFile, feed_version_id: int, keys_not_null: bool = False) -> None:
    """A plain table with the parent's columns and no key yet (built after COPY).

    The version id comes from a default; its CHECK constraint, checked row by
    row during COPY, lets ATTACH PARTITION skip its validation scan. With
    ``keys_not_null`` the required key columns are NOT NULL from the start, so that
    COPY refuses a record with an empty key at once (the fast path types it in Python
    and sets it aside) instead of the key build failing after sorting the whole file.
    """
    version = sql.Literal(int(feed_version_id))
    not_null = set(gtfs_file.primary_key) if keys_not_null and not key_is_nullable(gtfs_file) else set()
    cols = []
    for name, type_ in table_columns(gtfs_file):
        column = gtfs_file.column_by_name.get(name)
        if name in not_null:
            type_ += " NOT NULL"
        if name == VERSION_COLUMN:
            cols.append(sql.SQL("{} bigint NOT NULL DEFAULT {} CHECK ({} = {})").format(
                sql.Identifier(name), version, sql.Identifier(name), version))
        elif column is not None and column.type in FINITE_TYPES:
            # PostgreSQL reads NaN and Infinity as numbers; GTFS has no such values. The check
            # sends such a file to the robust path, which reports them (invalid_float).
            cols.append(sql.SQL("{c} {t} CHECK ({c} > '-Infinity' AND {c} < 'Infinity')").format(
                c=sql.Identifier(name), t=sql.SQL(type_)))
        else:
            cols.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(
        partition_ident(gtfs_file, feed_version_id), sql.SQL(", ").join(cols)))


def _copy_sql(gtfs_file: GtfsFile, feed_version_id: int, columns: list[str], freeze: bool = True) -> str:
    ident = partition_ident(gtfs_file, feed_version_id)
    col_list = sql.SQL(", ").join(map(sql.Identifier, columns))
    return sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, {}FORCE_NULL ({}))").format(
        ident, col_list, sql.SQL("FREEZE, " if freeze else ""), col_list)


class _Progress:
    def __init__(self, fn: ProgressFn | None, filename: str, total: int) -> None:
        self.fn, self.filename, self.total = fn, filename, total
        self.done = 0
        self._last = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.fn is None:
            return
        now = time.monotonic()
        if now - self._last >= 1.0:
            self._last = now
            self.fn(self.filename, self.done, self.total)


class LoadPath(str, enum.Enum):
    """How a reference file's rows were typed: gtfs.feed_version_file.load_path."""

    FAST = "fast"  # PostgreSQL's COPY typed the member's own bytes
    ROBUST = "robust"  # Python parsed and typed them (csvstream.RobustRows), with a notice per change
    KEPT = "kept"  # kept as raw rows or bytes (keep_extra_member)


class Refusal(enum.Enum):
    """Why a COPY attempt gave up, which decides what the load tries next."""

    NEXT_ENCODING = "the bytes are not in this encoding"
    REFUSED = "COPY refused the data"


@dataclass
class Copied:
    """What an attempt that filled the partition found."""

    rows: int
    encoding: str
    sha256: str | None
    maybe_padded: bool = False  # some text value may be padded: the trim pass runs
    python_rows: int = 0  # of them, rows typed in Python (RobustRows)
    set_aside: int = 0  # of them, rows already set aside for an empty key (gtfs.rejected_row)


@dataclass
class FileLoad:
    """One reference file's load: the member, how its header maps, where its rows go,
    and where notices collect. Every attempt at the rows takes this one object."""

    conn: Any
    feed_id: str
    feed_version_id: int
    zf: zipfile.ZipFile
    member: Member
    header: HeaderMap
    spool: "_NoticeSpool"
    progress: ProgressFn | None = None

    @property
    def gtfs_file(self) -> GtfsFile:
        return FILE_BY_NAME[self.member.name]

    @property
    def partition(self) -> sql.Composed:
        return partition_ident(self.gtfs_file, self.feed_version_id)

    @property
    def known_names(self) -> list[str]:
        return [c.name for c in self.header.known_columns]

    @contextmanager
    def rows(self) -> Iterator[tuple[archive.LimitedReader, HeaderSplitter]]:
        """The member opened afresh with its header line read: each attempt reads the rows
        from the start (the one place the member is reopened)."""
        with archive.open_member(self.zf, self.member, feed_id=self.feed_id) as raw:
            yield raw, HeaderSplitter(raw, self.member.name, self.feed_id)

    def on_read(self) -> "_Progress":
        return _Progress(self.progress, self.member.name, self.member.size)

    def copy_sql(self, columns: list[str], freeze: bool = True) -> sql.Composed:
        return _copy_sql(self.gtfs_file, self.feed_version_id, columns, freeze)

    def create_partition(self, cur, keys_not_null: bool = False) -> None:
        _create_partition_table(cur, self.gtfs_file, self.feed_version_id, keys_not_null)

    def line_too_long(self, exc: LineTooLong) -> FeedError:
        return FeedError(exc.message, feed_id=self.feed_id, filename=self.member.name, line=exc.line)


class _Stages:
    """Seconds per step of a file's load (FileResult.stages)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.monotonic()

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(self.seconds.get(name, 0.0) + now - self._mark, 3)
        self._mark = now


def _file_cursor(conn):
    """A cursor for the file's transaction. Key builds sort the whole file: give them room
    (the server default, 64 MB, makes the stop_times key spill to disk), for this transaction only."""
    cur = conn.cursor()
    cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", (settings.current().maintenance_work_mem,))
    return cur


def load_gtfs_file(conn, feed_id: str, feed_version_id: int, zf: zipfile.ZipFile, member: Member,
                   progress: ProgressFn | None = None) -> FileResult:
    """Load one reference file of a version; safe to repeat.

    Tries the fast path (COPY of the member's own bytes) and falls back to the
    robust path when COPY refuses the data (see _copy_rows). Raises FeedError
    when the file makes the feed unusable (required column missing, corrupt member).
    """
    gtfs_file = FILE_BY_NAME[member.name]
    started = time.monotonic()
    _drop_previous_attempt(conn, feed_version_id, gtfs_file)
    spool = _NoticeSpool(feed_version_id)
    header, why_kept = _read_header(zf, member, feed_id, gtfs_file, spool)
    if header is None:
        return keep_extra_member(conn, feed_id, feed_version_id, zf, replace(member, kind="extra_csv"),
                                 reasons=why_kept)
    load = FileLoad(conn, feed_id, feed_version_id, zf, member, header, spool, progress)
    stage = _Stages()
    copied, load_path, cur = _copy_rows(load, _file_cursor(conn))
    stage("copy")
    if copied.maybe_padded:
        _trim_padded_text(cur, gtfs_file, feed_version_id, header)
        stage("trim")
    if copied.encoding != "utf-8":
        spool.add(Notice("non_utf8_encoding", "WARNING", member.name, None, None, copied.encoding,
                         {"decodedAs": copied.encoding}))
        _report_undecoded_values(cur, gtfs_file, feed_version_id, header, copied.encoding)
        stage("undecoded")
    spool.flush_to(cur)  # before the key build: a key value reported invalid is not also reported missing
    duplicates = copied.set_aside + _build_key(cur, gtfs_file, feed_version_id)
    stage("key")
    cur.execute(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES IN ({})").format(
        parent_ident(gtfs_file), load.partition, sql.Literal(int(feed_version_id))))
    stage("attach")
    # Statistics now, while other files may still be loading (finish_version would
    # otherwise analyse every table one after another).
    cur.execute(sql.SQL("ANALYZE {}").format(load.partition))
    stage("analyze")
    spool.flush_to(cur)
    _mark_unquoted_padding(cur, load, copied.encoding)
    seconds = time.monotonic() - started
    rows = copied.rows - duplicates
    cur.execute(
        "INSERT INTO gtfs.feed_version_file (feed_version_id, filename, archive_path, rows, bytes, encoding,"
        " columns, unknown_columns, load_path, duplicate_rows, seconds, sha256)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (feed_version_id, member.name, member.archive_name, rows, member.size, copied.encoding,
         load.known_names, header.unknown_names, load_path.value, duplicates, seconds, copied.sha256),
    )
    cur.execute("SELECT count(*) FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s"
                " AND source = 'loader'", (feed_version_id, member.name))
    notice_count = cur.fetchone()[0]
    conn.commit()
    stage("commit")
    cur.close()
    return FileResult(member.name, rows, member.size, copied.encoding, load_path.value,
                      round(seconds, 3), notice_count, load.known_names,
                      header.unknown_names, duplicates, stage.seconds, copied.python_rows)


def _read_header(zf: zipfile.ZipFile, member: Member, feed_id: str, gtfs_file: GtfsFile,
                 spool: "_NoticeSpool") -> tuple[HeaderMap | None, list[Notice]]:
    """The member's header mapped onto the reference, its notices in ``spool``; (None, why)
    when an optional file lacks a column it requires, so the file is kept as raw rows: why is
    MobilityData's missing_required_column for each missing column, and the header's other
    notices (unknown_column, ...), as its validator reports them."""
    with archive.open_member(zf, member, feed_id=feed_id) as raw:
        splitter = HeaderSplitter(raw, member.name, feed_id)
        if splitter.utf16:
            raise FeedError("the file is UTF-16 encoded; GTFS files must be UTF-8", feed_id=feed_id,
                            filename=member.name, line=1)
        if splitter.is_blank():
            # An empty member: an empty table and a notice, not a failed feed
            # (whether the feed is usable without its rows is validation's call).
            spool.add(Notice("empty_file", "ERROR", member.name))
            return HeaderMap([], [], {}), []
        try:
            header = map_header(splitter.header_names(detect_header_encoding(splitter.header_bytes)),
                                gtfs_file, feed_id=feed_id)
        except MissingRequiredColumns as exc:
            if gtfs_file.name in USABILITY_FILES:
                raise
            # An optional file written to another revision of the reference (GTFS-JP
            # translations, draft Fares v2): keep its rows as they are, and say why.
            missing = [Notice("missing_required_column", "ERROR", member.name, 1, column, None,
                              {"detail": exc.reason, "keptAs": "gtfs.extra_file_row"}) for column in exc.missing]
            return None, missing + exc.notices
    for n in header.notices:
        spool.add(n)
    return header, []


def _copy_rows(load: FileLoad, cur) -> tuple[Copied, LoadPath, Any]:
    """Fill the file's partition; the one place its path is chosen.

    A header that maps onto the reference is COPYed as it is, as UTF-8 and then,
    when the bytes are consistently another encoding, as Windows-1252. Anything
    COPY refuses (a bad value, a ragged row, a blank line, an unknown column, stray
    lines in another encoding) is parsed and typed in Python instead. Returns what
    was copied, the path, and the cursor of the file's transaction (a split COPY
    commits, so it opens a new one).
    """
    streams = _copy_streams(load.conn, load.member) if load.header.clean else 1
    for encoding in ENCODINGS[:2]:
        if streams > 1:
            outcome = _try_fast_split(load, encoding, streams)
            cur = _file_cursor(load.conn)
        else:
            outcome = _try_fast(load, cur, encoding)
        if isinstance(outcome, Copied):
            return outcome, LoadPath.ROBUST if outcome.python_rows else LoadPath.FAST, cur
        if outcome is Refusal.NEXT_ENCODING and not _has_utf8_text(load):
            continue  # consistently another encoding: the fast path reads it as Windows-1252
        break  # refused, or UTF-8 with stray lines in another encoding (decoded line by line)
    return _robust(load, cur), LoadPath.ROBUST, cur


def _refusal(exc: psycopg2.Error, encoding: str) -> Refusal:
    """What COPY's refusal means: bytes that are not UTF-8 may be another encoding."""
    if isinstance(exc, psycopg2.errors.CharacterNotInRepertoire) and encoding == "utf-8":
        return Refusal.NEXT_ENCODING
    return Refusal.REFUSED


def _try_fast(load: FileLoad, cur, encoding: str) -> Copied | Refusal:
    """COPY the member's bytes as they are, decoded by the server as ``encoding``, a chunk
    of whole records at a time (see _FastChunks)."""
    cur.execute("SAVEPOINT fast_path")
    try:
        load.create_partition(cur, keys_not_null=True)
        cur.execute(sql.SQL("SET LOCAL client_encoding = {}").format(sql.Literal(PG_ENCODING[encoding])))
        with load.rows() as (raw, splitter):
            records = NumberedRecords(splitter.rest, on_read=load.on_read())
            chunks = _FastChunks(load, cur, encoding)
            ahead = _ReadAhead(records, chunks.shaper)
            try:
                for chunk, shaped in ahead:
                    chunks.add(chunk, shaped)
            finally:
                ahead.close()
        cur.execute("SET LOCAL client_encoding = 'UTF8'")
        set_aside = chunks.finish()
        cur.execute("RELEASE SAVEPOINT fast_path")
        return Copied(chunks.rows, encoding, raw.sha256, records.maybe_padded, chunks.python_rows, set_aside)
    except LineTooLong as exc:
        cur.execute("ROLLBACK TO SAVEPOINT fast_path")
        raise load.line_too_long(exc) from None
    except (BlankLine, RecordTooLong, Unaligned):
        cur.execute("ROLLBACK TO SAVEPOINT fast_path")
        cur.execute("SET LOCAL client_encoding = 'UTF8'")
        return Refusal.REFUSED
    except _WholeFile as exc:
        cur.execute("ROLLBACK TO SAVEPOINT fast_path")
        cur.execute("SET LOCAL client_encoding = 'UTF8'")
        return exc.refusal
    except BaseException:
        cur.execute("ROLLBACK TO SAVEPOINT fast_path")
        raise


class _ReadAhead:
    """The next chunks read, numbered and shaped in a thread while COPY takes the current one.

    Each chunk is its own COPY statement, which returns only once the server has parsed it:
    without this the client's work (unzip, numbering, ExtrasShaper) and the server's would
    take turns instead of running side by side. At most two chunks wait (memory stays flat).
    Yields (chunk, shaped or the shaper's exception); re-raises what reading raised.
    """

    def __init__(self, records: NumberedRecords, shaper: Callable[[bytes], bytes] | None) -> None:
        self._chunks: queue.Queue = queue.Queue(maxsize=2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(records, shaper), name="gtfs-read-ahead",
                                        daemon=True)
        self._thread.start()

    def _run(self, records: NumberedRecords, shaper: Callable[[bytes], bytes] | None) -> None:
        try:
            while not self._stop.is_set():
                chunk = records.read_records()
                if not chunk:
                    break
                try:
                    shaped: bytes | Exception = shaper(chunk) if shaper else chunk
                except (BadRecord, ForeignBytes) as exc:
                    shaped = exc
                _put(self._chunks, (chunk, shaped), self._stop)
            _put(self._chunks, None, self._stop)
        except BaseException as exc:  # handed to the loading thread, which raises it
            _put(self._chunks, exc, self._stop)

    def __iter__(self) -> Iterator[tuple[bytes, bytes | Exception]]:
        while (item := self._chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


PYTHON_ROWS_TABLE = "gtfs_python_rows"  # temporary, in the file's transaction
FAST_CHUNK_RETRIES = 8  # records of one chunk refused one by one before the rest of it is typed in Python
_COPY_LINE = re.compile(r"^COPY [^,]*, \S+ (\d+)")  # the context of a COPY error: "COPY t, line 3, column c: ..."


class _WholeFile(Exception):
    """A chunk's refusal that is about the whole file (its encoding): the attempt stops."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


class _FastChunks:
    """The fast path's COPY, one statement per chunk of whole records (about 1 MiB), each in
    its own savepoint.

    A record COPY refuses (a bad value, a ragged row) costs a second COPY of the other
    records of its chunk, not of the file: the records before it are COPYed again, it alone
    is typed in Python (RobustRows, the robust path's rules and notices), and COPY goes on
    from the next one. A chunk that keeps failing is typed in Python from there on. Unknown
    columns stay on this path: ExtrasShaper moves them into the extras column on the way.
    The table is not created in each chunk's savepoint, so COPY cannot FREEZE the rows
    (docs/benchmarks.md, "No cliff").
    """

    def __init__(self, load: FileLoad, cur, encoding: str) -> None:
        self.load, self.cur, self.encoding = load, cur, encoding
        self.shaper = None if load.header.clean else ExtrasShaper(load.header, encoding)
        guard = DateGuard(load.header, then=self.shaper)
        if guard.pattern is not None:
            self.shaper = guard
        columns = [LINE_COLUMN] + load.known_names + ([] if load.header.clean else [EXTRAS_COLUMN])
        self.copy = load.copy_sql(columns, freeze=False)
        self.python_columns = load.known_names + [EXTRAS_COLUMN, LINE_COLUMN]
        self.typer = RobustRows(load.header, load.member.name, load.spool.add, feed_id=load.feed_id)
        self.rows = 0
        self.python_rows = 0
        self.side: sql.Composable | None = None  # the rows typed in Python, until finish()

    def add(self, chunk: bytes, shaped: bytes | Exception | None = None) -> None:
        """COPY one chunk; ``shaped`` is what the shaper made of it, when already done."""
        pending, failures = chunk, 0
        while pending:
            refused = self._copy(pending, shaped)
            shaped = None
            if refused is None:
                return
            failures += 1
            records = split_records(pending)
            if not 1 <= refused <= len(records) or failures > FAST_CHUNK_RETRIES:
                self._type_in_python(pending)
                return
            head = b"".join(records[:refused - 1])
            if head and self._copy(head) is not None:
                self._type_in_python(head)
            self._type_in_python(records[refused - 1])
            pending = b"".join(records[refused:])

    def _copy(self, data: bytes, shaped: bytes | Exception | None = None) -> int | None:
        """COPY ``data`` in a savepoint: None when it went in, else the 1-based index of the
        record refused (0 when COPY did not say which)."""
        try:
            if isinstance(shaped, Exception):
                raise shaped
            if shaped is None:
                shaped = self.shaper(data) if self.shaper else data
        except BadRecord as bad:
            return bad.index
        except ForeignBytes:
            raise _WholeFile(Refusal.NEXT_ENCODING if self.encoding == "utf-8" else Refusal.REFUSED) from None
        self.cur.execute("SAVEPOINT fast_chunk")
        try:
            copy_in(self.cur, self.copy, io.BytesIO(shaped))
        except (psycopg2.DataError, psycopg2.IntegrityError) as exc:
            self.cur.execute("ROLLBACK TO SAVEPOINT fast_chunk")
            if isinstance(exc, (psycopg2.errors.CharacterNotInRepertoire,
                                psycopg2.errors.UntranslatableCharacter)):
                raise _WholeFile(_refusal(exc, self.encoding)) from None
            found = _COPY_LINE.match(exc.diag.context or "")
            return int(found.group(1)) if found else 0
        self.rows += self.cur.rowcount
        self.cur.execute("RELEASE SAVEPOINT fast_chunk")
        return None

    def _type_in_python(self, data: bytes) -> None:
        try:
            text = data.decode(self.encoding)
        except UnicodeDecodeError:
            raise _WholeFile(Refusal.NEXT_ENCODING if self.encoding == "utf-8" else Refusal.REFUSED) from None
        cur = self.cur
        cur.execute("SET LOCAL client_encoding = 'UTF8'")
        if self.side is None:
            self.side = sql.Identifier(PYTHON_ROWS_TABLE)
            cur.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT * FROM {} WITH NO DATA").format(
                self.side, self.load.partition))
        try:
            copy_in(cur, sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
                self.side, sql.SQL(", ").join(map(sql.Identifier, self.python_columns))),
                IterReader(self.typer.numbered(text)))
        except psycopg2.Error as exc:
            raise FeedError(f"the database refused the cleaned rows: {exc.pgerror or exc}",
                            feed_id=self.load.feed_id, filename=self.load.member.name) from None
        self.rows += cur.rowcount
        self.python_rows += cur.rowcount
        cur.execute(sql.SQL("SET LOCAL client_encoding = {}").format(sql.Literal(PG_ENCODING[self.encoding])))

    def finish(self) -> int:
        """Move the rows typed in Python into the partition, setting aside those with an
        empty key (the partition refuses them); returns how many were set aside."""
        if self.side is None:
            return 0
        load, cur = self.load, self.cur
        aside = 0
        if not key_is_nullable(load.gtfs_file) and load.gtfs_file.primary_key:
            load.spool.flush_to(cur)  # the typed rows' notices, which the set-aside looks at
            aside = _set_aside_null_keys(cur, load.gtfs_file, load.feed_version_id, self.side)
        columns = sql.SQL(", ").join(map(sql.Identifier, self.python_columns))
        cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(load.partition, columns, columns,
                                                                             self.side))
        cur.execute(sql.SQL("DROP TABLE {}").format(self.side))
        return aside


SPLIT_COPY_BYTES_ENV = "GTFS_SPLIT_COPY_BYTES"
COPY_STREAMS_ENV = "GTFS_COPY_STREAMS"


def _copy_streams(conn, member: Member) -> int:
    """How many COPY streams load this member: one, unless GTFS_COPY_STREAMS asks for more
    for files of GTFS_SPLIT_COPY_BYTES (64 MiB) or more.

    A typed COPY is bound by the server process parsing it, and one process uses
    one core, so splitting a large file over two server processes shortens its COPY.
    Not the default: measured on 2 cores (docs/benchmarks.md) the COPY gain was
    mostly eaten by the slower key build over rows that are not FREEZEd, and with
    stop_times and shapes split at once the loader's peak memory grew by ~20 MB.
    Needs a connection that can open siblings (db.connect makes them).
    """
    if not hasattr(conn, "sibling"):
        return 1
    config = settings.current()
    threshold, streams = config.split_copy_bytes, config.copy_streams
    return streams if streams > 1 and member.size >= threshold else 1


class _StreamAborted(Exception):
    """Another stream of the same file failed: this one stops too."""


def _put(chunks: queue.Queue, item: bytes | None, abort: threading.Event) -> None:
    while not abort.is_set():
        try:
            chunks.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


class _QueueReader(io.RawIOBase):
    """One COPY stream's input: chunks taken from the queue the member's records are dealt to."""

    def __init__(self, chunks: queue.Queue, abort: threading.Event) -> None:
        self._chunks, self._abort = chunks, abort

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while True:
            if self._abort.is_set():
                raise _StreamAborted("another COPY stream of this file failed")
            try:
                item = self._chunks.get(timeout=0.1)
            except queue.Empty:
                continue
            return b"" if item is None else item


def _try_fast_split(load: FileLoad, encoding: str, streams: int) -> Copied | Refusal:
    """The fast path over ``streams`` connections: the member's records, numbered here,
    are dealt out in chunks that end at record boundaries to one COPY per connection,
    all into the same table. Same outcomes as _try_fast.

    The sibling connections must see the table, so it is created and committed
    first: unattached, it is invisible in gtfs and gtfs_current until this file's
    transaction attaches it, and a retry or drop_version removes it. The siblings
    commit only when every stream succeeded; when COPY refuses the data the table
    is dropped and the robust path starts afresh. No stream created the table, so
    COPY cannot FREEZE the rows; they get their hint bits on first read.
    """
    conn = load.conn
    with conn.cursor() as cur:
        load.create_partition(cur)
    conn.commit()
    copy = load.copy_sql([LINE_COLUMN] + load.known_names, freeze=False)
    set_encoding = sql.SQL("SET LOCAL client_encoding = {}").format(sql.Literal(PG_ENCODING[encoding]))
    conns = [conn]
    chunks: queue.Queue = queue.Queue(maxsize=streams)
    abort = threading.Event()
    errors: list[BaseException | None] = [None] * streams
    rows = [0] * streams

    def consume(i: int) -> None:
        try:
            with conns[i].cursor() as ccur:
                ccur.execute(set_encoding)
                copy_in(ccur, copy, _QueueReader(chunks, abort))
                rows[i] = ccur.rowcount
                ccur.execute("SET LOCAL client_encoding = 'UTF8'")
        except BaseException as exc:
            errors[i] = exc
            abort.set()

    failure: BaseException | None = None
    raw = records = None
    try:
        conns += [conn.sibling() for _ in range(streams - 1)]
        threads = [threading.Thread(target=consume, args=(i,), name=f"gtfs-copy-{i}", daemon=True)
                   for i in range(streams)]
        for t in threads:
            t.start()
        try:
            with load.rows() as (raw, splitter):
                records = NumberedRecords(splitter.rest, on_read=load.on_read())
                while not abort.is_set():
                    chunk = records.read_records()
                    if not chunk:
                        break
                    _put(chunks, chunk, abort)
        except BaseException as exc:
            failure = exc
            abort.set()
        for _ in threads:
            _put(chunks, None, abort)
        for t in threads:
            t.join()
        failure = failure or next((e for e in errors if e is not None and not isinstance(e, _StreamAborted)),
                                  None)
        if failure is None:
            for c in conns[1:]:
                c.commit()
            return Copied(sum(rows), encoding, raw.sha256, records.maybe_padded)
    finally:
        for c in conns[1:]:
            c.close()
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(load.partition))
    conn.commit()
    if isinstance(failure, (RecordTooLong, BlankLine)):
        return Refusal.REFUSED
    if isinstance(failure, LineTooLong):
        raise load.line_too_long(failure) from None
    if isinstance(failure, (psycopg2.DataError, psycopg2.IntegrityError)):
        return _refusal(failure, encoding)
    raise failure


def _robust(load: FileLoad, cur) -> Copied:
    """Parse and type the rows in Python (csvstream.RobustRows), each change with a notice."""
    columns = load.known_names + [EXTRAS_COLUMN, LINE_COLUMN]
    spool = load.spool
    fallback = _fallback_notices(load.member.name, spool, load.header)

    for enc in ENCODINGS:
        cur.execute("SAVEPOINT robust_path")
        mark = spool.file.tell(), spool.count
        try:
            load.create_partition(cur)
            with load.rows() as (raw, splitter):
                rest = splitter.rest_reporting(load.on_read())
                transformer = RobustRows(load.header, load.member.name, spool.add, feed_id=load.feed_id)
                stats = MixedStats()
                # UTF-8 line by line first: a line that is not UTF-8 is decoded alone by the fallback.
                lines = mixed_lines(rest, stats, fallback) if enc == "utf-8" else decoded_lines(rest, enc)
                stream = IterReader(transformer.transform(lines))
                copy_in(cur, load.copy_sql(columns), stream)
            if stats.consistently_other:
                raise EncodingRetry("no line is UTF-8 beyond ASCII: the file is in another encoding")
            cur.execute("RELEASE SAVEPOINT robust_path")
            return Copied(transformer.rows, enc, raw.sha256, python_rows=transformer.rows)
        except EncodingRetry:
            cur.execute("ROLLBACK TO SAVEPOINT robust_path")
            spool.file.seek(mark[0])
            spool.file.truncate()
            spool.count = mark[1]
            continue
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT robust_path")
            raise FeedError(f"the database refused the cleaned rows: {exc.pgerror or exc}",
                            feed_id=load.feed_id, filename=load.member.name) from None
    raise AssertionError("latin-1 decodes any byte")


def _fallback_notices(filename: str, spool: "_NoticeSpool",
                      header: HeaderMap | None = None) -> Callable[[int, int, bytes, str, str], None]:
    """mixed_lines' on_fallback for a line decoded alone: as MobilityData, an invalid_character
    for each value of a reference column that is not UTF-8 (found in the line's own bytes);
    one for the line when the values cannot be told apart (a line of a multi-line record, a
    file kept as raw rows) or only unknown columns hold such bytes."""

    def fallback(line: int, position: int, bad: bytes, enc: str, text: str) -> None:
        reason = (f"not UTF-8 (byte{'s' if len(bad) > 1 else ''} {bad.hex(' ')} at byte "
                  f"{position} of the line): this line alone was decoded as {enc}")
        values = _undecodable_values(text, enc, header) if header is not None else []
        for column, value in values:
            spool.add(Notice("invalid_character", "ERROR", filename, line, column, value,
                             {"reason": reason, "decodedAs": enc, "bytePosition": position}))
        if not values:
            spool.add(Notice("invalid_character", "ERROR", filename, line, None, text.rstrip("\r\n")[:200],
                             {"reason": reason, "decodedAs": enc, "bytePosition": position}))
    return fallback


def _undecodable_values(text: str, enc: str, header: HeaderMap) -> list[tuple[str, str]]:
    """(reference column, decoded value) of each field of a line whose bytes are not UTF-8;
    [] when the line does not split into the header's fields."""
    raw = text.rstrip("\r\n").encode(enc)  # the line's bytes again: the fallback decoded them one to one
    try:
        fields = next(csv.reader([raw.decode("latin-1")]), [])
    except csv.Error:
        return []
    if len(fields) != len(header.positions):
        return []
    out = []
    for column, field in zip(header.positions, fields):
        if column is None:
            continue
        try:
            field.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            out.append((column.name, field.encode("latin-1").decode(enc)))
    return out


def _has_utf8_text(load: FileLoad) -> bool:
    with load.rows() as (_, splitter):
        return has_utf8_text(splitter.rest)


def _text_columns(header: HeaderMap) -> list[str]:
    """The file's reference columns stored as text (the only ones that can hold padding or any character)."""
    return [c.name for c in header.known_columns if c.type in TEXT_TYPES]


def _trim_padded_text(cur, gtfs_file: GtfsFile, feed_version_id: int, header: HeaderMap) -> None:
    """The fast path keeps text as written; trim padded values (one scan) and report each."""
    text_cols = _text_columns(header)
    if not text_cols:
        return
    part = partition_ident(gtfs_file, feed_version_id)
    padded = sql.SQL(" OR ").join(
        sql.SQL("{c} <> btrim({c}, E' \\t')").format(c=sql.Identifier(c)) for c in text_cols)
    cur.execute(sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {})").format(part, padded))
    if not cur.fetchone()[0]:
        return
    for c in text_cols:
        ident = sql.Identifier(c)
        cur.execute(
            sql.SQL(
                "INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, value)"
                " SELECT {v}, 'leading_or_trailing_whitespaces', 'WARNING', {f}, {line}, {name}, {c}"
                " FROM {part} WHERE {c} <> btrim({c}, E' \\t')"
            ).format(v=sql.Literal(int(feed_version_id)), f=sql.Literal(gtfs_file.name),
                     line=sql.Identifier(LINE_COLUMN), name=sql.Literal(c), c=ident, part=part))
    sets = sql.SQL(", ").join(
        sql.SQL("{c} = NULLIF(btrim({c}, E' \\t'), '')").format(c=sql.Identifier(c)) for c in text_cols)
    cur.execute(sql.SQL("UPDATE {} SET {} WHERE {}").format(part, sets, padded))


def _report_undecoded_values(cur, gtfs_file: GtfsFile, feed_version_id: int, header: HeaderMap,
                             encoding: str) -> None:
    """invalid_character for each value of a file in another encoding that holds a byte UTF-8
    cannot read, as MobilityData reports it (its reader decodes UTF-8, so each such value holds
    U+FFFD): one scan of the text columns. The file is in another encoding only when no line of
    it is UTF-8 beyond ASCII (see _copy_rows), so every non-ASCII character of its values was
    such a byte. The value stored and reported is the decoded text, which MobilityData cannot show."""
    text_cols = _text_columns(header)
    if not text_cols:
        return
    pairs = sql.SQL(", ").join(sql.SQL("({}, p.{})").format(sql.Literal(c), sql.Identifier(c)) for c in text_cols)
    cur.execute(sql.SQL(
        "INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name, value, context)"
        " SELECT {v}, 'invalid_character', 'ERROR', {f}, p.{line}, t.field, t.value, {context}"
        " FROM {part} p CROSS JOIN LATERAL (VALUES {pairs}) t (field, value)"
        r" WHERE t.value ~ '[^\x01-\x7f]'").format(  # a character beyond ASCII
            v=sql.Literal(int(feed_version_id)), f=sql.Literal(gtfs_file.name), line=sql.Identifier(LINE_COLUMN),
            context=sql.Literal(json.dumps({"decodedAs": encoding, "reason": f"not UTF-8: decoded as {encoding}"})),
            part=partition_ident(gtfs_file, feed_version_id), pairs=pairs))


UNQUOTED_PADDING = "unquoted_value_trimmed"


def _mark_unquoted_padding(cur, load: FileLoad, encoding: str) -> None:
    """MobilityData's CSV reader trims unquoted values silently and reports
    leading_or_trailing_whitespaces only for padding inside quotes. Both paths here trim
    either kind with a notice; the notices of unquoted values become the project's own
    ``unquoted_value_trimmed`` (INFO), so the canonical code counts what MobilityData counts
    and nothing is trimmed without a word. Costs one more read of the file, only when a value
    was padded."""
    cur.execute("SELECT line_number, field_name FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s"
                " AND code = 'leading_or_trailing_whitespaces' AND line_number > 1",
                (load.feed_version_id, load.member.name))
    padded = set(cur.fetchall())
    if not padded:
        return
    index = {c.name: i for i, c in enumerate(load.header.positions) if c is not None}
    wanted: dict[int, list[int]] = {}
    for line, name in padded:
        if name in index:
            wanted.setdefault(line, []).append(index[name])
    unquoted = []
    with load.rows() as (_, splitter):
        lines = mixed_lines(splitter.rest, MixedStats()) if encoding == "utf-8" else decoded_lines(splitter.rest, encoding)
        for line, text in records_text(lines):
            if line in wanted:
                quoted = quoted_fields(text)
                unquoted += [(line, load.header.positions[i].name) for i in wanted.pop(line)
                             if i < len(quoted) and not quoted[i]]
                if not wanted:
                    break
    if unquoted:
        cur.execute("UPDATE gtfs.notice n SET code = %s, severity = 'INFO' FROM unnest(%s::bigint[], %s::text[]) u (line, field)"
                    " WHERE n.feed_version_id = %s AND n.filename = %s AND n.code = 'leading_or_trailing_whitespaces'"
                    " AND n.line_number = u.line AND n.field_name = u.field",
                    (UNQUOTED_PADDING, [u[0] for u in unquoted], [u[1] for u in unquoted],
                     load.feed_version_id, load.member.name))


def _build_key(cur, gtfs_file: GtfsFile, feed_version_id: int) -> int:
    """Build the version's key. When rows break it, set them aside (kept whole in
    gtfs.rejected_row with a notice) and build it again. Returns rows set aside.

    Rows with an empty key go first, by one scan; the key is tried again before looking
    for duplicate keys, whose search sorts the whole file (on the 3 M feed a bad value in
    stop_sequence cost 17 s of key building when both ran every time)."""
    constraint = key_constraint_sql(gtfs_file, f"{partition_name(gtfs_file, feed_version_id)}_key")
    if constraint is None:
        return 0
    add = sql.SQL("ALTER TABLE {} ADD {}").format(partition_ident(gtfs_file, feed_version_id), constraint)
    if _try_add_key(cur, add):
        return 0
    aside = 0
    if not key_is_nullable(gtfs_file):
        aside = _set_aside_null_keys(cur, gtfs_file, feed_version_id)
        if aside and _try_add_key(cur, add):
            return aside
    aside += _set_aside_duplicate_keys(cur, gtfs_file, feed_version_id)
    cur.execute(add)
    return aside


def _try_add_key(cur, add: sql.Composable) -> bool:
    cur.execute("SAVEPOINT build_key")
    try:
        cur.execute(add)
    except (psycopg2.errors.UniqueViolation, psycopg2.errors.NotNullViolation):
        cur.execute("ROLLBACK TO SAVEPOINT build_key")
        return False
    cur.execute("RELEASE SAVEPOINT build_key")
    return True


def _set_aside_null_keys(cur, gtfs_file: GtfsFile, feed_version_id: int,
                         table: sql.Composable | None = None) -> int:
    """A required key column left empty: the row cannot be keyed. Looks in the partition,
    or in ``table`` (the fast path's rows typed in Python). A key column emptied because its
    value was invalid (invalid_date, ...) is not also missing_required_field: MobilityData
    reports the value once."""
    part = table or partition_ident(gtfs_file, feed_version_id)
    v = sql.Literal(int(feed_version_id))
    fname = sql.Literal(gtfs_file.name)
    line = sql.Identifier(LINE_COLUMN)
    key = gtfs_file.primary_key
    null_key = sql.SQL(" OR ").join(sql.SQL("{} IS NULL").format(sql.Identifier(k)) for k in key)
    # One notice per empty key column of each row set aside, column by column in key order.
    cur.execute(sql.SQL(
        "WITH gone AS (DELETE FROM {part} t WHERE {null_key} RETURNING t.*),"
        " kept AS (INSERT INTO gtfs.rejected_row (feed_version_id, filename, line_number, reason, record)"
        "   SELECT {v}, {fname}, {line}, 'missing_required_field', to_jsonb(gone) - 'feed_version_id'"
        "   FROM gone RETURNING line_number, record),"
        " noted AS (INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name)"
        "   SELECT {v}, 'missing_required_field', 'ERROR', {fname}, kept.line_number, f.k"
        "   FROM kept CROSS JOIN unnest({keys}::text[]) WITH ORDINALITY AS f(k, i)"
        "   WHERE kept.record->>f.k IS NULL AND NOT EXISTS (SELECT 1 FROM gtfs.notice n WHERE n.feed_version_id = {v}"
        "     AND n.code LIKE 'invalid\\_%' AND n.filename = {fname} AND n.line_number = kept.line_number AND n.field_name = f.k)"
        "   ORDER BY f.i, kept.line_number)"
        " SELECT count(*) FROM kept").format(
        part=part, null_key=null_key, v=v, fname=fname, line=line, keys=sql.Literal(list(key))))
    return cur.fetchone()[0]


def _set_aside_duplicate_keys(cur, gtfs_file: GtfsFile, feed_version_id: int) -> int:
    """Duplicate keys: the first row (lowest line) stays, later ones are set aside."""
    part = partition_ident(gtfs_file, feed_version_id)
    v = sql.Literal(int(feed_version_id))
    fname = sql.Literal(gtfs_file.name)
    line = sql.Identifier(LINE_COLUMN)
    key = gtfs_file.primary_key
    key_json = sql.SQL("jsonb_build_object({})").format(sql.SQL(", ").join(
        sql.SQL("{}, {}").format(sql.Literal(k), sql.Identifier(k)) for k in key))
    cols = sql.SQL(", ").join(map(sql.Identifier, key))
    cur.execute(sql.SQL(
        "WITH ranked AS (SELECT ctid AS rid, {line} AS l, min({line}) OVER w AS first_line,"
        "   row_number() OVER (w ORDER BY {line}) AS rn FROM {part} WINDOW w AS (PARTITION BY {cols})),"
        " gone AS (DELETE FROM {part} t USING ranked r WHERE t.ctid = r.rid AND r.rn > 1"
        "   RETURNING t.*, r.first_line),"
        " kept AS (INSERT INTO gtfs.rejected_row (feed_version_id, filename, line_number, reason, record)"
        "   SELECT {v}, {fname}, {line}, 'duplicate_key', to_jsonb(gone) - 'feed_version_id' - 'first_line'"
        "   FROM gone)"
        " INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number, field_name,"
        "   entity_key, value, context)"
        " SELECT {v}, 'duplicate_key', 'ERROR', {fname}, {line}, {fields}, {key_json}, NULL,"
        "   jsonb_build_object('oldCsvRowNumber', first_line, 'newCsvRowNumber', {line})"
        " FROM gone").format(line=line, part=part, cols=cols, v=v, fname=fname, key_json=key_json,
                             fields=sql.Literal(",".join(key))))
    return cur.rowcount


def keep_extra_member(conn, feed_id: str, feed_version_id: int, zf: zipfile.ZipFile, member: Member,
                      max_blob: int = archive.MAX_KEPT_BLOB_BYTES, reasons: list[Notice] | None = None) -> FileResult:
    """Keep a member as it is: CSV files row by row as JSON, anything else as bytes
    (up to ``max_blob``). An unknown_file notice names it, or ``reasons`` say why
    a reference file is kept this way."""
    started = time.monotonic()
    rows, encoding = 0, "binary"
    with conn.cursor() as cur:
        cur.execute("DELETE FROM gtfs.extra_file_row WHERE feed_version_id = %s AND filename = %s",
                    (feed_version_id, member.name))
        cur.execute("DELETE FROM gtfs.extra_file WHERE feed_version_id = %s AND filename = %s",
                    (feed_version_id, member.name))
        cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s AND source = 'loader'"
                    " AND code <> 'ignored_member'",
                    (feed_version_id, member.name))
        stored_as_rows = False
        columns: list[str] = []
        member_sha = None
        if member.kind == "extra_csv":
            for enc in ENCODINGS:
                cur.execute("SAVEPOINT extra_csv")
                spool = _NoticeSpool(feed_version_id)
                try:
                    rows, columns, member_sha = _copy_extra_csv(cur, feed_id, feed_version_id, zf, member, enc,
                                                                spool)
                    cur.execute("RELEASE SAVEPOINT extra_csv")
                    stored_as_rows, encoding = True, enc
                    spool.flush_to(cur)
                    break
                except EncodingRetry:
                    cur.execute("ROLLBACK TO SAVEPOINT extra_csv")
        if not stored_as_rows:
            member_sha = _copy_extra_blob(cur, feed_id, feed_version_id, zf, member, member.size <= max_blob)
        if not reasons:
            reasons = [Notice("unknown_file", "INFO", member.name, None, None, None,
                              {"archivePath": member.archive_name,
                               "keptAs": "gtfs.extra_file_row" if stored_as_rows else "gtfs.extra_file"})]
        for reason in reasons:
            cur.execute("INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, line_number,"
                        " field_name, value, context) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                        (feed_version_id, *reason.as_row()))
        seconds = time.monotonic() - started
        cur.execute(
            "INSERT INTO gtfs.feed_version_file (feed_version_id, filename, archive_path, rows, bytes, encoding,"
            " columns, load_path, seconds, sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, 'kept', %s, %s)"
            " ON CONFLICT (feed_version_id, filename) DO UPDATE SET rows = EXCLUDED.rows,"
            " seconds = EXCLUDED.seconds, encoding = EXCLUDED.encoding, columns = EXCLUDED.columns,"
            " sha256 = EXCLUDED.sha256",
            (feed_version_id, member.name, member.archive_name, rows, member.size, encoding, columns, seconds,
             member_sha))
    conn.commit()
    return FileResult(member.name, rows, member.size, encoding, "kept", round(seconds, 3), 1)


def _copy_extra_blob(cur, feed_id: str, feed_version_id: int, zf: zipfile.ZipFile, member: Member,
                     keep_content: bool) -> str:
    """A member kept as bytes, streamed into gtfs.extra_file by COPY (hex bytea), never held
    whole; its size and SHA-256 are written after the content, once read. The content is
    kept when the declared size is at most the limit (zipfile never inflates past it)."""
    digest: list[str] = []

    def chunks():
        size = 0
        with archive.open_member(zf, member, feed_id=feed_id) as raw:
            if keep_content:
                yield b"\\x"
            for chunk in archive.iter_chunks(raw, COPY_CHUNK):
                size += len(chunk)
                if keep_content:
                    yield binascii.hexlify(chunk)
            digest.append(raw.sha256)
        name = '"' + member.name.replace('"', '""') + '"'
        yield f",{int(feed_version_id)},{name},{size},{raw.sha256}\n".encode("utf-8")

    copy_in(cur, "COPY gtfs.extra_file (content, feed_version_id, filename, bytes, sha256)"
            " FROM STDIN WITH (FORMAT csv)", IterReader(chunks()))
    return digest[0]


def _copy_extra_csv(cur, feed_id, feed_version_id, zf, member: Member, encoding: str,
                    spool: "_NoticeSpool") -> tuple[int, list[str], str | None]:
    """Rows of a CSV member as JSON objects; returns (rows, header names in file order, SHA-256).
    As UTF-8, a line that is not UTF-8 is decoded alone (a notice in ``spool``); EncodingRetry
    when no line is UTF-8 beyond ASCII but some are not UTF-8 (the file is in another encoding)."""
    count = 0
    header: list[str] = []
    digest: list[str | None] = []

    def chunks():
        nonlocal count
        cap = max_columns()
        with archive.open_member(zf, member, feed_id=feed_id) as raw:
            lines = (mixed_lines(raw, stats, _fallback_notices(member.name, spool), first_line=1)
                     if encoding == "utf-8" else decoded_lines(raw, encoding, first_line=1))
            try:
                first = next(lines, "")
            except LineTooLong as exc:
                raise FeedError(exc.message, feed_id=feed_id, filename=member.name, line=exc.line) from None
            names = next(csv.reader([first.lstrip("\ufeff")]), [])
            if len(names) > cap:
                raise too_many_columns(len(names), cap, feed_id=feed_id, filename=member.name, line=1)
            names = [n.strip() or f"column_{i + 1}" for i, n in enumerate(names)]
            header.extend(names)
            in_header = Counter(header)  # header's names, counted: a test in O(1), not O(columns)
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            for line, record in csv_records(lines, filename=member.name, feed_id=feed_id):
                if len(record) > cap:
                    raise too_many_columns(len(record), cap, feed_id=feed_id, filename=member.name, line=line)
                obj = {}
                for i, value in enumerate(record):
                    key = names[i] if i < len(names) else f"column_{i + 1}"
                    if key in obj:
                        key = f"{key}#{i + 1}"
                        if i < len(names):
                            in_header[header[i]] -= 1
                            header[i] = key
                            in_header[key] += 1
                    if not in_header[key]:
                        header.append(key)
                        in_header[key] += 1
                    obj[key] = value
                writer.writerow([feed_version_id, member.name, line, json.dumps(obj, ensure_ascii=False)])
                count += 1
                if out.tell() > COPY_CHUNK:
                    yield out.getvalue().encode("utf-8")
                    out.seek(0)
                    out.truncate()
            digest.append(raw.sha256)
            yield out.getvalue().encode("utf-8")

    stats = MixedStats()
    copy_in(cur, "COPY gtfs.extra_file_row (feed_version_id, filename, line_number, record)"
            " FROM STDIN WITH (FORMAT csv)", IterReader(chunks()))
    if stats.consistently_other:
        raise EncodingRetry("no line is UTF-8 beyond ASCII: the file is in another encoding")
    return count, header, (digest or [None])[0]


def load_locations_geojson(conn, feed_id: str, feed_version_id: int, zf: zipfile.ZipFile,
                           member: Member) -> FileResult:
    """GTFS-Flex zones: the document streams into the database as one value and is
    split into one row per feature there; Python never holds it whole."""
    started = time.monotonic()
    with conn.cursor() as cur:
        cur.execute("DELETE FROM gtfs.locations WHERE feed_version_id = %s", (feed_version_id,))
        cur.execute("DELETE FROM gtfs.locations_document WHERE feed_version_id = %s", (feed_version_id,))
        cur.execute("DELETE FROM gtfs.notice WHERE feed_version_id = %s AND filename = %s AND source = 'loader'"
                    " AND code <> 'ignored_member'",
                    (feed_version_id, member.name))
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS gtfs_geojson_doc (doc text) ON COMMIT DROP")
        cur.execute("TRUNCATE gtfs_geojson_doc")
        digest: list[str | None] = []

        def quoted():
            # One CSV field: the text in quotes, each quote doubled.
            yield b'"'
            with archive.open_member(zf, member, feed_id=feed_id) as raw:
                first = True
                for chunk in archive.iter_chunks(raw):
                    if first and chunk.startswith(b"\xef\xbb\xbf"):
                        chunk = chunk[3:]
                    first = False
                    yield chunk.replace(b'"', b'""')
                digest.append(raw.sha256)
            yield b'"\n'

        copy_in(cur, "COPY gtfs_geojson_doc (doc) FROM STDIN WITH (FORMAT csv)", IterReader(quoted()))
        cur.execute("SAVEPOINT geojson")
        rows = 0
        try:
            rows = _split_geojson(cur, feed_version_id)
            cur.execute("RELEASE SAVEPOINT geojson")
        except (psycopg2.Error, GeoJsonNotAnObject) as exc:
            cur.execute("ROLLBACK TO SAVEPOINT geojson")
            message = str(exc) if isinstance(exc, GeoJsonNotAnObject) else (exc.pgerror or str(exc)).strip()
            cur.execute("INSERT INTO gtfs.notice (feed_version_id, code, severity, filename, value)"
                        " VALUES (%s, 'malformed_json', 'ERROR', %s, %s)",
                        (feed_version_id, member.name, message[:500]))
            cur.execute("INSERT INTO gtfs.extra_file (feed_version_id, filename, bytes, sha256, content)"
                        " SELECT %s, %s, octet_length(doc), encode(sha256(convert_to(doc, 'UTF8')), 'hex'),"
                        " convert_to(doc, 'UTF8') FROM gtfs_geojson_doc"
                        " ON CONFLICT (feed_version_id, filename) DO NOTHING",
                        (feed_version_id, member.name))
        seconds = time.monotonic() - started
        cur.execute(
            "INSERT INTO gtfs.feed_version_file (feed_version_id, filename, archive_path, rows, bytes, encoding,"
            " columns, load_path, seconds, sha256) VALUES (%s, %s, %s, %s, %s, 'utf-8', '{}', 'robust', %s, %s)"
            " ON CONFLICT (feed_version_id, filename) DO UPDATE SET rows = EXCLUDED.rows, seconds = EXCLUDED.seconds,"
            " sha256 = EXCLUDED.sha256",
            (feed_version_id, member.name, member.archive_name, rows, member.size, seconds, (digest or [None])[0]))
        cur.execute("DROP TABLE gtfs_geojson_doc")
    conn.commit()
    return FileResult(member.name, rows, member.size, "utf-8", "robust", round(seconds, 3), 0)


class GeoJsonNotAnObject(ValueError):
    """locations.geojson is JSON but not an object (MobilityData: malformed_json)."""


# The first key (in document order) that an object of the document repeats, walked on the JSON text (jsonb
# would keep the last value and hide the repetition). Each object is told apart by its path; arrays of
# numbers (coordinates) are not descended into.
_FIRST_DUPLICATED_KEY = """
WITH RECURSIVE node(v, path) AS (
    SELECT doc::json, ARRAY[]::bigint[] FROM gtfs_geojson_doc
    UNION ALL
    SELECT c.v, n.path || c.i FROM node n
    CROSS JOIN LATERAL (
        SELECT e.value AS v, e.i FROM json_each(CASE WHEN json_typeof(n.v) = 'object' THEN n.v END)
            WITH ORDINALITY AS e(key, value, i)
        UNION ALL
        SELECT a.value, a.i FROM json_array_elements(
            CASE WHEN json_typeof(n.v) = 'array' AND json_typeof(n.v -> 0) IN ('object', 'array') THEN n.v END)
            WITH ORDINALITY AS a(value, i)) c
    WHERE json_typeof(c.v) IN ('object', 'array'))
SELECT k.key FROM node n CROSS JOIN LATERAL json_object_keys(CASE WHEN json_typeof(n.v) = 'object' THEN n.v END) k(key)
GROUP BY n.path, k.key HAVING count(*) > 1
ORDER BY n.path, k.key LIMIT 1"""


def _split_geojson(cur, feed_version_id: int) -> int:
    """One row of gtfs.locations per feature, in file order, and the document's other members in
    gtfs.locations_document: the validation rules check the structure (MobilityData's GeoJSON codes)
    on them. A feature's geometry is NULL when PostGIS cannot read it; nothing is left out."""
    # parsed once (a document of many MB costs its parse each time it is cast)
    cur.execute("CREATE TEMP TABLE gtfs_geojson_jsonb ON COMMIT DROP AS SELECT doc::jsonb AS doc FROM gtfs_geojson_doc")
    cur.execute("SELECT jsonb_typeof(doc) FROM gtfs_geojson_jsonb")
    if cur.fetchone()[0] != "object":
        raise GeoJsonNotAnObject("Expected a JSON object at the root")
    cur.execute(_FIRST_DUPLICATED_KEY)
    duplicated = cur.fetchone()
    cur.execute(
        "INSERT INTO gtfs.locations_document (feed_version_id, members, duplicated_key)"
        " SELECT %s, doc - 'features', %s FROM gtfs_geojson_jsonb",
        (feed_version_id, duplicated[0] if duplicated else None))
    cur.execute(
        "WITH d AS MATERIALIZED (SELECT doc -> 'features' AS features FROM gtfs_geojson_jsonb)"
        " INSERT INTO gtfs.locations (feed_version_id, location_id, feature_index, properties, geometry, feature)"
        " SELECT %s, NULLIF(f ->> 'id', ''), n - 1, f -> 'properties', gtfs.geojson_geometry(f -> 'geometry'), f"
        " FROM d, jsonb_array_elements(CASE WHEN jsonb_typeof(d.features) = 'array' THEN d.features END)"
        "   WITH ORDINALITY AS a(f, n)",
        (feed_version_id,))
    rows = cur.rowcount
    cur.execute("DROP TABLE gtfs_geojson_jsonb")
    return rows
