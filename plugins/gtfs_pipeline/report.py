"""A self-contained HTML validation report for one feed version.

Feed facts, notices by code (severity, meaning, first examples with file and
line) and a small map of the version's routes and stops as inline SVG: no
script, no network tiles, one file that opens anywhere.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from . import validation

EXAMPLES_PER_CODE = 5
MAP_WIDTH, MAP_HEIGHT = 640, 480
MAX_MAP_STOPS = 5000
SEVERITY_COLOUR = {"ERROR": "#b3261e", "WARNING": "#a15c00", "INFO": "#35618f"}


def _rows(cur, query: str, params: dict) -> list[dict]:
    cur.execute(query, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _facts(cur, v: int) -> dict:
    p = {"v": v}
    version = _rows(cur, "SELECT feed_id, status, source, as_of, loaded_at, service_start_date, service_end_date,"
                         " blocked_reason, validated_at FROM gtfs.feed_version WHERE feed_version_id = %(v)s", p)[0]
    counts = {}
    for table in ("agency", "routes", "trips", "stops", "stop_times", "shapes", "calendar", "calendar_dates"):
        cur.execute(f"SELECT count(*) FROM gtfs.{table} WHERE feed_version_id = %(v)s", p)
        counts[table] = cur.fetchone()[0]
    agencies = _rows(cur, "SELECT agency_id, agency_name, agency_url, agency_timezone FROM gtfs.agency"
                          " WHERE feed_version_id = %(v)s ORDER BY line_number LIMIT 20", p)
    feed_info = _rows(cur, "SELECT feed_publisher_name, feed_version, feed_start_date, feed_end_date FROM gtfs.feed_info"
                           " WHERE feed_version_id = %(v)s ORDER BY line_number LIMIT 1", p)
    return {"version": version, "counts": counts, "agencies": agencies, "feed_info": feed_info[0] if feed_info else None}


def _notices(cur, v: int) -> list[dict]:
    meta = {r.code: r for r in validation.rules()}
    summary = validation.summary(cur.connection, v)
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
        meaning = rule.meaning if rule else ("reported by the loader" if s["code"] in validation.LOADER_CODES else "")
        out.append({**s, "meaning": meaning, "examples": by_code.get(s["code"], [])})
    return out


def _map_data(cur, v: int) -> tuple[list[list[tuple[float, float]]], list[tuple[float, float]]]:
    """Route lines (one per shape, else per stop pattern) and stop points, as (lon, lat)."""
    p = {"v": v}
    lines: list[list[tuple[float, float]]] = []
    cur.execute("SELECT to_regclass('gtfs.shape_geom') IS NOT NULL")
    has_geom = cur.fetchone()[0]
    if has_geom:
        cur.execute("SELECT ST_AsGeoJSON(ST_Simplify(geom, 0.0005)) FROM gtfs.shape_geom"
                    " WHERE feed_version_id = %(v)s AND geom IS NOT NULL"
                    " UNION ALL SELECT ST_AsGeoJSON(ST_Simplify(geom, 0.0005)) FROM gtfs.pattern_geom"
                    " WHERE feed_version_id = %(v)s LIMIT 5000", p)
        lines = [[tuple(c) for c in json.loads(g)["coordinates"]] for (g,) in cur.fetchall() if g]
    if not lines:
        cur.execute("""
            SELECT ST_AsGeoJSON(ST_Simplify(ST_MakeLine(ST_MakePoint(shape_pt_lon, shape_pt_lat) ORDER BY shape_pt_sequence), 0.0005))
            FROM gtfs.shapes WHERE feed_version_id = %(v)s AND shape_pt_lat BETWEEN -90 AND 90 AND shape_pt_lon BETWEEN -180 AND 180
            GROUP BY shape_id HAVING count(*) > 1 LIMIT 5000""", p)
        lines = [[tuple(c) for c in json.loads(g)["coordinates"]] for (g,) in cur.fetchall() if g]
    if not lines:
        # No shapes: one line per distinct stop sequence of the trips (a few trips per route).
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
    cur.execute("SELECT stop_lon, stop_lat FROM gtfs.stops WHERE feed_version_id = %(v)s"
                " AND stop_lat BETWEEN -90 AND 90 AND stop_lon BETWEEN -180 AND 180"
                " AND NOT (abs(stop_lat) <= 1 AND abs(stop_lon) <= 1) ORDER BY line_number LIMIT %(n)s",
                {"v": v, "n": MAX_MAP_STOPS})
    stops = [(float(x), float(y)) for x, y in cur.fetchall()]
    return lines, stops


def svg_map(lines: list[list[tuple[float, float]]], stops: list[tuple[float, float]],
            width: int = MAP_WIDTH, height: int = MAP_HEIGHT) -> str:
    """An equirectangular sketch (x scaled by cos(latitude)) of lines and points."""
    pts = [p for line in lines for p in line] + stops
    if not pts:
        return '<p class="muted">No coordinates to draw.</p>'
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    # Robust extent: ignore the most extreme 0.5 % on each side (a stray stop far away).
    xs_s, ys_s = sorted(xs), sorted(ys)
    cut = len(xs_s) // 200
    min_x, max_x = xs_s[cut], xs_s[-1 - cut]
    min_y, max_y = ys_s[cut], ys_s[-1 - cut]
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-6)
    span_y = max(max_y - min_y, 1e-6)
    pad = 10
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)

    def xy(p: tuple[float, float]) -> str:
        return f"{pad + (p[0] - min_x) * kx * scale:.1f},{height - pad - (p[1] - min_y) * scale:.1f}"

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="routes and stops">',
             f'<rect width="{width}" height="{height}" fill="#f6f7f9"/>']
    for line in lines:
        parts.append(f'<polyline fill="none" stroke="#2e6fba" stroke-width="1.2" stroke-opacity="0.7" '
                     f'points="{" ".join(xy(p) for p in line)}"/>')
    for p in stops:
        x, y = xy(p).split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="1.6" fill="#333"/>')
    parts.append("</svg>")
    return "\n".join(parts)


CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f0f0f0}.n{text-align:right}.muted{color:#777}.sev{font-weight:bold;color:#fff;padding:1px 6px;border-radius:3px}
details{margin:.2em 0}code{font-size:.9em}
"""


