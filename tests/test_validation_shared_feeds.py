"""Validation completes on every real feed of the shared corpus; counts by code go to docs.

The feeds are the session's shared corpus (loaded with their geometry once, for the geometry checks too).
Run with GTFS_WRITE_VALIDATION_DOCS=1 to rewrite the table in docs/validation.md.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from gtfs_pipeline import validation
from test_geometry_shared_feeds import built

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"
BEGIN, END = "<!-- shared-feeds:begin -->", "<!-- shared-feeds:end -->"
TODAY = dt.date(2025, 1, 1)


def test_validation_on_shared_feeds(shared_corpus, shared_feeds):
    table: dict[str, dict[str, int]] = {}
    severity: dict[str, str] = {}
    for path in sorted(shared_feeds.glob("*.zip")):
        conn, vid, _ = built(shared_corpus, path)
        result = validation.validate_version(conn, vid, today=TODAY)
        assert result["failed"] == {}, path.name
        table[path.name] = result["counts"]
        with conn.cursor() as cur:  # codes of other writers (loader, geometry) carry their severity
            cur.execute("SELECT DISTINCT code, severity FROM gtfs.notice WHERE feed_version_id = %s", (vid,))
            severity.update(dict(cur.fetchall()))
    assert len(table) >= 20
    if os.environ.get("GTFS_WRITE_VALIDATION_DOCS"):
        codes = sorted({c for counts in table.values() for c in counts})
        sev = severity | {r.code: r.severity for r in validation.rules()} | validation.LOADER_CODES
        lines = [BEGIN, "", "| code | severity | " + " | ".join(f.replace(".zip", "") for f in table) + " |",
                 "|---|---|" + "---:|" * len(table)]
        for c in codes:
            lines.append(f"| {c} | {sev.get(c, '?')} | " + " | ".join(str(table[f].get(c, "")) for f in table) + " |")
        lines += ["", END]
        text = DOC.read_text()
        DOC.write_text(text[:text.index(BEGIN)] + "\n".join(lines) + text[text.index(END) + len(END):])
