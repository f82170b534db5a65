"""Airflow plugin: each version's validation report one click away from the task that wrote it.

- An extra link, "GTFS validation report", on the gtfs_feeds DAG's validate and publish
  tasks (publish writes the report once geometry and validation are done). It points at
  the API server's ``/gtfs-reports/<feed_version_id>`` (on other tasks the link is
  empty, and the UI leaves it out).
- A small FastAPI app the API server mounts at ``/gtfs-reports``: it serves the report
  from wherever the run wrote it (``gtfs.feed_version.report_path``: a local folder or
  object storage, read through ObjectStoragePath), to signed-in Airflow users only.

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


def report_url(feed_version_id: int) -> str:
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback="") or ""
    return f"{base.rstrip('/')}{URL_PREFIX}/{int(feed_version_id)}"


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
    from fastapi.responses import HTMLResponse

    from airflow.api_fastapi.core_api.security import requires_authenticated

    app = FastAPI(title="GTFS validation reports",
                  description="The HTML validation report of each loaded GTFS feed version.")

    @app.get("/{feed_version_id}", response_class=HTMLResponse,
             dependencies=[Depends(requires_authenticated())])
    def validation_report(feed_version_id: int) -> HTMLResponse:
        from gtfs_pipeline import db, pipeline

        with db.connection(pipeline.database_dsn()) as conn, conn.cursor() as cur:
            cur.execute("SELECT report_path FROM gtfs.feed_version WHERE feed_version_id = %s",
                        (feed_version_id,))
            row = cur.fetchone()
        if row is None:
            raise HTTPException(404, f"no feed version {feed_version_id}")
        if not row[0]:
            raise HTTPException(404, f"feed version {feed_version_id} has no validation report (not validated "
                                     "by the DAG yet)")
        path = pipeline.storage_path(row[0])
        try:
            with path.open("rb") as fh:
                return HTMLResponse(fh.read().decode("utf-8"))
        except FileNotFoundError:
            raise HTTPException(404, f"the report of feed version {feed_version_id} is gone from the archive "
                                     f"({row[0]})") from None

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
