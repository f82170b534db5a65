"""One gtfs_feeds run on the CeleryExecutor with two workers, as bench/airflow_bench.py starts it:
Redis (Debian's redis-server), scheduler, dag-processor, api-server, and two `airflow celery
worker` processes, each with its own working directory, AIRFLOW_HOME and TMPDIR. The feed's load
tasks must land on both workers, so no task can have relied on a file another one left on its
local disk: the archive (object storage URL) and the database are all they share.

Takes about 1.5 minutes (Airflow's start-up is most of it). Skipped when redis-server or the
Celery provider is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed (Debian: apt-get install -y redis-server)"),
    pytest.mark.skipif(importlib.util.find_spec("airflow.providers.celery") is None,
                       reason="apache-airflow-providers-celery is not installed (requirements.txt)"),
]


def test_one_run_on_two_celery_workers(tmp_path):
    feed = tmp_path / "feeds" / "tiny.zip"
    feed.parent.mkdir()
    subprocess.run([sys.executable, str(REPO / "bench" / "generate_feed.py"), str(feed), "--stop-times", "20000",
                    "--seed", "3"], check=True, capture_output=True)
    out = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "GTFS_"))}
    env["GTFS_BENCH_FEEDS"] = str(tmp_path / "feeds")
    # One task slot per worker and two pool slots: whenever two load tasks run at once, they run
    # on different workers.
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "airflow_bench.py"), "--main", str(feed), "--extra", "",
         "--executor", "celery", "--workers", "2", "--worker-concurrency", "1", "--pool-slots", "2",
         "--no-raw", "--no-cli", "--no-all-feeds-run", "--timeout", "600", "--json", str(out)],
        env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    report = json.loads(out.read_text())
    (run,) = report["dag_runs"]
    assert run["state"] == "success"
    assert run["load_tasks"] == 11  # one per file of the generated feed
    assert set(run["load_tasks_by_host"]) == {"worker1", "worker2"}, run["load_tasks_by_host"]
    assert run["pool_respected"] and run["max_concurrent_pool_tasks"] <= 2
    assert run["other_runs_meanwhile"] == 0
