"""A real browser reads what the plugin serves: Debian's headless Chromium, signed in to a real
Airflow API server on 127.0.0.1, opens a validation report with ERRORs and the reports index.

The data comes from a real dag.test() run of gtfs_feeds (feeds "bad", with ERRORs, and "good").
Chromium is driven over its DevTools protocol (loopback websocket): the test sets the UI's
``_token`` cookie as a signed-in browser has it, loads each page, checks the rendered DOM, records
every request the page made (none leaves the API server) and keeps a full-page screenshot as a
test artifact in ``$GTFS_TEST_ARTIFACTS`` (default ``build/test-artifacts``). docs/validation.md
shows one of them (docs/validation-report.png).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from airflow_support import REPO, gtfs_dag, run_dag  # noqa: F401
from feedbuilder import write_feed
from httpserver import FeedServer
from plugin_support import airflow_metadb, module_api, module_dsn, module_mp  # noqa: F401
from test_report_content import ELEVEN

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(os.environ.get("GTFS_TEST_ARTIFACTS", REPO / "build" / "test-artifacts"))
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")


class Chromium:
    """Headless Chromium with its DevTools endpoint on 127.0.0.1; one page, driven over CDP."""

    def __init__(self, profile: Path):
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", f"--user-data-dir={profile}", "--window-size=1200,900",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--metrics-recording-only", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        browser_ws = None
        while browser_ws is None:
            line = self.proc.stderr.readline()
            assert line or self.proc.poll() is None, "chromium exited before listening"
            assert time.monotonic() < deadline, "chromium did not start"
            m = re.search(r"DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)", line)
            if m:
                browser_ws, port = m.group(1), int(m.group(2))
        pages = [t for t in requests.get(f"http://127.0.0.1:{port}/json/list", timeout=30).json()
                 if t["type"] == "page"]
        from websockets.sync.client import connect

        self.ws = connect(pages[0]["webSocketDebuggerUrl"], max_size=64 << 20)
        self.next_id = 0
        self.events: list[dict] = []
        self.call("Page.enable")
        self.call("Network.enable")

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return msg["result"]
            self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, e in enumerate(self.events):
                if e.get("method") == event:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv(timeout=deadline - time.monotonic())))
        raise AssertionError(f"no {event} within {timeout} s")

    def open(self, url: str) -> list[str]:
        """Navigate and wait for the load event; returns the URLs of every request the page made."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def js(self, expression: str):
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        assert "exceptionDetails" not in out, out
        return out["result"]["value"]

    def screenshot(self, path: Path) -> Path:
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        self.ws.close()
        self.proc.terminate()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def loaded(gtfs_dag, module_dsn, module_mp, tmp_path_factory):
    """A real DAG run: feed 'bad' (7 stops with a bad latitude: ERRORs) and feed 'good'."""
    tmp = tmp_path_factory.mktemp("browser")
    registry = tmp / "feeds.yml"
    for k, v in {"AIRFLOW_CONN_GTFS_DB": module_dsn, "GTFS_ARCHIVE_URL": (tmp / "archive").as_uri(),
                 "GTFS_FEEDS_REGISTRY": str(registry), "GTFS_FETCH_RETRIES": "0"}.items():
        module_mp.setenv(k, v)
    with FeedServer() as feeds:
        feeds.serve("/bad.zip", write_feed(tmp / "bad.zip", ELEVEN).read_bytes())
        feeds.serve("/good.zip", write_feed(tmp / "good.zip", {}).read_bytes())
        registry.write_text("feeds:\n" + "".join(
            f"  - feed_id: {f}\n    url: {feeds.url(f'/{f}.zip')}\n    allow_private_network: true\n"
            for f in ("bad", "good")))
        run = run_dag(gtfs_dag)
    assert run.state == "success"
    from gtfs_pipeline import db

    with db.connection(module_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT feed_id, feed_version_id FROM gtfs.feed_version")
        return run.run_id, dict(cur.fetchall())


@pytest.fixture(scope="module")
def browser(loaded, module_api, tmp_path_factory):
    chrome = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    chrome.call("Network.setCookie", name="_token", value=module_api.token("ana"), url=module_api.base)
    yield chrome
    chrome.close()


def test_the_browser_renders_a_report_with_errors_its_tables_and_map(loaded, module_api, browser):
    _, vid = loaded
    requested = browser.open(f"{module_api.base}/gtfs-reports/{vid['bad']}")
    page = browser.js("""JSON.stringify({
        title: document.title,
        status: document.getElementById('status').textContent,
        files: [...document.querySelectorAll('#files-table tr[data-file]')].map(r => r.dataset.file).filter(f => f),
        errors: [...document.querySelectorAll("#notices-table tr.notice[data-severity='ERROR']")].map(r => r.dataset.code),
        mapLines: document.querySelectorAll('#map polyline').length,
        mapStops: document.querySelectorAll('#map circle').length,
        scale: document.getElementById('scale-bar').textContent,
        mapWidth: document.getElementById('map').getBoundingClientRect().width,
        legend: document.getElementById('map-legend').innerText,
        csv: document.getElementById('csv-embedded').getAttribute('download'),
    })""")
    page = json.loads(page)
    browser.screenshot(ARTIFACTS / "validation-report.png")

    assert requested == [f"{module_api.base}/gtfs-reports/{vid['bad']}"]  # the page loads nothing else
    assert page["title"] == f"Validation report: bad version {vid['bad']}"
    assert page["status"] == "published"
    assert len(page["files"]) == 11
    assert page["errors"] == ["invalid_float", "stop_without_location"]
    assert (page["mapLines"], page["mapStops"]) == (1, 2)
    assert re.fullmatch(r"\d+(\.\d+)? (m|km)", page["scale"])
    assert page["mapWidth"] == 720
    assert page["legend"].strip().startswith("1 line(s), drawn from shapes")
    assert page["csv"] == f"bad-v{vid['bad']}-notices.csv"


def test_the_browser_renders_the_reports_index_with_links_to_reports_and_runs(loaded, module_api, browser):
    run_id, vid = loaded
    requested = browser.open(f"{module_api.base}/gtfs-reports/")
    rows = json.loads(browser.js("""JSON.stringify([...document.querySelectorAll('tr.version')].map(r => ({
        cells: [...r.cells].slice(0, 8).map(c => c.innerText),
        links: [...r.querySelectorAll('a')].map(a => a.href)})))"""))
    browser.screenshot(ARTIFACTS / "reports-index.png")
    from urllib.parse import quote

    assert requested == [f"{module_api.base}/gtfs-reports/"]
    assert [r["cells"][:2] for r in rows] == [[str(vid["bad"]), "published (current)"],
                                              [str(vid["good"]), "published (current)"]]
    assert rows[0]["cells"][4:8] == ["22", "14", "10", "0"]  # rows; ERROR, WARNING, INFO notices
    assert rows[0]["links"] == [f"{module_api.base}/gtfs-reports/{vid['bad']}",
                                f"{module_api.base}/gtfs-reports/{vid['bad']}/notices.csv",
                                f"{module_api.base}/dags/gtfs_feeds/runs/{quote(run_id, safe='')}"]
