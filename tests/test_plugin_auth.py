"""The report plugin's routes need a signed-in user who may read the gtfs_feeds DAG.

Airflow's API server app (this project's plugin mounted at /gtfs-reports) runs on 127.0.0.1 with
the simple auth manager's users: ana (VIEWER: may read every DAG) and rolf (no role: the simple auth
manager lets him sign in but authorizes nothing, the one way it can say "no access to the DAG").
One version, loaded in-process, with its report on disk.
"""

from __future__ import annotations

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import report, versions
from gtfs_pipeline import db
from plugin_support import airflow_metadb, module_api, module_dsn, module_mp  # noqa: F401

ROUTES = ("/gtfs-reports/", "/gtfs-reports/{vid}", "/gtfs-reports/{vid}/notices.csv")


@pytest.fixture(scope="module")
def version(module_dsn, tmp_path_factory) -> int:
    tmp_path = tmp_path_factory.mktemp("auth")
    feed = write_feed(tmp_path / "f.zip", {})
    with db.connection(module_dsn) as conn:
        outcome = versions.load_feed(conn, feed, "demo",
                                     report=lambda c, vid: report.write_report(c, vid, tmp_path / "r.html"))
    return outcome.feed_version_id


@pytest.fixture(scope="module")
def api_server(module_api):
    return module_api


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_answers_401_without_sign_in(version, api_server, route):
    resp = api_server.get(route.format(vid=version))

    assert (resp.status_code, resp.json()) == (401, {"detail": "Not authenticated"})


@pytest.mark.parametrize("route", ROUTES)
def test_a_user_without_access_to_the_dag_gets_403(version, api_server, route):
    resp = api_server.get(route.format(vid=version), user="rolf")

    assert (resp.status_code, resp.json()) == (403, {"detail": "Forbidden"})


@pytest.mark.parametrize("route", ROUTES)
def test_a_viewer_of_the_dag_reads_every_route(version, api_server, route):
    resp = api_server.get(route.format(vid=version), user="ana")

    assert resp.status_code == 200
    assert resp.headers["content-type"].split(";")[0] in ("text/html", "text/csv")


@pytest.mark.parametrize("path", ("/gtfs-reports/docs", "/gtfs-reports/openapi.json", "/gtfs-reports/redoc"))
def test_no_docs_or_schema_without_sign_in(version, api_server, path):
    assert api_server.get(path).status_code == 401


@pytest.mark.parametrize("path", ("/gtfs-reports/docs", "/gtfs-reports/openapi.json", "/gtfs-reports/redoc"))
def test_no_docs_or_schema_for_a_signed_in_viewer_either(version, api_server, path):
    resp = api_server.get(path, user="ana")

    assert resp.status_code == 422  # taken as a feed version id, which it is not
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["detail"][0]["type"] == "int_parsing"


def test_the_streamed_csv_holds_every_notice_of_the_version(version, api_server, module_dsn):
    import csv
    import io

    resp = api_server.get(f"/gtfs-reports/{version}/notices.csv", user="ana")
    rows = list(csv.reader(io.StringIO(resp.text)))
    with db.connection(module_dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT severity, code, coalesce(filename, ''), coalesce(line_number::text, '') FROM gtfs.notice"
                    " WHERE feed_version_id = %s", (version,))
        expected = sorted(list(r) for r in cur.fetchall())

    assert resp.headers["content-disposition"] == f'attachment; filename="demo-v{version}-notices.csv"'
    assert rows[0] == list(report.NOTICE_CSV_COLUMNS)
    assert sorted(r[:4] for r in rows[1:]) == expected
    assert len(expected) > 0
