"""Reading a GTFS zip safely: which members are GTFS files, hashes, size limits; and opening
the zips and reports kept in the feed archive (file://, s3://: see the end of the file).

Member names are only ever labels: nothing is written to a path taken from the
archive. A zip bomb is stopped by counting the bytes actually decompressed, not
by trusting the sizes the archive declares.
"""

from __future__ import annotations

import hashlib
import io
import os
import posixpath
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from . import settings
from .errors import ArchiveError
from .reference import FILE_BY_NAME, LOCATIONS_GEOJSON



# Documented limits (docs/configuration.md); override per call, or with GTFS_MAX_MEMBER_BYTES,
# GTFS_MAX_TOTAL_BYTES and GTFS_MAX_MEMBERS (read at each call, so a worker's environment
# applies without re-importing).
def member_byte_limit() -> int:
    return settings.current().max_member_bytes  # one member, decompressed


def total_byte_limit() -> int:
    return settings.current().max_total_bytes  # all members, decompressed


def member_count_limit() -> int:
    return settings.current().max_members


def expansion_limits() -> tuple[int, int]:
    """(largest decompressed/compressed ratio, decompressed size from which it applies)."""
    config = settings.current()
    return config.max_expansion_ratio, config.expansion_check_bytes


def _archive_bytes(zf: zipfile.ZipFile) -> int:
    """The size of the zip itself (what the whole archive's expansion is measured against)."""
    fp = zf.fp
    try:
        return os.fstat(fp.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        at = fp.tell()
        fp.seek(0, io.SEEK_END)
        size = fp.tell()
        fp.seek(at)
        return size


MAX_KEPT_BLOB_BYTES = 64 * 1024**2  # non-CSV extra members larger than this are recorded, not stored

JUNK_BASENAMES = {".ds_store", "desktop.ini", "thumbs.db"}
GTFS_NAMES = set(FILE_BY_NAME) | {LOCATIONS_GEOJSON}


@dataclass(frozen=True)
class Member:
    """One member of the archive that the loader will use or keep."""

    name: str  # name relative to the GTFS root folder, e.g. "stops.txt"
    archive_name: str  # full name inside the zip
    size: int  # declared decompressed size
    kind: str  # 'gtfs' | 'geojson' | 'extra_csv' | 'extra_blob'


@dataclass
class ArchiveLayout:
    members: dict[str, Member]  # by name
    root: str  # folder inside the zip that holds the GTFS files ('' for the zip root)
    ignored: list[dict[str, str]] = field(default_factory=list)  # junk, unsafe, outside root, ...

    @property
    def gtfs_names(self) -> set[str]:
        return {m.name for m in self.members.values() if m.kind in ("gtfs", "geojson")}


def _is_junk(name: str) -> bool:
    parts = name.split("/")
    base = parts[-1].lower()
    return parts[0] == "__MACOSX" or base.startswith("._") or base in JUNK_BASENAMES


def _is_unsafe(name: str) -> bool:
    return (
        name.startswith("/")
        or name.startswith("\\")
        or (len(name) > 1 and name[1] == ":")
        or ".." in name.replace("\\", "/").split("/")
        or "\x00" in name
    )


def open_zip(source: str | Path | BinaryIO, *, feed_id: str | None = None) -> zipfile.ZipFile:
    """Open a zip, turning every way it can be unreadable into one clear ArchiveError."""
    try:
        return zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        head = b""
        try:
            if isinstance(source, (str, Path)):
                with open(source, "rb") as fh:
                    head = fh.read(64)
            else:
                source.seek(0)
                head = source.read(64)
        except OSError:
            pass
        hint = ""
        stripped = head.lstrip().lower()
        if not head:
            hint = " (the file is empty)"
        elif stripped.startswith((b"<!doctype", b"<html", b"<?xml", b"{")):
            hint = f" (it starts with {head[:30]!r}: an error page or API response, not a feed)"
        elif head.startswith(b"PK"):
            hint = " (it starts like a zip but is truncated or corrupt)"
        raise ArchiveError(f"not a readable zip archive{hint}", feed_id=feed_id) from None
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive: {exc}", feed_id=feed_id) from None


def inspect(zf: zipfile.ZipFile, *, feed_id: str | None = None, max_member_bytes: int | None = None,
            max_total_bytes: int | None = None, max_members: int | None = None) -> ArchiveLayout:
    """Decide which members are the feed's files.

    GTFS files may sit in one folder of the zip (agencies zip a folder); the
    folder holding the most reference file names is the root. Junk (macOS
    metadata, desktop.ini) and unsafe names are ignored and listed.
    """
    max_member_bytes = max_member_bytes or member_byte_limit()
    max_total_bytes = max_total_bytes or total_byte_limit()
    max_members = max_members or member_count_limit()
    infos = zf.infolist()
    if len(infos) > max_members:
        raise ArchiveError(f"the archive has {len(infos)} members, more than the limit of {max_members}",
                           feed_id=feed_id)
    ratio, ratio_from = expansion_limits()
    ignored: list[dict[str, str]] = []
    candidates: list[zipfile.ZipInfo] = []
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if _is_unsafe(name):
            ignored.append({"name": name, "reason": "unsafe member name (absolute or with ..)"})
            continue
        if _is_junk(name):
            ignored.append({"name": name, "reason": "operating-system metadata"})
            continue
        total += info.file_size
        if info.file_size > max_member_bytes:
            raise ArchiveError(
                f"declares {info.file_size} bytes decompressed, over the limit of {max_member_bytes} bytes per member",
                feed_id=feed_id, filename=name)
        if info.file_size > ratio_from and info.file_size > ratio * max(info.compress_size, 1):
            raise ArchiveError(
                f"declares {info.file_size} bytes decompressed from {info.compress_size} compressed, "
                f"{info.file_size // max(info.compress_size, 1)} times its compressed size, over the limit of "
                f"{ratio} times (a zip bomb?)", feed_id=feed_id, filename=name)
        candidates.append(info)
    if total > max_total_bytes:
        raise ArchiveError(f"the members declare {total} bytes decompressed in all, over the limit of "
                           f"{max_total_bytes} bytes", feed_id=feed_id)
    # The whole archive against its own size: many small members, each below the size from which
    # a member's ratio is checked, cannot add up to a bomb. zipfile never inflates a member past
    # its declared size, so the declared sizes bound what reading the archive can produce.
    zip_bytes = _archive_bytes(zf)
    if total > ratio_from and total > ratio * max(zip_bytes, 1):
        raise ArchiveError(f"the members declare {total} bytes decompressed in all, {total // max(zip_bytes, 1)} "
                           f"times the archive's {zip_bytes} bytes, over the limit of {ratio} times (a zip bomb?)",
                           feed_id=feed_id)
    # Two members with one name: zipfile (like unzip) opens the last one by that name, so
    # that is the one used; the earlier ones are listed as ignored.
    last_index = {info.filename: i for i, info in enumerate(candidates)}
    for i, info in enumerate(candidates):
        if last_index[info.filename] != i:
            ignored.append({"name": info.filename,
                            "reason": "an earlier member with the same name (the last one is used)"})
    candidates = [info for i, info in enumerate(candidates) if last_index[info.filename] == i]

    folders: dict[str, int] = {}
    for info in candidates:
        folder, base = posixpath.split(info.filename)
        if base in GTFS_NAMES:
            folders[folder] = folders.get(folder, 0) + 1
    if not folders:
        nested = sorted(i.filename for i in candidates if i.filename.lower().endswith(".zip"))
        hint = (f"; it holds {', '.join(nested[:3])}: archives inside the archive are not opened"
                if nested else "")
        raise ArchiveError(f"the archive contains no GTFS files (no agency.txt, stops.txt, ...){hint}",
                           feed_id=feed_id)
    root = max(folders, key=lambda f: (folders[f], -f.count("/")))

    members: dict[str, Member] = {}
    for info in candidates:
        folder, base = posixpath.split(info.filename)
        if folder == root:
            rel = base
        elif root == "" or info.filename.startswith(root + "/"):
            rel = info.filename[len(root) + 1:] if root else info.filename
        else:
            rel = info.filename  # outside the root folder: kept under its full name
        if rel in members:
            ignored.append({"name": info.filename, "reason": f"second member named {rel}"})
            continue
        if folder == root and base in FILE_BY_NAME:
            kind = "gtfs"
        elif folder == root and base == LOCATIONS_GEOJSON:
            kind = "geojson"
        elif rel.lower().endswith(".txt") or rel.lower().endswith(".csv"):
            kind = "extra_csv"
        else:
            kind = "extra_blob"
        members[rel] = Member(rel, info.filename, info.file_size, kind)
    return ArchiveLayout(members, root, ignored)


class LimitedReader(io.RawIOBase):
    """A member's bytes, stopping with ArchiveError past ``limit`` (zip bombs lie about sizes).

    It also hashes what passes through, so a load that reads a member to its end
    gets the member's SHA-256 (for the version's content hash) without a second pass.
    """

    def __init__(self, raw: BinaryIO, limit: int, label: str, feed_id: str | None = None,
                 compress_size: int | None = None) -> None:
        self._raw = raw
        self._limit = limit
        self._compress_size = compress_size
        self._ratio, self._ratio_from = expansion_limits()
        self._label = label
        self._feed_id = feed_id
        self.bytes_read = 0
        self._hash = hashlib.sha256()
        self.at_end = False

    @property
    def sha256(self) -> str | None:
        """The member's SHA-256 once it has been read to its end, else None."""
        return self._hash.hexdigest() if self.at_end else None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._raw.read(size if size is not None and size >= 0 else 1 << 20)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            # zipfile reports a bad CRC or a truncated stream here, mid-read.
            raise ArchiveError(f"the archive is corrupt: {exc}", feed_id=self._feed_id,
                               filename=self._label) from None
        self.bytes_read += len(data)
        self._hash.update(data)
        if not data and size != 0:
            self.at_end = True
        if self.bytes_read > self._limit:
            raise ArchiveError(
                f"decompresses to more than {self._limit} bytes (limit; a zip bomb or a mislabelled member)",
                feed_id=self._feed_id, filename=self._label)
        if self.bytes_read > self._ratio_from and self.bytes_read > self._ratio * self._compressed_read():
            raise ArchiveError(
                f"decompresses to more than {self._ratio} times the compressed bytes read for it "
                "(a zip bomb whose declared sizes understate it)",
                feed_id=self._feed_id, filename=self._label)
        return data

    def _compressed_read(self) -> int:
        """Compressed bytes inflated so far: what zipfile read of the member, less what its
        decompressor holds unused. Without those (another reader), the declared compressed size."""
        left = getattr(self._raw, "_compress_left", None)
        if self._compress_size is None or not isinstance(left, int):
            return self._compress_size or 1
        tail = getattr(getattr(self._raw, "_decompressor", None), "unconsumed_tail", b"") or b""
        return max(self._compress_size - left - len(tail), 1)

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_member(zf: zipfile.ZipFile, member: Member, *, feed_id: str | None = None,
                limit: int | None = None) -> LimitedReader:
    try:
        raw = zf.open(member.archive_name)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise ArchiveError(f"cannot open member: {exc}", feed_id=feed_id, filename=member.name) from None
    return LimitedReader(raw, limit or member_byte_limit(), member.name, feed_id,
                         compress_size=zf.getinfo(member.archive_name).compress_size)


def iter_chunks(reader: BinaryIO, size: int = 1 << 20) -> Iterator[bytes]:
    while True:
        chunk = reader.read(size)
        if not chunk:
            return
        yield chunk


def file_sha256(source: str | Path | BinaryIO) -> str:
    h = hashlib.sha256()
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            for chunk in iter_chunks(fh):
                h.update(chunk)
    else:
        source.seek(0)
        for chunk in iter_chunks(source):
            h.update(chunk)
        source.seek(0)
    return h.hexdigest()


def combine_member_hashes(member_hashes: dict[str, str]) -> str:
    """The content hash from each member's SHA-256 (see content_sha256)."""
    outer = hashlib.sha256()
    for name in sorted(member_hashes):
        outer.update(f"{name}\t{member_hashes[name]}\n".encode())
    return outer.hexdigest()


def content_sha256(zf: zipfile.ZipFile, layout: ArchiveLayout, *, feed_id: str | None = None) -> str:
    """Hash of the feed's contents, independent of how it was zipped.

    sha256 over the lines "<name>\\t<sha256 of the member's bytes>\\n" for every
    member the loader uses or keeps, in name order; names are relative to the
    GTFS root folder, ignored members (junk, unsafe) are left out. Re-zipping
    identical files (other compression, order, timestamps, folder) keeps it.
    """
    hashes = {}
    for name in sorted(layout.members):
        with open_member(zf, layout.members[name], feed_id=feed_id) as reader:
            for _ in iter_chunks(reader):
                pass
            hashes[name] = reader.sha256
    return combine_member_hashes(hashes)


# --- objects in the feed archive (file://, s3://, ...) -----------------------------------------
# The archive is an ObjectStoragePath (pipeline.storage_path); these two functions are all the
# rest of the package needs to know about where it is.

LOCAL_PROTOCOLS = ("", "file", "local")


def is_local(path: Any) -> bool:
    return (getattr(path, "protocol", "") or "") in LOCAL_PROTOCOLS


def stored_url(path: Any) -> str:
    """The URL an archived object is recorded under (fetch result, version, report path).

    ``protocol://bucket/key`` for object storage: ``str()`` of an ObjectStoragePath with a
    connection reads ``s3://<conn_id>@bucket/key``, but the connection is the reader's
    (GTFS_ARCHIVE_CONN_ID), not part of the object's name. Never holds a credential.
    """
    if is_local(path):
        return str(path)
    return f"{path.protocol}://{path.path}"


def open_stored(path: Any) -> BinaryIO:
    """An archived object, opened for reading.

    Object storage is read in ranged GETs of GTFS_ARCHIVE_READ_BLOCK_BYTES through fsspec's
    read-ahead cache, which keeps only the current block: ``zipfile`` seeks to the central
    directory at the end, then to the member it reads, so a task that streams one member of a
    large zip fetches that member's bytes (and the directory), never the whole zip, and its
    memory does not grow with the zip. (fsspec's default block for S3 is 50 MiB.)
    """
    if is_local(path):
        return path.open("rb")
    return path.open("rb", block_size=settings.current().archive_read_block_bytes, cache_type="readahead")
