"""Hostile archives built in the test run: zip bombs of gigabytes written in milliseconds.

A deflate stream that is fully flushed after each chunk can repeat one compressed
block: the same 1 MiB chunk compresses to the same ~1 KiB after every full flush.
``write_zip`` writes members made of parts (plain bytes, or one chunk repeated n
times) with their true CRC-32 (combined arithmetically, as zlib's crc32_combine does,
so nothing of the expanded size is ever computed or held) and ZIP64 sizes, so
``zipfile`` reads every member to its end without an error. ``declare_compressed``
lets the central directory lie about a member's compressed size, which is how a bomb
gets past a check of the declared sizes. Nothing here is written to the repository;
the biggest archive is a few MB.
"""

from __future__ import annotations

import functools
import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from feedbuilder import MINIMAL

CHUNK = 1 << 20
ST_HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence"


def _gf2_times(mat: list[int], vec: int) -> int:
    out, i = 0, 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _gf2_square(mat: list[int]) -> list[int]:
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    if len2 <= 0:
        return crc1
    if crc1 == 0:
        return crc2  # the operator on crc1 is linear: it maps 0 to 0
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


@functools.lru_cache(maxsize=8)
def crc32_repeated(chunk: bytes, times: int) -> int:
    """CRC-32 of ``chunk * times`` without building it (square and multiply)."""
    crc, length = 0, 0
    unit_crc, unit_len = zlib.crc32(chunk), len(chunk)
    while times:
        if times & 1:
            crc = crc32_combine(crc, unit_crc, unit_len)
            length += unit_len
        unit_crc = crc32_combine(unit_crc, unit_crc, unit_len)
        unit_len *= 2
        times >>= 1
    return crc


@functools.lru_cache(maxsize=8)
def _flushed_block(chunk: bytes) -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    assert block == first  # after a full flush the compressor starts afresh
    return block


@dataclass
class Member:
    name: str
    parts: list  # bytes, or (chunk, times): the chunk repeated
    stored: bool = False  # ZIP_STORED instead of deflate (incompressible padding)
    declare_compressed: int | None = None  # a lie in the central directory
    data: bytes = field(default=b"", init=False)
    crc: int = field(default=0, init=False)
    size: int = field(default=0, init=False)

    def build(self) -> None:
        pieces: list[bytes] = []
        crc, size = 0, 0
        comp = None if self.stored else zlib.compressobj(9, zlib.DEFLATED, -15)
        for part in self.parts:
            if isinstance(part, bytes):
                pieces.append(part if comp is None else comp.compress(part) + comp.flush(zlib.Z_FULL_FLUSH))
                crc, size = zlib.crc32(part, crc), size + len(part)
                continue
            chunk, times = part
            assert comp is not None and times >= 2
            block = _flushed_block(chunk)  # what comp makes of it: after a full flush it starts afresh
            comp = zlib.compressobj(9, zlib.DEFLATED, -15)
            pieces.append(block * times)
            crc = crc32_combine(crc, crc32_repeated(chunk, times), len(chunk) * times)
            size += len(chunk) * times
        if comp is not None:
            pieces.append(comp.flush(zlib.Z_FINISH))
        self.data, self.crc, self.size = b"".join(pieces), crc, size


def write_zip(path: Path, members: list[Member]) -> None:
    """A ZIP64 archive of ``members`` (every size in ZIP64 extra fields)."""
    central = []
    with open(path, "wb") as out:
        for m in members:
            m.build()
            offset = out.tell()
            name = m.name.encode()
            method = 0 if m.stored else 8
            extra = struct.pack("<HHQQ", 1, 16, m.size, len(m.data))
            out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, method, 0, 0x21, m.crc,
                                  0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra)) + name + extra)
            out.write(m.data)
            declared = m.declare_compressed if m.declare_compressed is not None else len(m.data)
            cextra = struct.pack("<HHQQQ", 1, 24, m.size, declared, offset)
            central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, method, 0, 0x21, m.crc,
                                       0xFFFFFFFF, 0xFFFFFFFF, len(name), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF)
                           + name + cextra)
        cd_start = out.tell()
        for entry in central:
            out.write(entry)
        cd_size = out.tell() - cd_start
        eocd64 = out.tell()
        out.write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, len(central), len(central),
                              cd_size, cd_start))
        out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd64, 1))
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))


def feed_members(overrides: dict[str, Member] | None = None, extra: list[Member] | None = None) -> list[Member]:
    """The minimal valid feed (feedbuilder.MINIMAL) as members, some replaced, some added."""
    overrides = overrides or {}
    members = [overrides.get(name) or Member(name, [text.encode()]) for name, text in MINIMAL.items()]
    return members + list(extra or [])


def _repeat_to(pattern: bytes, size: int) -> tuple[bytes, int]:
    """A chunk of whole ``pattern``s near CHUNK bytes, and how many make ``size``."""
    chunk = pattern * max(1, CHUNK // len(pattern))
    return chunk, max(2, size // len(chunk))


GIB = 1 << 30
MIB = 1 << 20
BLANK_BOMB_BYTES = 5 * GIB


def blank_line_bomb(path: Path, *, lying: bool = False) -> None:
    """stop_times.txt: a header and a real row, 5 GiB of blank lines, the other real row.
    ``lying``: 2 GiB of blank lines, and the central directory claims ten times the
    compressed bytes there are; an 8 MiB random member makes the archive big enough
    that its declared total is not over the ratio either. Only streaming can tell."""
    blanks = (2 * GIB if lying else BLANK_BOMB_BYTES) // CHUNK
    rows = Member("stop_times.txt", [f"{ST_HEADER}\nT1,08:00:00,08:00:00,S1,1\n".encode(), (b"\n" * CHUNK, blanks),
                                     b"T1,08:10:00,08:11:00,S2,2\n"])
    extra = []
    if lying:
        rows.build()
        rows.declare_compressed = rows.size // 10
        extra = [Member("padding.bin", [os.urandom(8 * MIB)], stored=True)]
    write_zip(path, feed_members({"stop_times.txt": rows}, extra))


def one_member_bomb(path: Path) -> None:
    """stop_times.txt: 4 GiB of one valid row repeated (every byte is good CSV)."""
    chunk, times = _repeat_to(b"T1,08:00:00,08:00:00,S1,1\n", 4 * GIB)
    write_zip(path, feed_members({"stop_times.txt": Member("stop_times.txt", [f"{ST_HEADER}\n".encode(),
                                                                             (chunk, times)])}))


def many_member_bomb(path: Path, members: int = 80, each: int = 100 * MIB) -> None:
    """The feed plus ``members`` unknown members of ``each`` bytes of 'x' (80 x 100 MiB: 7.8 GiB
    from about 8 MB, the case of issue 15)."""
    chunk = b"x" * CHUNK
    write_zip(path, feed_members(extra=[Member(f"extra/bomb_{i:04d}.txt", [(chunk, each // CHUNK)])
                                        for i in range(members)]))


def unknown_member(path: Path, name: str, parts: list) -> None:
    """The feed plus one unknown member made of ``parts``."""
    write_zip(path, feed_members(extra=[Member(name, parts)]))
