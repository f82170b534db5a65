"""Write the rule fixtures of tests/test_rules_flex_and_more.py as GTFS zips, for bench/parity.py.

    python bench/write_rule_fixtures.py OUT_DIR
    python bench/parity.py --date 2024-06-01 OUT_DIR/*.zip

The fixtures hold, row by row, the cases of the Flex, booking, agency, station and transfer rules; running the
reference implementations on them (the oracles report none of these codes on the shared feeds) checks each
rule's count against theirs. The validation date is the tests' (TODAY).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "plugins")]

import test_rules_flex_and_more as fixtures  # noqa: E402
from feedbuilder import write_feed  # noqa: E402

FEEDS = {"booking": fixtures.BOOKING, "flex": fixtures.FLEX, "zones": fixtures.ZONES,
         "agencies": fixtures.AGENCIES, "station": fixtures.STATION, "transfers": fixtures.TRANSFERS}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, files in FEEDS.items():
        path = write_feed(out / f"fx-{name}.zip", {"feed_info.txt": fixtures.FEED_INFO, **files})
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
