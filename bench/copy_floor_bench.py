"""Where a typed COPY of stop_times.txt stands between the raw copy and the loader (issue 18, goal 2).

    python bench/copy_floor_bench.py FEED.zip [--rounds 3] [--dsn URL]

The feed's stop_times.txt is unzipped, and numbered the way the loader numbers it (the line number as a
first field; also cut into chunks of about 1.1 MB), beforehand and untimed. Each round then runs
`psql \\copy` of it into a fresh table of growing fidelity (the order alternates between rounds):
text (every column text: the raw floor), typed (interval, integer, float8), domain (the times as
gtfs.gtfs_time), partition (LIKE the loaded version's partition: every reference column, defaults and
CHECK constraints), numbered (the same with the line numbers), chunks (the same, one \\copy per chunk in a
savepoint, as the loader sends it). The loader's own COPY stage of the same file is
`gtfs-pipeline load FEED --no-geometry --no-validate --json` (files[].stages.copy). Needs one loaded
version of any feed (its stop_times partition is the model for `partition`).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from gtfs_pipeline import db  # noqa: E402
from quirks_bench import load_average  # noqa: E402

CHUNK_BYTES = 1_100_000


def prepare(feed: Path, work: Path) -> tuple[list[str], Path, list[Path]]:
    """stop_times.txt, its numbered copy and the numbered copy's chunks; returns the header too."""
    plain, numbered = work / "stop_times.txt", work / "numbered.csv"
    with zipfile.ZipFile(feed) as zf, zf.open("stop_times.txt") as src, open(plain, "wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
    chunks: list[Path] = []
    with open(plain, "rb") as src, open(numbered, "wb") as out:
        header = src.readline().decode("utf-8-sig").strip().split(",")
        piece, size = None, CHUNK_BYTES
        for n, line in enumerate(src, 2):
            record = b"%d,%b" % (n, line)
            out.write(record)
            if size >= CHUNK_BYTES:
                if piece:
                    piece.close()
                chunks.append(work / f"chunk{len(chunks):05d}.csv")
                piece, size = open(chunks[-1], "wb"), 0
            piece.write(record)
            size += len(record)
        if piece:
            piece.close()
    return header, numbered, chunks


def ddl(variant: str, header: list[str], model: str) -> str:
    types = {"arrival_time": "interval", "departure_time": "interval", "stop_sequence": "integer",
             "pickup_type": "integer", "drop_off_type": "integer", "timepoint": "integer",
             "shape_dist_traveled": "float8"}
    if variant == "text":
        return "CREATE TABLE copy_floor (" + ", ".join(f"{c} text" for c in header) + ")"
    if variant in ("typed", "domain"):
        domain = "gtfs.gtfs_time" if variant == "domain" else "interval"
        cols = [f"{c} {domain if c.endswith('_time') else types.get(c, 'text')}" for c in header]
        return "CREATE TABLE copy_floor (" + ", ".join(cols) + ")"
    return f"CREATE TABLE copy_floor (LIKE {model} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"


def script(variant: str, header: list[str], plain: Path, numbered: Path, chunks: list[Path]) -> str:
    cols = ",".join(header)
    if variant in ("text", "typed", "domain", "partition"):
        return f"\\copy copy_floor ({cols}) FROM '{plain}' WITH (FORMAT csv, HEADER true)"
    if variant == "numbered":
        return f"\\copy copy_floor (line_number,{cols}) FROM '{numbered}' WITH (FORMAT csv)"
    lines = ["BEGIN;"]
    for c in chunks:
        lines += ["SAVEPOINT chunk;", f"\\copy copy_floor (line_number,{cols}) FROM '{c}' WITH (FORMAT csv)",
                  "RELEASE SAVEPOINT chunk;"]
    return "\n".join(lines + ["COMMIT;"])


def psql(dsn: str, text: str) -> None:
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", dsn], input=text, text=True, check=True,
                   capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with db.connection(args.dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'gtfs.stop_times'::regclass LIMIT 1")
        row = cur.fetchone()
    if not row:
        raise SystemExit("load a feed first: its stop_times partition is the model of the 'partition' tables")
    variants = ["text", "typed", "domain", "partition", "numbered", "chunks"]
    results: dict[str, list[str]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:
        header, numbered, chunks = prepare(args.feed, Path(tmp))
        plain = Path(tmp) / "stop_times.txt"
        for r in range(args.rounds):
            for v in variants if r % 2 == 0 else variants[::-1]:
                psql(args.dsn, f"DROP TABLE IF EXISTS copy_floor; {ddl(v, header, row[0])};")
                load, started = load_average(), time.monotonic()
                psql(args.dsn, script(v, header, plain, numbered, chunks))
                results[v].append(f"{time.monotonic() - started:.2f} s (load {load:.2f})")
                print(f"round {r + 1} {v}: {results[v][-1]}", file=sys.stderr)
        psql(args.dsn, "DROP TABLE IF EXISTS copy_floor;")
    print(f"| table ({len(chunks)} chunks) | `\\copy`, {args.rounds} rounds |\n|---|---|")
    for v in variants:
        print(f"| {v} | {' / '.join(results[v])} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
