"""Small GTFS zips written by the tests themselves, one quirk at a time."""

from __future__ import annotations

import zipfile
from pathlib import Path

# A minimal valid feed: one agency, two stops, one route, one trip of two stop times.
MINIMAL: dict[str, str] = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,Europe/Berlin\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,A,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR1,WD,T1\n",
    "stop_times.txt": (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "T1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:11:00,S2,2\n"
    ),
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WD,1,1,1,1,1,0,0,20240101,20241231\n"
    ),
}


def write_feed(path: Path, files: dict[str, str | bytes], *, base: dict[str, str] | None = MINIMAL,
               folder: str = "", drop: tuple[str, ...] = ()) -> Path:
    """Write a zip of ``base`` overlaid with ``files`` (text is written as UTF-8 as given)."""
    members: dict[str, str | bytes] = dict(base or {})
    members.update(files)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            if name in drop:
                continue
            data = content.encode("utf-8") if isinstance(content, str) else content
            zf.writestr(f"{folder}{name}", data)
    return path
