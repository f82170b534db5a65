"""The stop-to-shape matcher on three real feeds: MobilityData's counts (gtfs-validator 0.1.2's reports of the same
feeds, validation date 2025-01-01), and the trips and stops its out-of-order notices name."""

from __future__ import annotations

import datetime as dt

from gtfs_pipeline import validation
from test_geometry_shared_feeds import built
from test_rules_shape_matching import CODES

# feed: {code: count} as gtfs-validator reports them (codes not listed: 0)
EXPECTED = {
    "berlin-brandenburg-20201119": {"stop_too_far_from_shape": 3, "stops_match_shape_out_of_order": 4},
    "bart-20230213": {"stop_too_far_from_shape_using_user_distance": 609},
    "hart-tampa-20180225": {"stop_too_far_from_shape": 2, "stop_too_far_from_shape_using_user_distance": 998},
}


def test_shape_matching_counts_on_shared_feeds(shared_corpus, shared_feeds):
    found = {}
    for feed in EXPECTED:
        conn, vid, _ = built(shared_corpus, shared_feeds / f"{feed}.zip")  # the session's load, shared
        result = validation.validate_version(conn, vid, today=dt.date(2025, 1, 1), only=list(CODES))
        assert result["failed"] == {}, feed
        found[feed] = {c: n for c, n in result["counts"].items() if c in CODES}
        if feed.startswith("berlin"):
            with conn.cursor() as cur:
                cur.execute("SELECT context->>'tripId', context->>'stopId1', context->>'stopId2',"
                            " (context->>'stopTimeCsvRowNumber1')::int FROM gtfs.notice"
                            " WHERE feed_version_id = %s AND code = 'stops_match_shape_out_of_order' ORDER BY 4", (vid,))
                out_of_order = cur.fetchall()
    assert found == EXPECTED
    assert out_of_order == [("146388918", "100000710201", "100000715602", 2319),
                            ("143767306", "100000710201", "100000715602", 2448),
                            ("143767305", "100000710201", "100000715602", 2805),
                            ("146388875", "100000710201", "100000715602", 2836)]
