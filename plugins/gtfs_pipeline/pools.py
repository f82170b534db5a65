"""Does the DAG's pool exist? Asked by the DAG's first task, so a missing pool fails a run at once.

Why: tasks in a pool that does not exist are never scheduled. Airflow leaves them "scheduled" for
ever and says so only in a scheduler log line; ``airflow dags test`` ignores pools, so nothing else
notices. A task cannot read pools through the Task SDK or the Execution API (neither has them), so
the check asks the API server's public REST API (``GET /api/v2/pools/{name}``), found from the
Execution API URL the task already talks to. The public API needs a token: one is available without
credentials when ``[core] simple_auth_manager_all_admins`` is on (the local setups:
scripts/airflow.sh, docker-compose.yml). Where it is not (a real auth manager), or where no API
server is configured (``airflow dags test``), the check cannot be made and is skipped with a log line;
scripts/airflow.sh, the compose init service and docs/dag.md create the pool there.
"""

from __future__ import annotations

import logging

from .errors import GtfsPipelineError

log = logging.getLogger(__name__)

DEFAULT_SLOTS = 4
DESCRIPTION = "database-heavy gtfs_feeds steps (load, finalize, geometry, validation)"
TIMEOUT = (5, 30)  # connect, read: seconds


class PoolMissing(GtfsPipelineError):
    """The DAG's pool does not exist: its tasks would wait for ever."""


def create_command(pool: str, slots: int = DEFAULT_SLOTS) -> str:
    return f'airflow pools set {pool} {slots} "{DESCRIPTION}"'


def api_base_url(execution_api_url: str) -> str:
    """http://host:port/execution/ -> http://host:port"""
    url = execution_api_url.rstrip("/")
    return url[: -len("/execution")] if url.endswith("/execution") else url


def configured_execution_api_url() -> str | None:
    """The Execution API URL only when it is set explicitly (a real API server runs there)."""
    try:
        from airflow.configuration import conf
    except ImportError:
        return None
    for section in ("core", "workers"):
        try:
            if conf.has_option(section, "execution_api_server_url") and \
                    conf.get(section, "execution_api_server_url", fallback=None):
                return conf.get(section, "execution_api_server_url")
        except Exception:  # noqa: BLE001 - an unknown section in this Airflow version
            continue
    return None


def check_pool(pool: str, execution_api_url: str | None = None) -> bool | None:
    """True if the pool exists; raises PoolMissing (one line, how to create it) if it does not;
    None if it cannot be checked here (logged)."""
    import requests

    url = execution_api_url or configured_execution_api_url()
    if not url:
        log.info("pool %s not checked: no API server configured (airflow dags test ignores pools)", pool)
        return None
    base = api_base_url(url)
    try:
        got = requests.get(f"{base}/auth/token", timeout=TIMEOUT)
        token = got.json().get("access_token") if got.status_code in (200, 201) else None
        if not token:
            log.info("pool %s not checked: the API server at %s gives no token without sign-in (HTTP %s)",
                     pool, base, got.status_code)
            return None
        answer = requests.get(f"{base}/api/v2/pools/{requests.utils.quote(pool, safe='')}",
                              headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    except (requests.RequestException, ValueError) as exc:
        log.info("pool %s not checked: the API server at %s did not answer (%s)", pool, base, type(exc).__name__)
        return None
    if answer.status_code == 404:
        raise PoolMissing(f"the Airflow pool {pool!r} does not exist, so this run's database tasks would never "
                          f"be scheduled; create it: {create_command(pool)}")
    if answer.status_code != 200:
        log.info("pool %s not checked: %s/api/v2/pools answered HTTP %s", pool, base, answer.status_code)
        return None
    return True
