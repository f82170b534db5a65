"""Running the real gtfs_feeds DAG with dag.test() in the tests.

conftest.py already pointed AIRFLOW_HOME, the DAGs folder and a SQLite
metadata DB at a temp dir; ``airflow_metadb`` resets that DB once per session.
``gtfs_dag_env`` points the DAG's tasks at the test's own GTFS database, a
temp feed archive and a registry the test writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def airflow_metadb():
    from airflow.utils import db as airflow_db

    airflow_db.resetdb()
    return True


@pytest.fixture(scope="session")
def gtfs_dag(airflow_metadb):
    import os

    from airflow.models import DagBag

    # The fetch task's retries are set when the file is parsed: none in tests, so a transient
    # failure (connection refused, 5xx) fails at once instead of waiting out the backoff.
    saved = os.environ.get("GTFS_FETCH_RETRIES")
    os.environ["GTFS_FETCH_RETRIES"] = "0"
    try:
        bag = DagBag(dag_folder=str(REPO / "dags" / "gtfs_feeds.py"))
    finally:
        if saved is None:
            del os.environ["GTFS_FETCH_RETRIES"]
        else:
            os.environ["GTFS_FETCH_RETRIES"] = saved
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("gtfs_feeds")


@dataclass
class DagEnv:
    dsn: str
    archive: Path
    registry: Path

    def write_registry(self, text: str) -> Path:
        self.registry.write_text(text)
        return self.registry


@pytest.fixture
def gtfs_dag_env(dsn, tmp_path, monkeypatch) -> DagEnv:
    env = DagEnv(dsn, tmp_path / "archive", tmp_path / "feeds.yml")
    monkeypatch.setenv("AIRFLOW_CONN_GTFS_DB", dsn)
    monkeypatch.setenv("GTFS_ARCHIVE_URL", env.archive.as_uri())
    monkeypatch.setenv("GTFS_FEEDS_REGISTRY", str(env.registry))
    monkeypatch.setenv("GTFS_FETCH_RETRIES", "0")
    return env


@dataclass
class RunResult:
    state: str
    run_id: str
    tasks: dict[tuple[str, int], tuple[str, str | None]]  # (task_id, map_index) -> (state, label)

    def states(self, task_id: str) -> list[str]:
        return [s for (t, _), (s, _) in sorted(self.tasks.items()) if t == task_id]

    def labels(self, task_id: str) -> list[str | None]:
        return [label for (t, _), (_, label) in sorted(self.tasks.items()) if t == task_id]


def run_dag(dag, conf: dict | None = None, logical_date: dt.datetime | None = None) -> RunResult:
    """One dag.test() run; returns its state and every task instance's state and UI label."""
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session

    # dag.test() leaves a run's conf in dag.params: give every param, so no run inherits the last one's.
    kwargs = {"run_conf": {"feed_ids": [], "force": False, "url": None, "as_of": None, **(conf or {})}}
    if logical_date is not None:
        kwargs["logical_date"] = logical_date
    dr = dag.test(**kwargs)
    with create_session() as session:
        tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id,
                                                 TaskInstance.run_id == dr.run_id).all()
        tasks = {(ti.task_id, ti.map_index): (str(ti.state.value if hasattr(ti.state, "value") else ti.state),
                                              ti.rendered_map_index) for ti in tis}
    state = dr.state.value if hasattr(dr.state, "value") else str(dr.state)
    return RunResult(state, dr.run_id, tasks)


def asset_events(uri_prefix: str = "gtfs://feed/") -> list[dict]:
    from airflow.models.asset import AssetEvent
    from airflow.utils.session import create_session

    with create_session() as session:
        return [{"uri": e.asset.uri, "extra": dict(e.extra or {}), "run_id": e.source_run_id}
                for e in session.query(AssetEvent).order_by(AssetEvent.id).all()
                if e.asset.uri.startswith(uri_prefix)]
