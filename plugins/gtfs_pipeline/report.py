"""A self-contained HTML validation report for one feed version.

What MobilityData's validator report shows, from the database: the version's status and publish
decision, the feed info block (publisher, languages, contact, version, service dates), the GTFS
features present, every file with its rows and notices, the notices by code (severity, a link to
the rule's documentation, first examples with file and line), the rule set's version, all notices
as CSV, and a map of the stops and lines with a scale and a legend (inline SVG).

One file with no script and no external requests (no fonts, tiles or images from elsewhere;
the only URLs are links a reader may follow). The CSV of all notices is embedded as a data: URL
when there are at most ``EMBED_CSV_MAX`` notices; the Airflow plugin also streams every notice
from ``gtfs.notice`` at ``/gtfs-reports/<feed_version_id>/notices.csv``, linked from the report.

Extra sections (``EXTRA_SECTIONS``) go after the notices: each is ``"module:function"``, the
function takes ``(cursor, feed_version_id)`` and returns ``(title, html)`` or None.
"""

from __future__ import annotations

import base64
import hashlib
import html
import importlib
import json
import logging
import math
from pathlib import Path

from . import notice_codes, validation
from .errors import GtfsPipelineError
from .reference import FILES

log = logging.getLogger(__name__)

EXAMPLES_PER_CODE = 5
MAP_WIDTH, MAP_HEIGHT = 720, 520
MAX_MAP_STOPS = 5000
EMBED_CSV_MAX = 5000  # notices: up to this many, the report carries them all as a data: URL
SEVERITY_COLOUR = {"ERROR": "#b3261e", "WARNING": "#a15c00", "INFO": "#35618f"}
LINE_COLOUR, STOP_COLOUR, STATION_COLOUR = "#2e6fba", "#333333", "#d0701c"
# Extra report sections, "module:function" (function(cursor, feed_version_id) -> (title, html) | None).
EXTRA_SECTIONS: list[str] = ["gtfs_pipeline.timetable:report_section"]  # what changed (issue 13)

# Features present, as MobilityData's report lists them: a file with rows, or a column in a file's header.
FEATURE_FILES = (
    ("Shapes", ("shapes.txt",)), ("Frequency-based service", ("frequencies.txt",)),
    ("Transfers", ("transfers.txt",)), ("Calendar exceptions", ("calendar_dates.txt",)),
    ("Fares V1", ("fare_attributes.txt", "fare_rules.txt")),
    ("Fares V2", ("fare_products.txt", "fare_leg_rules.txt", "fare_transfer_rules.txt")),
    ("Networks", ("networks.txt", "route_networks.txt")), ("Areas", ("areas.txt", "stop_areas.txt")),
    ("Pathways", ("pathways.txt",)), ("Levels", ("levels.txt",)), ("Translations", ("translations.txt",)),
    ("Attributions", ("attributions.txt",)), ("Feed information", ("feed_info.txt",)),
    ("Flexible services (GTFS-Flex)", ("locations.geojson", "location_groups.txt", "booking_rules.txt")),
)
FEATURE_COLUMNS = (
    ("Route colors", (("routes.txt", "route_color"), ("routes.txt", "route_text_color"))),
    ("Headsigns", (("trips.txt", "trip_headsign"), ("stop_times.txt", "stop_headsign"))),
    ("Wheelchair accessibility", (("trips.txt", "wheelchair_accessible"), ("stops.txt", "wheelchair_boarding"))),
    ("Bikes allowed", (("trips.txt", "bikes_allowed"),)),
    ("Text-to-speech", (("stops.txt", "tts_stop_name"),)),
    ("Stations", (("stops.txt", "parent_station"),)),
    ("Continuous stops", (("routes.txt", "continuous_pickup"), ("stop_times.txt", "continuous_pickup"))),
    ("Shape distances", (("stop_times.txt", "shape_dist_traveled"),)),
)
FILE_ORDER = {f.name: i for i, f in enumerate(FILES)}


