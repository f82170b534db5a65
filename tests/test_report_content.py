"""What the HTML validation report holds, for an 11-file feed with ERRORs: every file with rows and
notices, the feed info block, the features present, code links, the rule set, all notices as CSV,
the map with scale and legend; one self-contained file."""

from __future__ import annotations

import base64
import csv
import io
import re
from html.parser import HTMLParser

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import db, report, versions
from plugin_support import module_dsn  # noqa: F401

# Seven stops with a bad latitude: 7 invalid_float ERRORs, more than the report's 5 examples per code.
BAD_STOPS = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS2,Second,52.51,13.41\n" + "".join(
    f"X{i},Bad {i},north,13.4\n" for i in range(7))
ELEVEN = {
    "stops.txt": BAD_STOPS,
    "agency.txt": ("agency_id,agency_name,agency_url,agency_timezone,agency_lang\n"
                   "A,Agency,https://a.example,Europe/Berlin,de\n"),
    "routes.txt": "route_id,agency_id,route_short_name,route_type,route_color\nR1,A,1,3,FF0000\n",
    "trips.txt": "route_id,service_id,trip_id,shape_id,trip_headsign\nR1,WD,T1,SH1,Second\n",
    "shapes.txt": ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
                   "SH1,52.5,13.4,1\nSH1,52.505,13.405,2\nSH1,52.51,13.41,3\n"),
    "frequencies.txt": "trip_id,start_time,end_time,headway_secs\nT1,06:00:00,09:00:00,600\n",
    "transfers.txt": "from_stop_id,to_stop_id,transfer_type\nS1,S2,2\n",
    "feed_info.txt": ("feed_publisher_name,feed_publisher_url,feed_lang,feed_version,feed_contact_email,"
                      "feed_start_date,feed_end_date\n"
                      "Example Transit,https://pub.example,de,2026.12,gtfs@pub.example,20240101,20241231\n"),
    "calendar_dates.txt": "service_id,date,exception_type\nWD,20240501,2\n",
}


