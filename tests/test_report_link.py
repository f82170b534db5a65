"""The validation report is linked from the Airflow UI: the validate and publish tasks have an extra link, and
the API server serves the report behind it to signed-in users.

The real DAG runs with dag.test(); Airflow's own API server app (with this project's
plugin) is served by uvicorn on 127.0.0.1; the test asks it for the task's extra links
and follows the link the way a browser signed in to Airflow would.
"""

from __future__ import annotations

import pytest
import requests

from airflow_support import airflow_metadb, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from feedbuilder import write_feed
from httpserver import FeedServer
from plugin_support import ApiServer, serving_api

LINK = "GTFS validation report"


@pytest.fixture
def api_server(gtfs_dag_env, monkeypatch, tmp_path):
    """Airflow's API server app on 127.0.0.1 (plugin_support), reading the DAG tests' gtfs database."""
    with serving_api(tmp_path, monkeypatch) as api:
        yield api.base


@pytest.fixture
def published_run(gtfs_dag, gtfs_dag_env, tmp_path):
    with FeedServer() as feeds:
        feeds.serve("/a.zip", write_feed(tmp_path / "a.zip", {}).read_bytes())
        gtfs_dag_env.write_registry(f"feeds:\n  - feed_id: a\n    url: {feeds.url('/a.zip')}\n"
                                    "    allow_private_network: true\n")
        run = run_dag(gtfs_dag)
    assert run.state == "success"
    return run


def sign_in(base: str) -> str:
    return ApiServer(base).token("ana")  # a viewer


def links(base: str, token: str, run_id: str, task_id: str, map_index: int = 0) -> dict:
    resp = requests.get(f"{base}/api/v2/dags/gtfs_feeds/dagRuns/{run_id}/taskInstances/{task_id}/links",
                        params={"map_index": map_index}, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()["extra_links"]


def published_run_archive(conn, vid: int) -> str:
    """The local path of the report the run wrote (file:// archive in these tests)."""
    with conn.cursor() as cur:
        cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s", (vid,))
        (url,), = cur.fetchall()
    conn.rollback()
    assert url.startswith("file://")
    return url[len("file://"):]


def version_of(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT feed_version_id FROM gtfs.feed_version WHERE feed_id = 'a'")
        (vid,), = cur.fetchall()
    conn.rollback()
    return vid


def test_version_tasks_link_to_the_report_and_the_api_server_serves_it(published_run, api_server, conn):
    token = sign_in(api_server)
    vid = version_of(conn)

    for task in ("version_steps.validate", "version_steps.publish"):
        assert links(api_server, token, published_run.run_id, task) == {LINK: f"{api_server}/gtfs-reports/{vid}"}
    # Other tasks carry the link name but no address: the UI leaves it out.
    assert links(api_server, token, published_run.run_id, "load") == {LINK: None}

    browser = requests.Session()  # the UI keeps the signed-in user's token in the _token cookie
    browser.cookies.set("_token", token, domain="127.0.0.1")
    page = browser.get(f"{api_server}/gtfs-reports/{vid}", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f"<title>Validation report: a version {vid}</title>" in page.text
    with open(f"{published_run_archive(conn, vid)}", encoding="utf-8") as written:
        assert page.text == written.read()  # the very file the run wrote next to the archived zip


def test_reports_need_a_signed_in_user_and_unknown_versions_are_404(published_run, api_server, conn):
    vid = version_of(conn)
    assert requests.get(f"{api_server}/gtfs-reports/{vid}", timeout=30).status_code == 401
    token = sign_in(api_server)
    missing = requests.get(f"{api_server}/gtfs-reports/999999", headers={"Authorization": f"Bearer {token}"},
                           timeout=30)
    assert (missing.status_code, missing.json()) == (404, {"detail": "no feed version 999999"})