def _rows(cur, query: str, params: dict) -> list[dict]:
    cur.execute(query, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _facts(cur, v: int) -> dict:
    p = {"v": v}
    version = _version(cur, v)
    files = _rows(cur, "SELECT filename, rows, bytes, encoding, load_path, seconds, columns, unknown_columns,"
                       " duplicate_rows FROM gtfs.feed_version_file WHERE feed_version_id = %(v)s", p)
    files.sort(key=lambda f: (FILE_ORDER.get(f["filename"], len(FILE_ORDER)), f["filename"]))
    per_file: dict[str, dict[str, int]] = {}
    for r in _rows(cur, "SELECT coalesce(filename, '') AS filename, severity, count(*) AS n FROM gtfs.notice"
                        " WHERE feed_version_id = %(v)s GROUP BY 1, 2", p):
        per_file.setdefault(r["filename"], {})[r["severity"]] = int(r["n"])
    for f in files:
        f["notices"] = per_file.pop(f["filename"], {})
    agencies = _rows(cur, "SELECT agency_id, agency_name, agency_url, agency_timezone, agency_lang FROM gtfs.agency"
                          " WHERE feed_version_id = %(v)s ORDER BY line_number LIMIT 20", p)
    feed_info = None
    if any(f["filename"] == "feed_info.txt" and f["rows"] for f in files):
        info = _rows(cur, "SELECT to_jsonb(fi) AS info FROM gtfs.feed_info fi WHERE feed_version_id = %(v)s"
                          " ORDER BY line_number LIMIT 1", p)
        feed_info = info[0]["info"] if info else None
    languages = sorted({a["agency_lang"] for a in agencies if a.get("agency_lang")}
                       | {feed_info.get(k) for k in ("feed_lang", "default_lang") if feed_info and feed_info.get(k)})
    if any(f["filename"] == "translations.txt" and f["rows"] for f in files):
        cur.execute("SELECT DISTINCT language FROM gtfs.translations WHERE feed_version_id = %(v)s LIMIT 50", p)
        languages = sorted(set(languages) | {r[0] for r in cur.fetchall() if r[0]})
    return {"version": version, "files": files, "other_notices": per_file, "agencies": agencies,
            "feed_info": feed_info, "languages": languages, "features": features(files)}


def features(files: list[dict]) -> list[str]:
    """The GTFS features a version uses: files with rows, columns in a file's header."""
    with_rows = {f["filename"] for f in files if f["rows"]}
    columns = {(f["filename"], c) for f in files for c in (f["columns"] or [])}
    found = [name for name, names in FEATURE_FILES if with_rows & set(names)]
    found += [name for name, cols in FEATURE_COLUMNS if columns & set(cols)]
    return found


def rule_set() -> dict:
    """The rule set's version: MobilityData's code list it follows, the number of rules and a hash
    of their SQL (any change to a rule changes it)."""
    rules = validation.rules()
    digest = hashlib.sha256()
    for r in rules:
        digest.update(r.path.name.encode() + b"\0" + r.path.read_bytes() + b"\0")
    try:
        from importlib.metadata import version as dist_version

        package = dist_version("gtfs-pipeline")
    except Exception:  # noqa: BLE001 - running from the source tree
        package = None
    return {"codes": f"MobilityData GTFS Schedule validator {notice_codes.VALIDATOR_VERSION}", "rules": len(rules),
            "sha256": digest.hexdigest()[:12], "package": package}


def _version(cur, v: int) -> dict:
    rows = _rows(cur, "SELECT fv.feed_id, fv.status, fv.source, fv.as_of, fv.loaded_at, fv.service_start_date,"
                      " fv.service_end_date, fv.blocked_reason, fv.validated_at, fv.not_current_kind,"
                      " fv.not_current_reason, fv.published_at, fv.report_path,"
                      " f.current_version_id = fv.feed_version_id AS current"
                      " FROM gtfs.feed_version fv LEFT JOIN gtfs.feed f ON f.feed_id = fv.feed_id"
                      " WHERE fv.feed_version_id = %(v)s", {"v": v})
    if not rows:
        raise GtfsPipelineError(f"no feed version {v}")
    return rows[0]


STATUS_START, STATUS_END = "<!-- gtfs-report-status -->", "<!-- /gtfs-report-status -->"


def status_block(v: dict) -> str:
    """The version's status and publish decision, between markers: ``refresh_status`` rewrites
    just this block once publish has decided (the report is written before publish)."""
    e = html.escape
    if v["status"] == "published" and v.get("current"):
        decision = "published: the current version of the feed"
    elif v["status"] == "loaded":
        decision = "not published: " + (v.get("not_current_reason") or "publish has not decided yet")
    elif v["status"] == "superseded":
        decision = "published, then superseded by a newer version"
    else:
        decision = str(v["status"])
    return (f"{STATUS_START}<tr><th>status</th><td id='status'>{e(str(v['status']))}</td></tr>"
            f"<tr><th>publish decision</th><td id='decision'>{e(decision)}</td></tr>{STATUS_END}")




def _notices(cur, v: int) -> list[dict]:
    meta = {r.code: r for r in validation.rules()}
    summary = _rows(cur, "SELECT severity, code, notices, files FROM gtfs.notice_summary WHERE feed_version_id = %(v)s"
                         " ORDER BY array_position(ARRAY['ERROR','WARNING','INFO'], severity), notices DESC, code",
                    {"v": v})
    examples = _rows(cur, """
        SELECT code, filename, line_number, field_name, entity_key, value, context FROM (
            SELECT n.*, row_number() OVER (PARTITION BY code ORDER BY filename, line_number NULLS FIRST, notice_id) AS k
            FROM gtfs.notice n WHERE feed_version_id = %(v)s) x
        WHERE k <= %(k)s ORDER BY code, k""", {"v": v, "k": EXAMPLES_PER_CODE})
    by_code: dict[str, list[dict]] = {}
    for e in examples:
        by_code.setdefault(e["code"], []).append(e)
    out = []
    for s in summary:
        rule = meta.get(s["code"])
        try:
            info = notice_codes.code_info(s["code"])
        except Exception:  # noqa: BLE001 - a code outside the list still shows, without a link
            info = None
        meaning = (rule.meaning if rule else "") or (info.meaning if info else "") or \
            ("reported by the loader" if s["code"] in validation.LOADER_CODES else "")
        out.append({**s, "notices": int(s["notices"]), "meaning": meaning, "doc_url": info.doc_url if info else None,
                    "canonical": bool(info and info.canonical), "examples": by_code.get(s["code"], [])})
    return out


def _notices_csv(cur, v: int, total: int) -> str | None:
    """All notices as one CSV text when there are at most EMBED_CSV_MAX of them, else None."""
    if total > EMBED_CSV_MAX:
        return None
    cur.execute(_NOTICE_CSV_QUERY, (int(v),))
    return _csv_text([NOTICE_CSV_COLUMNS]) + _csv_text(cur.fetchall())


def _map_data(cur, v: int) -> tuple[list[list[tuple[float, float]]], list[tuple[float, float, bool]], str]:
    """Lines (one per shape, else per stop pattern, else per route's first trip), stop points as
    (lon, lat, is_station), and what the lines are drawn from."""
    p = {"v": v}
    lines: list[list[tuple[float, float]]] = []
    source = "shapes"
    cur.execute("SELECT to_regclass('gtfs.shape_geom') IS NOT NULL")
    if cur.fetchone()[0]:
        cur.execute("SELECT ST_AsGeoJSON(ST_Simplify(geom, 0.0005)) FROM gtfs.shape_geom"
                    " WHERE feed_version_id = %(v)s AND geom IS NOT NULL"
                    " UNION ALL SELECT ST_AsGeoJSON(ST_Simplify(geom, 0.0005)) FROM gtfs.pattern_geom"
                    " WHERE feed_version_id = %(v)s LIMIT 5000", p)
        lines = [[tuple(c) for c in json.loads(g)["coordinates"]] for (g,) in cur.fetchall() if g]
        source = "shapes and stop patterns (geometry step)"
    if not lines:
        source = "shapes.txt"
        cur.execute("""
            SELECT ST_AsGeoJSON(ST_Simplify(ST_MakeLine(ST_MakePoint(shape_pt_lon, shape_pt_lat) ORDER BY shape_pt_sequence), 0.0005))
            FROM gtfs.shapes WHERE feed_version_id = %(v)s AND shape_pt_lat BETWEEN -90 AND 90 AND shape_pt_lon BETWEEN -180 AND 180
            GROUP BY shape_id HAVING count(*) > 1 LIMIT 5000""", p)
        lines = [[tuple(c) for c in json.loads(g)["coordinates"]] for (g,) in cur.fetchall() if g]
    if not lines:
        # No shapes: one line per route, along the stops of its first trip.
        source = "the stops of each route's first trip"
        cur.execute("""
            WITH some_trips AS (
                SELECT DISTINCT ON (route_id) trip_id FROM gtfs.trips WHERE feed_version_id = %(v)s ORDER BY route_id, trip_id)
            SELECT ST_AsGeoJSON(ST_MakeLine(ST_MakePoint(s.stop_lon, s.stop_lat) ORDER BY st.stop_sequence))
            FROM gtfs.stop_times st JOIN some_trips USING (trip_id)
            JOIN gtfs.stops s ON s.feed_version_id = %(v)s AND s.stop_id = st.stop_id
            WHERE st.feed_version_id = %(v)s AND s.stop_lat BETWEEN -90 AND 90 AND s.stop_lon BETWEEN -180 AND 180
              AND NOT (abs(s.stop_lat) <= 1 AND abs(s.stop_lon) <= 1)
            GROUP BY st.trip_id HAVING count(*) > 1""", p)
        lines = [[tuple(c) for c in json.loads(g)["coordinates"]] for (g,) in cur.fetchall() if g]
    cur.execute("SELECT stop_lon, stop_lat, coalesce(location_type::text, '0') = '1' FROM gtfs.stops"
                " WHERE feed_version_id = %(v)s"
                " AND stop_lat BETWEEN -90 AND 90 AND stop_lon BETWEEN -180 AND 180"
                " AND NOT (abs(stop_lat) <= 1 AND abs(stop_lon) <= 1) ORDER BY line_number LIMIT %(n)s",
                {"v": v, "n": MAX_MAP_STOPS})
    stops = [(float(x), float(y), bool(st)) for x, y, st in cur.fetchall()]
    return lines, stops, source


def _nice_distance(metres: float) -> float:
    """The largest 1, 2 or 5 x 10^k not above ``metres``."""
    k = 10 ** math.floor(math.log10(metres))
    return max(m * k for m in (1, 2, 5) if m * k <= metres)


def svg_map(lines: list[list[tuple[float, float]]], stops: list[tuple[float, ...]],
            width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> str:
    """An equirectangular sketch (x scaled by cos(latitude)) of lines and stops, with a scale bar
    (bottom left) and a north arrow. Stops are circles (stations larger, orange)."""
    pts = [p[:2] for line in lines for p in line] + [s[:2] for s in stops]
    if not pts:
        return '<p class="muted" id="no-map">No coordinates to draw.</p>'
    xs_s, ys_s = sorted(p[0] for p in pts), sorted(p[1] for p in pts)
    # Robust extent: ignore the most extreme 0.5 % on each side (a stray stop far away).
    cut = len(xs_s) // 200
    min_x, max_x = xs_s[cut], xs_s[-1 - cut]
    min_y, max_y = ys_s[cut], ys_s[-1 - cut]
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-6)
    span_y = max(max_y - min_y, 1e-6)
    pad = 16
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad - 30) / span_y)  # px per degree of latitude

    def xy(p) -> tuple[float, float]:
        return pad + (p[0] - min_x) * kx * scale, height - pad - 30 - (p[1] - min_y) * scale

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="map" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="map of lines and stops">',
             f'<rect width="{width}" height="{height}" fill="#f6f7f9"/>', '<g class="lines">']
    for line in lines:
        parts.append(f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="1.4" stroke-opacity="0.75" '
                     f'points="{" ".join("%.1f,%.1f" % xy(p) for p in line)}"/>')
    parts.append('</g><g class="stops">')
    for s in stops:
        x, y = xy(s)
        station = len(s) > 2 and s[2]
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{3.2 if station else 1.8}" '
                     f'fill="{STATION_COLOUR if station else STOP_COLOUR}"/>')
    parts.append("</g>")
    metres_per_px = 111_320.0 / scale
    bar_m = _nice_distance(metres_per_px * 120)
    bar_px = bar_m / metres_per_px
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    y0 = height - 18
    parts.append(f'<g class="scale" id="scale-bar"><rect x="{pad - 4}" y="{y0 - 16}" width="{bar_px + 70:.1f}" '
                 f'height="24" fill="#fff" fill-opacity="0.85"/>'
                 f'<path d="M{pad},{y0 - 5} V{y0} H{pad + bar_px:.1f} V{y0 - 5}" fill="none" stroke="#222" '
                 f'stroke-width="1.5"/><text x="{pad + bar_px + 6:.1f}" y="{y0}" font-size="12" '
                 f'font-family="sans-serif">{label}</text></g>')
    parts.append(f'<g class="north"><text x="{width - 20}" y="22" font-size="13" font-family="sans-serif" '
                 f'text-anchor="middle">N</text><path d="M{width - 20},26 l-5,12 h10 z" fill="#222"/></g>')
    parts.append("</svg>")
    return "\n".join(parts)


