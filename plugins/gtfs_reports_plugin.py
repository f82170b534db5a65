"""Airflow plugin: each version's validation report one click away from the task that wrote it.

- An extra link, "GTFS validation report", on the gtfs_feeds DAG's validate and publish
  tasks (publish writes the report once geometry and validation are done). It points at
  the API server's ``/gtfs-reports/<feed_version_id>`` (on other tasks the link is
  empty, and the UI leaves it out).
- A small FastAPI app the API server mounts at ``/gtfs-reports``:

  - ``/gtfs-reports/`` the reports index: every feed's versions with status, rows, notices by
    severity, and links to each report and to the Airflow run that loaded it;
  - ``/gtfs-reports/<feed_version_id>`` the report, read from wherever the run wrote it
    (``gtfs.feed_version.report_path``: an absolute path, a file:// or an object-storage URL;
    ``report.read_report`` is the one function that reads it);
  - ``/gtfs-reports/<feed_version_id>/notices.csv`` every notice of the version, streamed from
    ``gtfs.notice`` (not only the report's examples).

  Every route needs a signed-in Airflow user (a Bearer token or the UI's ``_token`` cookie;
  none: 401) who may read the gtfs_feeds DAG (the auth manager's ``is_authorized_dag``, GET;
  not allowed: 403). The app has no public /docs, /redoc or /openapi.json.

Reports are files in the archive, not in Airflow's database, so the link works for
every past run as long as the archive keeps them.
"""

from __future__ import annotations

import json
from typing import Any

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

DAG_ID = "gtfs_feeds"
LINKED_TASKS = ("validate", "publish")  # inside the version_steps group: version_steps.validate, ...
URL_PREFIX = "/gtfs-reports"
LINK_NAME = "GTFS validation report"
INDEX_VERSIONS = 500  # the index lists the newest versions


def _base_url() -> str:
    from airflow.configuration import conf

    return (conf.get("api", "base_url", fallback="") or "").rstrip("/")


def report_url(feed_version_id: int) -> str:
    return f"{_base_url()}{URL_PREFIX}/{int(feed_version_id)}"


def index_url() -> str:
    return f"{_base_url()}{URL_PREFIX}/"


def _task_result(ti_key: Any) -> dict | None:
    """The task's return value (a small dict with feed_version_id), from XCom."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.execute(
            XComModel.get_many(key="return_value", run_id=ti_key.run_id, dag_ids=ti_key.dag_id,
                               task_ids=ti_key.task_id, map_indexes=ti_key.map_index)
            .with_only_columns(XComModel.value)).first()
    if row is None:
        return None
    value = row.value
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


class ValidationReportLink(BaseOperatorLink):
    """Points a validate or publish task instance at the report of its feed version."""

    name = LINK_NAME

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        if ti_key.dag_id != DAG_ID or ti_key.task_id.rsplit(".", 1)[-1] not in LINKED_TASKS:
            return ""
        result = _task_result(ti_key)
        if not result or result.get("feed_version_id") is None:
            return ""
        return report_url(result["feed_version_id"])


def _make_app():
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import HTMLResponse, StreamingResponse

    from airflow.api_fastapi.core_api.security import requires_access_dag

    # Sign-in and read access to the DAG on every route; no public schema or docs.
    app = FastAPI(title="GTFS validation reports", docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(requires_access_dag("GET", param_dag_id=DAG_ID))])

    @app.get("/", response_class=HTMLResponse)
    def reports_index() -> HTMLResponse:
        from gtfs_pipeline import db, pipeline, report

        with db.connection(pipeline.database_dsn()) as conn:
            rows = report.index_rows(conn, limit=INDEX_VERSIONS)
        return HTMLResponse(report.render_index(rows, base_url=_base_url(), prefix=URL_PREFIX))

    @app.get("/{feed_version_id}", response_class=HTMLResponse)
    def validation_report(feed_version_id: int) -> HTMLResponse:
        from gtfs_pipeline import db, pipeline, report

        with db.connection(pipeline.database_dsn()) as conn, conn.cursor() as cur:
            cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s",
                        (feed_version_id,))
            row = cur.fetchone()
        if row is None:
            raise HTTPException(404, f"no feed version {feed_version_id}")
        if not row[0]:
            raise HTTPException(404, f"feed version {feed_version_id} has no validation report (not validated "
                                     "by the DAG yet)")
        try:
            return HTMLResponse(report.read_report(row[0]).decode("utf-8"))
        except FileNotFoundError:
            raise HTTPException(404, f"the report of feed version {feed_version_id} is gone from the archive "
                                     f"({row[0]})") from None

    @app.get("/{feed_version_id}/notices.csv")
    def notices_csv(feed_version_id: int) -> StreamingResponse:
        from gtfs_pipeline import db, pipeline, report

        dsn = pipeline.database_dsn()
        with db.connection(dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT feed_id FROM gtfs.feed_version WHERE feed_version_id = %s", (feed_version_id,))
            row = cur.fetchone()
        if row is None:
            raise HTTPException(404, f"no feed version {feed_version_id}")
        name = f"{row[0]}-v{feed_version_id}-notices.csv"
        return StreamingResponse(report.stream_notices_csv(dsn, feed_version_id), media_type="text/csv",
                                 headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return app


class _BuiltWhenAsked:
    """The app is built when the API server asks for the plugin's apps, not when a task
    process imports the plugin (FastAPI and Airflow's API security cost ~0.7 s to import)."""

    def __get__(self, obj: Any, owner: Any) -> list[dict]:
        global _APP
        if _APP is None:
            _APP = _make_app()
        return [{"app": _APP, "url_prefix": URL_PREFIX, "name": "GTFS validation reports"}]


_APP = None


class GtfsReportsPlugin(AirflowPlugin):
    name = "gtfs_reports"
    global_operator_extra_links = [ValidationReportLink()]
    fastapi_apps = _BuiltWhenAsked()
