"""docker-compose.yml and the Dockerfile, checked by parsing (there is no Docker engine here)
against what the code expects: connection id, archive and registry paths, pool, mounts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gtfs_pipeline import pipeline
from gtfs_pipeline.registry import REGISTRY_ENV

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
AIRFLOW = ["airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-worker"]


def test_services_images_and_profiles():
    assert set(SERVICES) == {"postgres", "gtfs-db", *AIRFLOW, "redis"}
    assert SERVICES["gtfs-db"]["image"].startswith("postgis/postgis:")
    assert SERVICES["postgres"]["image"].startswith("postgres:")
    for name in AIRFLOW:
        assert SERVICES[name]["build"] == "." and SERVICES[name]["image"].endswith(":3.3.2")
    assert SERVICES["airflow-apiserver"]["command"] == "api-server"
    assert SERVICES["airflow-scheduler"]["command"] == "scheduler"
    assert SERVICES["airflow-dag-processor"]["command"] == "dag-processor"
    assert SERVICES["redis"]["profiles"] == ["celery"] and SERVICES["airflow-worker"]["profiles"] == ["celery"]
    assert "celery worker" in SERVICES["airflow-worker"]["command"]
    init = "\n".join(SERVICES["airflow-init"]["command"])
    assert "airflow db migrate" in init and f"airflow pools set {pipeline.POOL} " in init and "init-db" in init


def test_dockerfile_builds_from_airflow_33_and_installs_requirements():
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^FROM apache/airflow:3\.3\.\d+\s*$", text, re.M)
    assert "pip install --no-cache-dir -r /opt/gtfs/requirements.txt" in text
    assert "COPY requirements.txt" in text and (REPO / "requirements.txt").exists()


def test_environment_matches_what_the_code_reads():
    for name in AIRFLOW:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"].startswith("${AIRFLOW__CORE__EXECUTOR:-LocalExecutor}")
        conn = env[f"AIRFLOW_CONN_{pipeline.CONN_ID.upper()}"]
        assert re.match(r"postgresql://gtfs:[^@]+@gtfs-db:5432/gtfs$", conn)
        assert env[pipeline.ARCHIVE_ENV] == "file:///opt/airflow/archive"
        assert env[REGISTRY_ENV] == "/opt/airflow/include/feeds.yml"
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    gtfs_env = SERVICES["gtfs-db"]["environment"]
    assert gtfs_env["POSTGRES_DB"] == "gtfs" and gtfs_env["POSTGRES_USER"] == "gtfs"


def test_mounts_cover_dags_plugins_include_and_the_archive():
    for name in AIRFLOW:
        mounts = dict(v.split(":", 1) for v in SERVICES[name]["volumes"])
        assert mounts["./dags"] == "/opt/airflow/dags" and (REPO / "dags" / "gtfs_feeds.py").exists()
        assert mounts["./plugins"] == "/opt/airflow/plugins" and (REPO / "plugins" / "gtfs_pipeline").is_dir()
        assert mounts["./include"] == "/opt/airflow/include" and (REPO / "include" / "feeds.yml").exists()
        assert mounts["./data/archive"] == "/opt/airflow/archive"
        # the library finds its SQL next to the mounted plugins: /opt/airflow/include/sql
        assert (REPO / "include" / "sql" / "migrations").is_dir()
