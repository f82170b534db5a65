#!/usr/bin/env python3
"""What an unchanged fetch costs after its download: the checks of fetch.check_archive.

Usage:
    python bench/known_bytes_bench.py FEED.zip [--rounds 3]

Alternates, round by round, the two answers a fetch can get to "are these bytes a version
already?": unknown bytes are checked as a GTFS zip and every member is decompressed for the
content hash; known bytes (their sha256 names a loaded version) get only the sha256. The
sha256 of the file alone is timed beside them as the floor. Prints one line per measurement
with the 1-minute load average.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins"))

from gtfs_pipeline.fetch import check_archive  # noqa: E402


def sha_only(path: Path) -> None:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("feed", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cases = {
        "unknown bytes (zip checked, content hash)": lambda: check_archive(args.feed, "bench", 200),
        "known bytes (sha256 only)": lambda: check_archive(args.feed, "bench", 200, known=lambda _: True),
        "floor: sha256 of the file": lambda: sha_only(args.feed),
    }
    print(f"{args.feed.name}: {args.feed.stat().st_size / 1e6:.1f} MB")
    for rnd in range(1, args.rounds + 1):
        for name, run in cases.items():
            start = time.perf_counter()
            run()
            took = time.perf_counter() - start
            print(f"round {rnd}  {name:45s} {took:7.3f} s  load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
