"""docker-compose.yml and the Dockerfile, checked by parsing (there is no Docker engine here)
against what the code expects: connection id, archive and registry paths, pool, mounts."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from gtfs_pipeline import pipeline, pools
from gtfs_pipeline.settings import Settings
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
    assert "airflow db migrate" in init and f"airflow pools set {Settings.from_environ({}).db_pool} " in init and "init-db" in init


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
        assert env[pipeline.ARCHIVE_ENV] == "${GTFS_ARCHIVE_URL:-file:///opt/airflow/archive}"
        assert env[pipeline.ARCHIVE_CONN_ENV] == "${GTFS_ARCHIVE_CONN_ID:-}"
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
        # the image's installed package carries its own SQL (tests/test_install.py builds and runs that
        # layout); the mounted include/ holds the registry
        assert (REPO / "include" / "sql" / "migrations").is_dir()


def test_celery_profile_workers_share_only_the_database_and_the_archive():
    """The Celery profile: a broker, a result backend in Airflow's database, and workers that run
    tasks with the same GTFS connection and archive URL as the scheduler; nothing else is shared."""
    worker, redis = SERVICES["airflow-worker"], SERVICES["redis"]
    assert redis["image"].startswith("redis:") and "redis-cli" in redis["healthcheck"]["test"]
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])
    env = worker["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://airflow:airflow@postgres/")
    assert int(env["AIRFLOW__CELERY__WORKER_CONCURRENCY"]) >= 1
    scheduler = SERVICES["airflow-scheduler"]["environment"]
    for key in (f"AIRFLOW_CONN_{pipeline.CONN_ID.upper()}", pipeline.ARCHIVE_ENV, pipeline.ARCHIVE_CONN_ENV,
                "AIRFLOW__CORE__EXECUTOR", "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
                "AIRFLOW__CELERY__BROKER_URL", "AIRFLOW__API_AUTH__JWT_SECRET", "GTFS_DB_POOL"):
        assert env[key] == scheduler[key], key
    # the provider and the Redis client are in the image (requirements.txt, pinned in constraints.txt)
    reqs = (REPO / "requirements.txt").read_text().split()
    pins = dict(line.split("==") for line in (REPO / "constraints.txt").read_text().split() if "==" in line)
    for name in ("apache-airflow-providers-celery", "redis", "celery"):
        assert name in pins, name
    assert "apache-airflow-providers-celery" in reqs and "redis" in reqs


def test_scheduler_reacts_within_a_second():
    """Heartbeats of 1 s instead of 5 s (what bench/airflow_bench.py measured)."""
    for name in AIRFLOW:
        env = SERVICES[name]["environment"]
        assert env["AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC"] == "1"
        assert float(env["AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME"]) <= 1


def test_tasks_wait_30_s_for_the_execution_api():
    """The default 5 s made the first tasks fail with httpx.ReadTimeout under load (docs/dag.md)."""
    for name in AIRFLOW:
        assert SERVICES[name]["environment"]["AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT"] == "30"
    init = "\n".join(SERVICES["airflow-init"]["command"])
    assert pools.create_command(Settings.from_environ({}).db_pool) in init  # the line the first task prints when it is missing


def test_published_ports_bind_the_hosts_loopback_only():
    """Every visitor of the API server is admin and the database password has a default: neither may
    listen on the host's other interfaces."""
    published = {name: service.get("ports", []) for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"gtfs-db": ["127.0.0.1:54329:5432"], "airflow-apiserver": ["127.0.0.1:8080:8080"]}
