"""The processes a local Airflow starts (scripts/airflow.sh, the scheduler tests, the benchmarks) are
stopped with everything they started: no worker outlives `stop`."""

from __future__ import annotations

import os
import sys
import time

from gtfs_pipeline.localairflow import Processes, _pgid, _pids

# A leader that exits on SIGTERM and leaves a worker that ignores it, as `airflow api-server` leaves
# its uvicorn workers: the worker must not survive stop_all.
LEADER = """
import signal, subprocess, sys, time
subprocess.Popen([sys.executable, "-c",
                  "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"])
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
time.sleep(600)
"""


def group_members(pgid: int) -> list[int]:
    return [pid for pid in _pids() if _pgid(pid) == pgid]


def test_stop_all_stops_the_workers_a_leader_leaves_behind(tmp_path):
    procs = Processes(tmp_path)
    leader = procs.start("server", [sys.executable, "-c", LEADER], env=dict(os.environ))
    deadline = time.monotonic() + 30
    while b"ready" not in (tmp_path / "logs" / "server.log").read_bytes():  # the worker ignores SIGTERM
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.05)
    assert len(group_members(leader.pid)) == 2
    assert procs.stop_all(timeout=2) == ["server"]
    assert group_members(leader.pid) == []
    assert not (tmp_path / "pids.json").exists()
