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
from .errors import GtfsPipelineError

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
    version = _version(cur, v)
    counts = {}
    for table in ("agency", "routes", "trips", "stops", "stop_times", "shapes", "calendar", "calendar_dates"):
        cur.execute(f"SELECT count(*) FROM gtfs.{table} WHERE feed_version_id = %(v)s", p)
        counts[table] = cur.fetchone()[0]
    agencies = _rows(cur, "SELECT agency_id, agency_name, agency_url, agency_timezone FROM gtfs.agency"
                          " WHERE feed_version_id = %(v)s ORDER BY line_number LIMIT 20", p)
    feed_info = _rows(cur, "SELECT feed_publisher_name, feed_version, feed_start_date, feed_end_date FROM gtfs.feed_info"
                           " WHERE feed_version_id = %(v)s ORDER BY line_number LIMIT 1", p)
    return {"version": version, "counts": counts, "agencies": agencies, "feed_info": feed_info[0] if feed_info else None}


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
    out.append(status_block(v))
    for label, value in (("source", v["source"]), ("as of", v["as_of"]),
                         ("loaded at", v["loaded_at"]), ("validated at", v["validated_at"]),
                         ("service dates", f"{v['service_start_date']} to {v['service_end_date']}")):
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
        out = out / report_name(facts['version']['feed_id'], feed_version_id)
    out = out.resolve()  # stored absolute: the API server (any working directory) finds it
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(facts, notices, svg_map(lines, stops), feed_version_id), encoding="utf-8")
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


def render_index(rows: list[dict], *, base_url: str = "", prefix: str = "/gtfs-reports",
                 dag_id: str = "gtfs_feeds") -> str:
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