class Dom(HTMLParser):
    """Elements by id, and every tag with its attributes (no external parser)."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.by_id: dict[str, str] = {}
        self._open: list[tuple[str, str, list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        for _, _, buf in self._open:
            buf.append(" ")  # cells and items read as words
        if "id" in a:
            self._open.append((tag, a["id"], []))

    def handle_endtag(self, tag):
        for _, _, buf in self._open:
            buf.append(" ")
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                _, ident, buf = self._open.pop(i)
                self.by_id[ident] = " ".join("".join(buf).split())
                break

    def handle_data(self, data):
        for _, _, buf in self._open:
            buf.append(data)


@pytest.fixture(scope="module")
def written(module_dsn, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("content")
    feed = write_feed(tmp_path / "f.zip", ELEVEN)
    (tmp_path / "reports").mkdir()
    with db.connection(module_dsn) as conn:
        outcome = versions.load_feed(conn, feed, "demo",
                                     report=lambda c, vid: report.write_report(c, vid, tmp_path / "reports"))
    path = tmp_path / "reports" / f"demo-v{outcome.feed_version_id}-validation.html"
    return outcome.feed_version_id, path.read_text(encoding="utf-8")


def file_rows(text: str) -> dict[str, list[str]]:
    rows = re.findall(r"<tr data-file='([^']*)'>(.*?)</tr>", text)
    return {name: re.findall(r"<td[^>]*>(.*?)</td>", body) for name, body in rows}


def test_every_file_has_its_rows_and_notices_by_severity(written):
    _, text = written
    files = file_rows(text)

    assert sorted(files) == sorted(["", "agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
                                    "calendar.txt", "calendar_dates.txt", "shapes.txt", "frequencies.txt",
                                    "transfers.txt", "feed_info.txt"])
    assert files["stops.txt"][:2] == ["stops.txt", "9"]
    # ERROR, WARNING, INFO: 7 invalid_float, 7 stop_without_location; 7 stop_without_stop_time
    assert files["stops.txt"][5:] == ["14", "7", "0"]
    # trip_coverage_not_active_for_next7_days is about no one file
    assert files[""] == ["<span class=muted>(feed-wide)</span>", "not about one file", "0", "1", "0"]
    assert files["frequencies.txt"][1] == "1" and files["transfers.txt"][1] == "1"
    assert files["feed_info.txt"][1] == "1" and files["shapes.txt"][1] == "3"


def test_the_feed_info_block_names_publisher_languages_contact_version_and_dates(written):
    dom = Dom(written[1])

    assert dom.by_id["feed-info-table"] == (
        "publisher Example Transit publisher URL https://pub.example feed language de default language not given "
        "feed version 2026.12 contact email gtfs@pub.example contact URL not given feed start date 2024-01-01 "
        "feed end date 2024-12-31 languages de service dates 2024-01-01 to 2024-12-31 (calendar and calendar_dates)")


def test_the_features_present_are_listed(written):
    dom = Dom(written[1])

    assert dom.by_id["features-list"] == ("Shapes Frequency-based service Transfers Calendar exceptions "
                                          "Feed information Route colors Headsigns")


def test_each_code_links_to_its_rules_documentation(written):
    dom = Dom(written[1])
    links = {a["href"] for t, a in dom.tags if t == "a" and "href" in a}

    assert "https://gtfs-validator.mobilitydata.org/rules.html#invalid_float-rule" in links
    assert re.search(r"<tr class='notice' data-code='invalid_float' data-severity='ERROR'>.*?"
                     r"<td class='n'>7</td>", written[1])


def test_the_rule_set_version_is_shown(written):
    dom = Dom(written[1])
    rules = report.rule_set()

    assert dom.by_id["rule-set"].startswith(
        f"{rules['rules']} rules, codes and severities of the MobilityData GTFS Schedule validator 8.0.1; "
        f"rules sha256 {rules['sha256']}")


def test_all_notices_are_in_the_embedded_csv_not_only_the_examples(written, module_dsn):
    vid, text = written
    dom = Dom(text)
    (href,) = [a["href"] for t, a in dom.tags if t == "a" and a.get("id") == "csv-embedded"]
    data = base64.b64decode(href.split("base64,", 1)[1]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(data)))
    with db.connection(module_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM gtfs.notice WHERE feed_version_id = %s", (vid,))
        (total,), = cur.fetchall()

    assert rows[0] == list(report.NOTICE_CSV_COLUMNS)
    assert len(rows) - 1 == total
    assert [r[:7] for r in rows[1:] if r[1] == "invalid_float"] == [
        ["ERROR", "invalid_float", "stops.txt", str(line), "stop_lat", "", "north"] for line in range(4, 11)]
    assert [a["href"] for t, a in dom.tags if t == "a" and a.get("id") == "csv-streamed"] == [f"{vid}/notices.csv"]


def test_the_map_has_lines_stops_a_scale_bar_and_a_legend(written):
    _, text = written
    dom = Dom(text)

    assert text.count("<polyline") == 1  # the one shape
    assert text.count("<circle") == 2  # the two stops with coordinates
    assert re.fullmatch(r"\d+(\.\d+)? (m|km)", dom.by_id["scale-bar"])
    assert dom.by_id["map-legend"].startswith("1 line(s), drawn from shapes and stop patterns (geometry step) "
                                              "2 stop(s) 0 station(s)")


def test_the_report_is_one_file_with_no_external_requests(written):
    dom = Dom(written[1])

    assert [t for t, _ in dom.tags if t in ("script", "img", "link", "iframe", "object", "embed")] == []
    sources = [a.get("src") for _, a in dom.tags if a.get("src")]
    assert sources == []
    assert "url(" not in written[1] and "@import" not in written[1]