def render(facts: dict, notices: list[dict], map_svg: str, feed_version_id: int) -> str:
    e = html.escape
    v = facts["version"]
    sev_totals = {s: sum(n["notices"] for n in notices if n["severity"] == s) for s in validation.SEVERITIES}
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>Validation report: {e(str(v['feed_id']))} version {feed_version_id}</title><style>{CSS}</style></head><body>",
           f"<h1>Validation report: feed {e(str(v['feed_id']))}, version {feed_version_id}</h1>",
           "<table>"]
    for label, value in (("status", v["status"]), ("source", v["source"]), ("as of", v["as_of"]),
                         ("loaded at", v["loaded_at"]), ("validated at", v["validated_at"]),
                         ("service dates", f"{v['service_start_date']} to {v['service_end_date']}"),
                         ("publish blocked", v["blocked_reason"] or "no")):
        out.append(f"<tr><th>{e(label)}</th><td>{e(str(value))}</td></tr>")
    if facts["feed_info"]:
        fi = facts["feed_info"]
        out.append(f"<tr><th>feed_info</th><td>{e(str(fi['feed_publisher_name']))}, version {e(str(fi['feed_version']))},"
                   f" {e(str(fi['feed_start_date']))} to {e(str(fi['feed_end_date']))}</td></tr>")
    out.append("</table><h2>Counts</h2><table><tr>")
    out += [f"<th>{e(k)}</th>" for k in facts["counts"]]
    out.append("</tr><tr>")
    out += [f"<td class='n'>{n:,}</td>" for n in facts["counts"].values()]
    out.append("</tr></table>")
    out.append("<h2>Agencies</h2><table><tr><th>agency_id</th><th>name</th><th>url</th><th>timezone</th></tr>")
    for a in facts["agencies"]:
        out.append("<tr>" + "".join(f"<td>{e(str(a[k] or ''))}</td>" for k in
                                    ("agency_id", "agency_name", "agency_url", "agency_timezone")) + "</tr>")
    out.append("</table>")
    out.append("<h2>Map</h2>" + map_svg)
    out.append("<h2>Notices</h2><p>" + ", ".join(f"{n:,} {s}" for s, n in sev_totals.items()) +
               ". Codes and severities are those of the MobilityData GTFS validator.</p>")
    out.append("<table><tr><th>severity</th><th>code</th><th class='n'>notices</th><th>meaning and first examples</th></tr>")
    for n in notices:
        colour = SEVERITY_COLOUR.get(n["severity"], "#555")
        ex_rows = "".join(
            f"<tr><td>{e(str(x['filename'] or ''))}</td><td class='n'>{e(str(x['line_number'] or ''))}</td>"
            f"<td>{e(str(x['field_name'] or ''))}</td><td><code>{e(json.dumps(x['entity_key'], ensure_ascii=False) if x['entity_key'] else '')}</code></td>"
            f"<td>{e(str(x['value'] if x['value'] is not None else ''))}</td>"
            f"<td><code>{e(json.dumps(x['context'], ensure_ascii=False) if x['context'] else '')}</code></td></tr>"
            for x in n["examples"])
        out.append(
            f"<tr><td><span class='sev' style='background:{colour}'>{e(n['severity'])}</span></td>"
            f"<td><code>{e(n['code'])}</code></td><td class='n'>{n['notices']:,}</td><td>{e(n['meaning'])}"
            f"<details><summary>first {len(n['examples'])} examples</summary><table><tr><th>file</th><th>line</th>"
            f"<th>field</th><th>key</th><th>value</th><th>context</th></tr>{ex_rows}</table></details></td></tr>")
    if not notices:
        out.append("<tr><td colspan='4'>No notices.</td></tr>")
    out.append("</table></body></html>")
    return "\n".join(out)


def write_report(conn, feed_version_id: int, out_path: str | Path) -> Path:
    """Write the report of one version to ``out_path`` (a file, or a folder: then
    ``<feed_id>-v<id>-validation.html`` in it); records the path on the version."""
    out = Path(out_path)
    with conn.cursor() as cur:
        facts = _facts(cur, feed_version_id)
        notices = _notices(cur, feed_version_id)
        lines, stops = _map_data(cur, feed_version_id)
    if out.is_dir():
        out = out / f"{facts['version']['feed_id']}-v{int(feed_version_id)}-validation.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(facts, notices, svg_map(lines, stops), feed_version_id), encoding="utf-8")
    with conn.cursor() as cur:
        cur.execute("UPDATE gtfs.feed_version SET report_path = %s WHERE feed_version_id = %s",
                    (str(out), feed_version_id))
    conn.commit()
    return out
