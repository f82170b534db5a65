"""Airflow's own API server app (with this project's plugin) served by uvicorn on 127.0.0.1, with
simple-auth-manager users, for the plugin's tests (auth, index, browser)."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import pytest
import requests

from airflow_support import airflow_metadb  # noqa: F401

PASSWORDS = {"ana": secrets.token_urlsafe(16), "rolf": secrets.token_urlsafe(16)}
# ana: a viewer (the simple auth manager's VIEWER role may GET every DAG);
# rolf: a user without a role (the simple auth manager grants him nothing: no DAG access).
USERS = "ana:viewer,rolf:"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ApiServer:
    base: str

    def token(self, user: str) -> str:
        resp = requests.post(f"{self.base}/auth/token", json={"username": user, "password": PASSWORDS[user]},
                             timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.json()["access_token"]

    def get(self, path: str, user: str | None = None, **kw) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token(user)}"} if user else {}
        return requests.get(f"{self.base}{path}", headers=headers, timeout=60, **kw)


@contextmanager
def serving_api(tmp_path, mp: pytest.MonkeyPatch) -> Iterator[ApiServer]:
    """The API server on a free loopback port; the plugin reads the gtfs database of
    AIRFLOW_CONN_GTFS_DB (set it before)."""
    import uvicorn

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps(PASSWORDS))
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", USERS)
    mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
    mp.setenv("AIRFLOW__API__BASE_URL", base)
    mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_hex(32))
    from airflow.api_fastapi.app import create_app, purge_cached_app

    purge_cached_app()
    app = create_app()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API server did not start"
        time.sleep(0.1)
    try:
        yield ApiServer(base)
    finally:
        server.should_exit = True
        thread.join(30)
        purge_cached_app()


@pytest.fixture
def api_server(airflow_metadb, monkeypatch, tmp_path):
    with serving_api(tmp_path, monkeypatch) as api:
        yield api


@pytest.fixture(scope="module")
def module_dsn(pg_server, template_db):
    """A gtfs database for a whole test module (cloned from the template like ``dsn``)."""
    import uuid

    import psycopg2

    name = f"gtfs_t_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name} TEMPLATE {template_db}")
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


@pytest.fixture(scope="module")
def module_mp():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def module_api(airflow_metadb, module_dsn, module_mp, tmp_path_factory):
    """One API server for a whole test module, reading ``module_dsn``."""
    module_mp.setenv("AIRFLOW_CONN_GTFS_DB", module_dsn)
    with serving_api(tmp_path_factory.mktemp("api"), module_mp) as api:
        yield api