def map_legend(lines: int, stops: list[tuple[float, ...]], source: str) -> str:
    stations = sum(1 for s in stops if len(s) > 2 and s[2])
    return ("<div class='legend' id='map-legend'>"
            f"<span><i class='line' style='background:{LINE_COLOUR}'></i> {lines:,} line(s), drawn from {html.escape(source)}</span>"
            f"<span><i class='dot' style='background:{STOP_COLOUR}'></i> {len(stops) - stations:,} stop(s)</span>"
            f"<span><i class='dot big' style='background:{STATION_COLOUR}'></i> {stations:,} station(s)</span>"
            f"<span class='muted'>up to {MAX_MAP_STOPS:,} stops; north is up; the scale bar is bottom left</span></div>")


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f0f0f0}.n{text-align:right}.muted{color:#777}.sev{font-weight:bold;color:#fff;padding:1px 6px;border-radius:3px}
details{margin:.2em 0}code{font-size:.9em}nav a{margin-right:1em}
.features li{display:inline-block;background:#e8eef6;border-radius:3px;padding:1px 8px;margin:2px}
.features{padding:0}.legend span{margin-right:1.4em;font-size:.9em}
.legend i{display:inline-block;vertical-align:middle;margin-right:4px}
.legend i.line{width:22px;height:3px}.legend i.dot{width:6px;height:6px;border-radius:50%}
.legend i.dot.big{width:9px;height:9px}.err{color:#b3261e;font-weight:bold}
"""


def _sev_cells(counts: dict[str, int]) -> str:
    return "".join(f"<td class='n{' err' if s == 'ERROR' and counts.get(s) else ''}'>{counts.get(s, 0):,}</td>"
                   for s in validation.SEVERITIES)


def _extra_sections(cur, feed_version_id: int) -> list[tuple[str, str]]:
    out = []
    for name in EXTRA_SECTIONS:
        module, _, func = name.partition(":")
        try:
            fn = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            continue  # a section whose module is not installed is left out
        section = fn(cur, feed_version_id)
        if section:
            out.append(section)
    return out


def render(facts: dict, notices: list[dict], map_svg: str, feed_version_id: int, *, rules: dict | None = None,
           csv_text: str | None = None, legend: str = "", extra: list[tuple[str, str]] | None = None) -> str:
    e = html.escape
    v = facts["version"]
    vid = int(feed_version_id)
    feed = str(v["feed_id"])
    sev_totals = {s: sum(n["notices"] for n in notices if n["severity"] == s) for s in validation.SEVERITIES}
    total = sum(sev_totals.values())
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>Validation report: {e(feed)} version {vid}</title><style>{CSS}</style></head><body>",
           f"<h1>Validation report: feed {e(feed)}, version {vid}</h1>",
           "<nav><a href='#summary'>Summary</a><a href='#feed-info'>Feed info</a><a href='#features'>Features</a>"
           "<a href='#files'>Files</a><a href='#notices'>Notices</a><a href='#map-section'>Map</a></nav>",
           "<h2 id='summary'>Summary</h2><table id='version'>", status_block(v)]
    for label, value in (("notices", ", ".join(f"{n:,} {s}" for s, n in sev_totals.items())),
                         ("source", v["source"]), ("as of", v["as_of"]),
                         ("loaded at", v["loaded_at"]), ("validated at", v["validated_at"]),
                         ("service dates", f"{v['service_start_date']} to {v['service_end_date']}")):
        out.append(f"<tr><th>{e(label)}</th><td>{e(str(value))}</td></tr>")
    if rules:
        out.append(f"<tr><th>rule set</th><td id='rule-set'>{rules['rules']} rules, codes and severities of the "
                   f"{e(rules['codes'])}; rules sha256 {e(rules['sha256'])}"
                   f"{'; gtfs-pipeline ' + e(rules['package']) if rules.get('package') else ''}</td></tr>")
    out.append("</table>")

    fi = facts.get("feed_info") or {}
    out.append("<h2 id='feed-info'>Feed info</h2><table id='feed-info-table'>")
    for label, key in (("publisher", "feed_publisher_name"), ("publisher URL", "feed_publisher_url"),
                       ("feed language", "feed_lang"), ("default language", "default_lang"),
                       ("feed version", "feed_version"), ("contact email", "feed_contact_email"),
                       ("contact URL", "feed_contact_url"), ("feed start date", "feed_start_date"),
                       ("feed end date", "feed_end_date")):
        out.append(f"<tr><th>{label}</th><td>{e(str(fi.get(key) or '')) or '<span class=muted>not given</span>'}</td></tr>")
    out.append(f"<tr><th>languages</th><td>{e(', '.join(facts.get('languages') or [])) or '<span class=muted>none given</span>'}</td></tr>")
    out.append(f"<tr><th>service dates</th><td>{e(str(v['service_start_date']))} to {e(str(v['service_end_date']))}"
               " (calendar and calendar_dates)</td></tr></table>")
    if not fi:
        out.append("<p class='muted'>No feed_info.txt (or it has no rows).</p>")
    out.append("<h3>Agencies</h3><table><tr><th>agency_id</th><th>name</th><th>url</th><th>timezone</th><th>lang</th></tr>")
    for a in facts["agencies"]:
        out.append("<tr>" + "".join(f"<td>{e(str(a[k] or ''))}</td>" for k in
                                    ("agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang")) + "</tr>")
    out.append("</table>")

    out.append("<h2 id='features'>GTFS features present</h2>")
    feats = facts.get("features") or []
    out.append("<ul class='features' id='features-list'>" + "".join(f"<li>{e(f)}</li>" for f in feats) + "</ul>"
               if feats else "<p class='muted'>Only the required files.</p>")

    out.append("<h2 id='files'>Files</h2><table id='files-table'><tr><th>file</th><th class='n'>rows</th>"
               "<th class='n'>bytes</th><th>encoding</th><th>path</th><th class='n'>ERROR</th><th class='n'>WARNING</th>"
               "<th class='n'>INFO</th></tr>")
    for f in facts["files"]:
        out.append(f"<tr data-file='{e(f['filename'])}'><td>{e(f['filename'])}</td><td class='n'>{int(f['rows']):,}</td>"
                   f"<td class='n'>{int(f['bytes']):,}</td><td>{e(str(f['encoding']))}</td><td>{e(str(f['load_path']))}</td>"
                   f"{_sev_cells(f['notices'])}</tr>")
    for name, counts in sorted(facts.get("other_notices", {}).items()):
        out.append(f"<tr data-file='{e(name)}'><td>{e(name) or '<span class=muted>(feed-wide)</span>'}</td>"
                   f"<td colspan='4' class='muted'>{'not about one file' if not name else 'not loaded'}</td>"
                   f"{_sev_cells(counts)}</tr>")
    out.append("</table>")

    out.append(f"<h2 id='notices'>Notices</h2><p id='notice-totals'>"
               + ", ".join(f"{n:,} {s}" for s, n in sev_totals.items())
               + ". Codes and severities are MobilityData's; each code links to its rule's documentation.</p>")
    csv_name = f"{feed}-v{vid}-notices.csv"
    links = []
    if csv_text is not None:
        data = base64.b64encode(csv_text.encode("utf-8")).decode("ascii")
        links.append(f"<a id='csv-embedded' download='{e(csv_name)}' href='data:text/csv;charset=utf-8;base64,{data}'>"
                     f"all {total:,} notices as CSV (in this file)</a>")
    else:
        links.append(f"<span class='muted'>{total:,} notices: too many to embed here (more than {EMBED_CSV_MAX:,})</span>")
    links.append(f"<a id='csv-streamed' href='{vid}/notices.csv'>all notices as CSV, streamed from the database "
                 "(when this report is opened from Airflow)</a>")
    out.append("<p>" + " &middot; ".join(links) + "</p>")
    out.append("<table id='notices-table'><tr><th>severity</th><th>code</th><th class='n'>notices</th><th class='n'>files</th>"
               "<th>meaning and first examples</th></tr>")
    for n in notices:
        colour = SEVERITY_COLOUR.get(n["severity"], "#555")
        code = (f"<a href='{e(n['doc_url'])}'><code>{e(n['code'])}</code></a>" if n.get("doc_url")
                else f"<code>{e(n['code'])}</code> <span class='muted'>(this project's own code)</span>")
        ex_rows = "".join(
            f"<tr><td>{e(str(x['filename'] or ''))}</td><td class='n'>{e(str(x['line_number'] or ''))}</td>"
            f"<td>{e(str(x['field_name'] or ''))}</td><td><code>{e(json.dumps(x['entity_key'], ensure_ascii=False) if x['entity_key'] else '')}</code></td>"
            f"<td>{e(str(x['value'] if x['value'] is not None else ''))}</td>"
            f"<td><code>{e(json.dumps(x['context'], ensure_ascii=False) if x['context'] else '')}</code></td></tr>"
            for x in n["examples"])
        out.append(
            f"<tr class='notice' data-code='{e(n['code'])}' data-severity='{e(n['severity'])}'>"
            f"<td><span class='sev' style='background:{colour}'>{e(n['severity'])}</span></td>"
            f"<td>{code}</td><td class='n'>{n['notices']:,}</td><td class='n'>{int(n.get('files') or 0):,}</td>"
            f"<td>{e(n['meaning'])}<details><summary>first {len(n['examples'])} examples</summary><table><tr><th>file</th>"
            f"<th>line</th><th>field</th><th>key</th><th>value</th><th>context</th></tr>{ex_rows}</table></details></td></tr>")
    if not notices:
        out.append("<tr><td colspan='5'>No notices.</td></tr>")
    out.append("</table>")

    out.append("<h2 id='map-section'>Map</h2>" + map_svg + legend)
    # Extra sections (EXTRA_SECTIONS) go here, each in its own <section>.
    for title, body in extra or []:
        out.append(f"<section class='extra'><h2>{e(title)}</h2>{body}</section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_report(conn, feed_version_id: int, out_path: str | Path) -> Path:
    """Write the report of one version to ``out_path`` (a file, or a folder: then
    ``<feed_id>-v<id>-validation.html`` in it); records its absolute path on the version."""
    out = Path(out_path)
    with conn.cursor() as cur:
        facts = _facts(cur, feed_version_id)
        notices = _notices(cur, feed_version_id)
        total = sum(n["notices"] for n in notices)
        csv_text = _notices_csv(cur, feed_version_id, total)
        lines, stops, source = _map_data(cur, feed_version_id)
        extra = _extra_sections(cur, feed_version_id)
    conn.rollback()
    if out.is_dir():
        out = out / report_name(facts['version']['feed_id'], feed_version_id)
    out = out.resolve()  # stored absolute: the API server (any working directory) finds it
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(facts, notices, svg_map(lines, stops), feed_version_id, rules=rule_set(),
                          csv_text=csv_text, legend=map_legend(len(lines), stops, source), extra=extra),
                   encoding="utf-8")
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET report_path = %s WHERE feed_version_id = %s",
                    (str(out), feed_version_id))
    conn.commit()
    return out

def report_name(feed_id: str, feed_version_id: int) -> str:
    return f"{feed_id}-v{int(feed_version_id)}-validation.html"


def _is_local(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def _local(location: str) -> Path:
    return Path(location[len("file://"):] if location.startswith("file://") else location)


def read_report(location: str) -> bytes:
    """The bytes of a stored report: the one place reports are read (the plugin, the status
    refresh). ``location`` is ``gtfs.feed_version.report_path``: an absolute local path, a
    file:// URL or an object-storage URL (read through the archive's ObjectStoragePath)."""
    if _is_local(location):
        return _local(location).read_bytes()
    from .pipeline import storage_path

    with storage_path(location).open("rb") as fh:
        return fh.read()


def store_report(location: str, data: bytes) -> None:
    """Write a report's bytes where ``read_report`` reads them."""
    if _is_local(location):
        _local(location).write_bytes(data)
        return
    from .pipeline import storage_path

    with storage_path(location).open("wb") as fh:
        fh.write(data)


def refresh_status(conn, feed_version_id: int) -> str | None:
    """Rewrite the status block of the version's stored report with its status now (after
    publish: published, or loaded with the reason it is not current). Returns the status, or
    None when the version has no report."""
    with conn.cursor() as cur:
        v = _version(cur, feed_version_id)
    conn.rollback()
    if not v["report_path"]:
        return None
    text = read_report(v["report_path"]).decode("utf-8")
    start, end = text.find(STATUS_START), text.find(STATUS_END)
    if start < 0 or end < start:
        raise GtfsPipelineError(f"the report {v['report_path']} has no status block")
    store_report(v["report_path"], (text[:start] + status_block(v) + text[end + len(STATUS_END):]).encode("utf-8"))
    return str(v["status"])



def refresh_after_publish(conn, feed_version_id: int) -> str | None:
    """After a publish decision: the version's report, and the report of each version it
    superseded, say their status now (a superseded version's report said "current" until then).
    Returns the version's status, or None when it has no report."""
    with conn.cursor() as cur:
        cur.execute("SELECT feed_version_id, report_path FROM gtfs.feed_version WHERE superseded_by = %s"
                    " AND report_path IS NOT NULL ORDER BY feed_version_id", (feed_version_id,))
        superseded = cur.fetchall()
    conn.rollback()
    for old, path in superseded:
        try:
            refresh_status(conn, old)
        except FileNotFoundError:
            # Old reports may be cleaned up by their owner: the new version's publish stands.
            log.warning("version %s (superseded): its report %s is gone; its status is not rewritten", old, path)
    return refresh_status(conn, feed_version_id)

# --- all notices as CSV (the plugin streams it) -------------------------------------------------

NOTICE_CSV_COLUMNS = ("severity", "code", "filename", "line_number", "field_name", "entity_key", "value",
                      "context", "source")
_NOTICE_CSV_QUERY = (
    "SELECT severity, code, filename, line_number, field_name, entity_key::text, value, context::text, source"
    " FROM gtfs.notice WHERE feed_version_id = %s"
    " ORDER BY array_position(ARRAY['ERROR','WARNING','INFO'], severity), code, notice_id")


def _csv_text(rows) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def stream_notices_csv(dsn: str, feed_version_id: int, batch: int = 5000):
    """Every notice of a version as CSV text chunks (header first), read with a server-side
    cursor ``batch`` rows at a time: memory stays flat for millions of notices. Opens its own
    connection, closed when the stream ends or is abandoned."""
    from . import db

    conn = db.connect(dsn)
    try:
        yield _csv_text([NOTICE_CSV_COLUMNS])
        with conn.cursor(name="gtfs_notices_csv") as cur:
            cur.itersize = batch
            cur.execute(_NOTICE_CSV_QUERY, (int(feed_version_id),))
            while True:
                rows = cur.fetchmany(batch)
                if not rows:
                    break
                yield _csv_text(rows)
        conn.rollback()
    finally:
        conn.close()


# --- the reports index (the plugin's /gtfs-reports/) ---------------------------------------------

def index_rows(conn, limit: int = 500) -> list[dict]:
    """The newest ``limit`` versions of every feed: status, whether current, rows, notices by
    severity, the report's location and the Airflow run that loaded it (dag_id/run_id, if any)."""
    with conn.cursor() as cur:
        rows = _rows(cur, """
            WITH v AS (SELECT * FROM gtfs.feed_version ORDER BY feed_version_id DESC LIMIT %(n)s)
            SELECT v.feed_id, f.name AS feed_name, v.feed_version_id, v.status, v.as_of, v.loaded_at,
                   v.report_path, v.not_current_reason, f.current_version_id = v.feed_version_id AS current,
                   (SELECT sum(rows) FROM gtfs.feed_version_file x WHERE x.feed_version_id = v.feed_version_id)::bigint
                       AS rows,
                   (SELECT count(*) FROM gtfs.notice n WHERE n.feed_version_id = v.feed_version_id
                       AND n.severity = 'ERROR') AS errors,
                   (SELECT count(*) FROM gtfs.notice n WHERE n.feed_version_id = v.feed_version_id
                       AND n.severity = 'WARNING') AS warnings,
                   (SELECT count(*) FROM gtfs.notice n WHERE n.feed_version_id = v.feed_version_id
                       AND n.severity = 'INFO') AS infos,
                   (SELECT l.run_id FROM gtfs.fetch_log l WHERE l.feed_version_id = v.feed_version_id
                       AND l.outcome = 'new' AND l.run_id IS NOT NULL ORDER BY l.fetch_id LIMIT 1) AS run_id
            FROM v LEFT JOIN gtfs.feed f ON f.feed_id = v.feed_id
            ORDER BY v.feed_id, v.feed_version_id DESC""", {"n": int(limit)})
    conn.rollback()
    return rows


def render_index(rows: list[dict], *, base_url: str = "", prefix: str = "/gtfs-reports") -> str:
    """The reports index page: one table per feed, newest version first."""
    from urllib.parse import quote

    e = html.escape
    out = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>GTFS validation reports</title>"
           f"<style>{CSS}</style></head><body><h1>GTFS validation reports</h1>"]
    if not rows:
        out.append("<p id='no-versions'>No feed versions loaded yet.</p>")
    feeds: dict[str, list[dict]] = {}
    for r in rows:
        feeds.setdefault(r["feed_id"], []).append(r)
    out.append(f"<p>{len(feeds)} feed(s), {len(rows)} version(s), newest first. Notices by severity; "
               "status as of now.</p>")
    for feed_id, versions in feeds.items():
        name = versions[0].get("feed_name")
        name = None if name == feed_id else name
        out.append(f"<h2 id='feed-{e(feed_id)}'>{e(feed_id)}{' &mdash; ' + e(name) if name else ''}</h2>"
                   "<table class='index'><tr><th>version</th><th>status</th><th>as of</th><th>loaded at</th>"
                   "<th class='n'>rows</th><th class='n'>ERROR</th><th class='n'>WARNING</th><th class='n'>INFO</th>"
                   "<th>report</th><th>run</th></tr>")
        for v in versions:
            vid = int(v["feed_version_id"])
            status = str(v["status"]) + (" (current)" if v.get("current") else "")
            if v["status"] == "loaded" and v.get("not_current_reason"):
                status += f": {v['not_current_reason']}"
            report = (f"<a href='{prefix}/{vid}'>report</a> &middot; <a href='{prefix}/{vid}/notices.csv'>notices.csv</a>"
                      if v.get("report_path") else "<span class='muted'>none</span>")
            run = v.get("run_id")
            if run and "/" in run:
                run_dag, run_id = run.split("/", 1)
                run_cell = f"<a href='{base_url}/dags/{quote(run_dag)}/runs/{quote(run_id, safe='')}'>{e(run_id)}</a>"
            else:
                run_cell = "<span class='muted'>CLI</span>"
            rows_text = f"{int(v['rows']):,}" if v.get("rows") is not None else ""
            out.append(f"<tr class='version' data-version='{vid}'><td class='n'>{vid}</td><td>{e(status)}</td>"
                       f"<td>{e(str(v['as_of'] or ''))}</td><td>{e(str(v['loaded_at'] or '')[:19])}</td>"
                       f"<td class='n'>{rows_text}</td><td class='n'>{int(v['errors']):,}</td>"
                       f"<td class='n'>{int(v['warnings']):,}</td><td class='n'>{int(v['infos']):,}</td>"
                       f"<td>{report}</td><td>{run_cell}</td></tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)
