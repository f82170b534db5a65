"""No cliff (issue 18 goal 1): a feed with an unknown column in stop_times, with one bad value
near its end, or both, against the same feed clean, in one run on one server.

    python bench/quirks_bench.py FEED.zip [--rounds 3] [--dsn URL] [--workdir DIR] [--before PLUGINS]

The variants are written once from FEED.zip into --workdir (kept for later runs; streamed, member by member; only stop_times.txt
changes): ``extra`` appends a column ``stop_note`` (a short text on every row), ``bad`` puts
``x`` in ``stop_sequence`` of the file's last row but one, ``both`` does both. Each round
loads clean, extra, bad and both in turn, each right after a raw ``psql \\copy`` of its own
members (bench/run_bench.py's raw_copy), with `gtfs-pipeline load FEED --no-publish
--no-geometry --no-validate --json` (run_bench.py's timed_load); the load average is read
before each load. Prints one JSON document: per round and variant the raw copy, the whole
load, stop_times' own seconds and path, peak RSS, load average; and the ratios
variant/clean of the same round. With ``--before PLUGINS`` (e.g. the plugins/ folder of a
``git archive`` of an older commit) each round also loads the clean feed with that code
first ("clean_before"), to see what the change costs the clean file.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "plugins"))

from run_bench import raw_copy, timed_load  # noqa: E402
from gtfs_pipeline import db  # noqa: E402

VARIANTS = ("clean", "extra", "bad", "both")


def _rewrite_stop_times(src: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile,
                        extra: bool, bad: bool) -> None:
    """stop_times.txt line by line (never whole): an extra column and/or one bad stop_sequence
    in the last row but one."""
    with src.open(info) as raw:
        total = sum(1 for _ in raw) - 1  # data rows
    with src.open(info) as raw, dst.open(info.filename, "w", force_zip64=True) as out:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        sink = io.TextIOWrapper(out, encoding="utf-8", newline="")
        header = next(text).rstrip("\r\n").split(",")
        seq = header.index("stop_sequence")
        sink.write(",".join(header + (["stop_note"] if extra else [])) + "\n")
        for n, line in enumerate(text, 1):
            line = line.rstrip("\r\n")
            if bad and n == total - 1:
                fields = line.split(",")
                fields[seq] = "x"
                line = ",".join(fields)
            if extra:
                line += f",note {n % 97}"
            sink.write(line + "\n")
        sink.flush()


def write_variant(feed: Path, target: Path, variant: str) -> Path:
    if variant == "clean":
        return feed
    if target.exists() and target.stat().st_mtime > feed.stat().st_mtime:
        return target  # written by an earlier run from the same feed
    with zipfile.ZipFile(feed) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename.endswith("stop_times.txt"):
                _rewrite_stop_times(src, info, dst, variant in ("extra", "both"), variant in ("bad", "both"))
            else:
                with src.open(info) as raw, dst.open(info.filename, "w", force_zip64=True) as out:
                    while chunk := raw.read(1 << 20):
                        out.write(chunk)
    return target


def load_with(dsn: str, feed: Path, feed_id: str, plugins: Path | None) -> dict:
    """timed_load with the package imported from ``plugins`` (the CLI inherits PYTHONPATH)."""
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(plugins or REPO / "plugins")
    try:
        return timed_load(dsn, feed, feed_id)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dsn", default=os.environ.get(db.DSN_ENV))
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "quirks-bench")
    parser.add_argument("--before", type=Path, help="plugins/ of the code to compare the clean load with")
    args = parser.parse_args()
    if not args.dsn:
        raise SystemExit(f"pass --dsn or set {db.DSN_ENV}")
    with db.connection(args.dsn) as conn:
        db.init_db(conn)
    args.workdir.mkdir(parents=True, exist_ok=True)
    feeds = {v: write_variant(args.feed, args.workdir / f"{args.feed.stem}-{v}.zip", v) for v in VARIANTS}
    rounds = []
    for r in range(args.rounds):
        entry = {}
        runs = [("clean_before", "clean", args.before)] if args.before else []
        runs += [(v, v, None) for v in VARIANTS]
        for name, variant, plugins in runs:
            with tempfile.TemporaryDirectory(prefix="gtfs-quirks-") as tmp:
                raw = raw_copy(args.dsn, feeds[variant], Path(tmp))
            before = load_average()
            load = load_with(args.dsn, feeds[variant], f"quirks-{name}", plugins)
            st = load["files"]["stop_times.txt"]
            entry[name] = {"raw_copy_s": raw["seconds"], "load_s": load["seconds"], "stop_times_s": st["seconds"],
                              "stop_times_path": st["path"], "stop_times_rows": st["rows"],
                              "stop_times_stages": st["stages"], "peak_rss_mb": load["peak_rss_mb"],
                              "load_average": before}
            subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "--dsn", args.dsn, "drop-version",
                            str(load["feed_version_id"]), "--force"], check=True, capture_output=True,
                           env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
        for variant in [v for v in entry if v != "clean"]:
            entry[variant]["load_ratio"] = round(entry[variant]["load_s"] / entry["clean"]["load_s"], 2)
            entry[variant]["stop_times_ratio"] = round(entry[variant]["stop_times_s"] / entry["clean"]["stop_times_s"], 2)
        print(json.dumps({"round": r + 1, **entry}), file=sys.stderr)
        rounds.append(entry)
    summary = {v: {"median_load_ratio": statistics.median(e[v]["load_ratio"] for e in rounds),
                   "median_stop_times_ratio": statistics.median(e[v]["stop_times_ratio"] for e in rounds),
                   "median_load_s": statistics.median(e[v]["load_s"] for e in rounds),
                   "median_raw_copy_s": statistics.median(e[v]["raw_copy_s"] for e in rounds)}
               for v in rounds[0] if v != "clean"}
    summary["clean"] = {"median_load_s": statistics.median(e["clean"]["load_s"] for e in rounds),
                        "median_raw_copy_s": statistics.median(e["clean"]["raw_copy_s"] for e in rounds)}
    print(json.dumps({"feed": args.feed.name, "rounds": rounds, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
