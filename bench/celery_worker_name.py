"""`[core] hostname_callable` for the benchmark's Celery workers.

Two workers on one machine share a host name, so the task instances' `hostname`
could not tell them apart. bench/airflow_bench.py starts each worker with
GTFS_BENCH_WORKER_NAME set and AIRFLOW__CORE__HOSTNAME_CALLABLE pointing here
(bench/ on PYTHONPATH); on separate machines the default (socket.getfqdn) does this.
"""

from __future__ import annotations

import os
import socket


def hostname() -> str:
    return os.environ.get("GTFS_BENCH_WORKER_NAME") or socket.getfqdn()
