"""Cost of wide CSV files: is a load linear in the number of columns? (issue 15)

    python bench/columns_bench.py --dsn URL [--columns 1000 9000] [--cells 4000000] [--rows N ...]
                                  [--plugins OTHER_CHECKOUT/plugins]

For each column count N, a zip of the minimal feed plus two files of N columns and
cells / N rows (the same number of values at every N): stops.txt (4 reference columns,
N - 4 unknown ones: the robust path, extras as JSON) and wide.txt (a file outside the
reference, kept row by row as JSON). `gtfs-pipeline load --json --no-publish
--no-validate --no-geometry` loads it; the loader's own per-file seconds are printed
with the cost per value. Linear in columns means the same cost per value at every N;
quadratic (as before: 25 000 columns took 9.9 s for one row) means it grows with N.
Also times one row of N columns (the issue's shape). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from feedbuilder import MINIMAL  # noqa: E402

STOPS_HEADER = "stop_id,stop_name,stop_lat,stop_lon"


def build(path: Path, columns: int, rows: int) -> None:
    extra = [f"c{i}" for i in range(5, columns + 1)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in MINIMAL.items():
            if name != "stops.txt":
                zf.writestr(name, text)
        with zf.open("stops.txt", "w", force_zip64=True) as out:
            out.write((",".join([STOPS_HEADER, *extra]) + "\n").encode())
            values = ",".join(f"v{i}" for i in range(5, columns + 1))
            out.write(b"S1,First,52.5,13.4," + values.encode() + b"\n")
            out.write(b"S2,Second,52.51,13.41," + values.encode() + b"\n")
            for r in range(3, rows + 1):
                out.write(f"X{r},Stop {r},52.5,13.4,".encode() + values.encode() + b"\n")
        with zf.open("wide.txt", "w", force_zip64=True) as out:
            out.write((",".join(f"k{i}" for i in range(columns)) + "\n").encode())
            row = (",".join(str(i) for i in range(columns)) + "\n").encode()
            for _ in range(rows):
                out.write(row)


def load(dsn: str, path: Path, plugins: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(plugins), "GTFS_DATABASE_URL": dsn}
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "gtfs_pipeline.cli", "load", str(path), "--feed-id", "colbench",
                           "--json", "--no-publish", "--no-validate", "--no-geometry", "--jobs", "1"],
                          capture_output=True, text=True, env=env)
    wall = time.monotonic() - started
    if proc.returncode:
        raise SystemExit(proc.stderr)
    files = {f["filename"]: f for f in json.loads(proc.stdout)["files"]}
    return {"wall_s": round(wall, 2), "stops_s": files["stops.txt"]["seconds"], "wide_s": files["wide.txt"]["seconds"],
            "stops_path": files["stops.txt"]["load_path"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--columns", type=int, nargs="+", default=[1000, 9000])
    parser.add_argument("--cells", type=int, default=4_000_000)
    parser.add_argument("--rows", type=int, nargs="+", help="row counts to run (default: cells / columns, and 2)")
    parser.add_argument("--plugins", type=Path, default=REPO / "plugins",
                        help="the loader's code to time (another checkout's plugins/ for a before/after)")
    args = parser.parse_args(argv)
    results = {"load_average": os.getloadavg(), "runs": []}
    with tempfile.TemporaryDirectory() as tmp:
        for columns in args.columns:
            for rows in args.rows or (max(2, args.cells // columns), 2):
                path = Path(tmp) / f"cols{columns}_{rows}.zip"
                build(path, columns, rows)
                got = load(args.dsn, path, args.plugins)
                cells = columns * rows
                got.update(columns=columns, rows=rows, cells=cells,
                           stops_us_per_value=round(got["stops_s"] / cells * 1e6, 3),
                           wide_us_per_value=round(got["wide_s"] / cells * 1e6, 3))
                results["runs"].append(got)
                path.unlink()
                print(json.dumps(got), file=sys.stderr)
    results["load_average_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
