"""A local Airflow 3 as a user runs it without Docker, everything on 127.0.0.1.

One place for what scripts/airflow.sh, bench/airflow_bench.py and the scheduler tests start:
Airflow's metadata database migrated, the ``gtfs_db`` pool (and, if given, the ``gtfs_db``
connection), then ``airflow api-server``, ``airflow dag-processor`` and ``airflow scheduler``
(LocalExecutor by default; CeleryExecutor with workers started by :meth:`LocalAirflow.start_worker`).

Loopback only: the API server listens on 127.0.0.1; the scheduler and Celery workers run with
``--skip-serve-logs``, because Airflow's log server always listens on every address (0.0.0.0 /
[::], port 8793). With the LocalExecutor the API server reads task logs from the shared
``$AIRFLOW_HOME/logs`` folder, so the UI still shows them.

Each process runs in its own session; its pid (and start time, so a reused pid is never signalled)
is recorded in ``<state>/pids.json``, so ``python -m gtfs_pipeline.localairflow stop --state DIR``
from another shell ends exactly what ``start`` started.

    python -m gtfs_pipeline.localairflow start --state DIR --meta-url URL --dags DIR --plugins DIR
        [--api-port 8080] [--pool-slots 4] [--conn-uri postgresql://...] [--env NAME=VALUE ...]
    python -m gtfs_pipeline.localairflow status --state DIR
    python -m gtfs_pipeline.localairflow stop --state DIR
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import pools

DAG_ID = "gtfs_feeds"
POOL = "gtfs_db"
CONN_ID = "gtfs_db"

# A small machine that should react quickly: the defaults (5 s heartbeats) suit a busy cluster
# (docs/dag.md, "Scheduler settings"; bench/airflow_bench.py measures both).
FAST_SETTINGS = {
    "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
    "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
    "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
    "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
    "AIRFLOW__CELERY__SYNC_PARALLELISM": "1",
    "AIRFLOW__CELERY__OPERATION_TIMEOUT": "5",
}
# The task runner's calls to the Execution API time out after 5 s by default: on a loaded machine
# the first tasks of a run then fail with httpx.ReadTimeout and an empty log.
EXECUTION_API_TIMEOUT = "30"


class LocalAirflowError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def airflow_command() -> list[str]:
    """`airflow` of this interpreter's environment (python -m airflow when no script is there)."""
    script = Path(sys.executable).parent / "airflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "airflow"]


def _start_ticks(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _pgid(pid: int) -> int | None:
    """The process group of a live process; None when it is gone or a zombie."""
    try:
        state, _ppid, pgrp = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:3]
    except (OSError, ValueError):
        return None
    return None if state == "Z" else int(pgrp)

@dataclass
class Processes:
    """Processes started in their own sessions, each with a log file, recorded in pids.json."""

    state: Path
    popens: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def logdir(self) -> Path:
        return self.state / "logs"

    @property
    def record(self) -> Path:
        return self.state / "pids.json"

    def recorded(self) -> dict[str, dict]:
        return json.loads(self.record.read_text()) if self.record.exists() else {}

    def start(self, name: str, cmd: list[str], env: dict, cwd: Path | None = None) -> subprocess.Popen:
        self.logdir.mkdir(parents=True, exist_ok=True)
        with open(self.logdir / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        self.popens[name] = proc
        rec = self.recorded()
        rec[name] = {"pid": proc.pid, "ticks": _start_ticks(proc.pid), "cmd": cmd[:4]}
        self.record.write_text(json.dumps(rec, indent=1))
        return proc

    def _group_alive(self, name: str, pgid: int) -> bool:
        """Whether any process of the group started as `name` still runs (its reaped leader's
        group id is still that of its workers)."""
        if name in self.popens:
            self.popens[name].poll()  # reap the leader, so a zombie does not count
        return any(_pgid(pid) == pgid for pid in _pids())

    def alive(self, name: str) -> bool:
        entry = self.recorded().get(name)
        if not entry:
            return False
        if name in self.popens:
            return self.popens[name].poll() is None
        return entry["ticks"] is not None and _start_ticks(entry["pid"]) == entry["ticks"]

    def check(self) -> None:
        """Raise with the log's tail if a process this object started has exited."""
        for name, proc in self.popens.items():
            if proc.poll() is not None:
                tail = (self.logdir / f"{name}.log").read_text(errors="replace")[-3000:]
                raise LocalAirflowError(f"{name} exited with {proc.returncode}:\n{tail}")

    def stop_all(self, timeout: float = 30) -> list[str]:
        """SIGTERM each recorded process group, latest first; SIGKILL what outlives the timeout.

        The whole group is waited for, not only its leader: `airflow api-server` leaves its uvicorn
        workers behind when it exits first, and they would keep the port."""
        stopped = []
        for name, entry in reversed(list(self.recorded().items())):
            pid = entry["pid"]
            if _start_ticks(pid) != entry["ticks"] or entry["ticks"] is None:
                if not self._group_alive(name, pid):
                    continue  # gone (or the pid now belongs to another process)
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            deadline = time.monotonic() + timeout
            while self._group_alive(name, pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if self._group_alive(name, pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                # SIGKILL is delivered asynchronously: a busy machine shows the process for a
                # moment after killpg returns, and its port is free only once it is gone.
                deadline = time.monotonic() + 10
                while self._group_alive(name, pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
            stopped.append(name)
        for proc in self.popens.values():
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.popens.clear()
        self.record.unlink(missing_ok=True)
        return stopped


@dataclass
class LocalAirflow:
    """Airflow's configuration for one local installation, and the processes it runs."""

    state: Path                      # AIRFLOW_HOME, logs, pids.json
    meta_url: str                    # SQLAlchemy URL of the metadata DB (PostgreSQL)
    dags_folder: Path
    plugins_folder: Path
    executor: str = "LocalExecutor"
    parallelism: int = 4
    api_port: int = 0
    fast: bool = True
    extra_env: dict[str, str] = field(default_factory=dict)
    base_env: dict[str, str] | None = None
    procs: Processes | None = None   # default: Processes(state)

    def __post_init__(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.api_port = self.api_port or free_port()
        self.procs = self.procs or Processes(self.state)
        self.env = self._env()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def _env(self) -> dict[str, str]:
        base = dict(os.environ if self.base_env is None else self.base_env)
        env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW")}
        secret_file = self.state / "jwt-secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(32))
            secret_file.chmod(0o600)
        env.update({
            "AIRFLOW_HOME": str(self.state),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.plugins_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": self.executor,
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": self.meta_url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.api_url}/execution/",
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": EXECUTION_API_TIMEOUT,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API__BASE_URL": self.api_url,
            "AIRFLOW__API_AUTH__JWT_SECRET": secret_file.read_text().strip(),
            # Local sign-in without users: everyone is admin (never expose this server).
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        })
        if self.fast:
            env.update(FAST_SETTINGS)
        env.update(self.extra_env)
        return env

    def write_env_file(self) -> Path:
        """<state>/env.sh: `source` it to run `airflow ...` against this installation (the settings live
        in the environment, not in an airflow.cfg). Holds the JWT secret: readable by its owner only."""
        import shlex

        path = self.state / "env.sh"
        keys = sorted(k for k in self.env if k.startswith(("AIRFLOW", "GTFS_")))
        path.write_text("".join(f"export {k}={shlex.quote(self.env[k])}\n" for k in keys))
        path.chmod(0o600)
        return path

    # --- one-off commands ----------------------------------------------------------------------

    def airflow(self, *argv: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run([*airflow_command(), *argv], env=env or self.env, capture_output=True, text=True,
                              cwd=self.state, stdin=subprocess.DEVNULL)
        if check and proc.returncode:
            raise LocalAirflowError(f"airflow {' '.join(argv[:3])} failed:\n{proc.stdout[-2000:]}\n"
                                    f"{proc.stderr[-3000:]}")
        return proc

    def prepare(self, *, pool_slots: int = pools.DEFAULT_SLOTS, conn_uri: str | None = None) -> None:
        """The metadata DB, the pool, and (when given) the gtfs_db connection in the metadata DB."""
        self.airflow("db", "migrate")
        self.airflow("pools", "set", POOL, str(pool_slots), pools.DESCRIPTION)
        if conn_uri:
            self.airflow("connections", "delete", CONN_ID, check=False)
            self.airflow("connections", "add", CONN_ID, "--conn-uri", conn_uri)

    # --- services ------------------------------------------------------------------------------

    def start(self) -> None:
        """api-server, dag-processor, scheduler (serve-logs off: it would listen on 0.0.0.0)."""
        af = airflow_command()
        self.procs.start("api-server", [*af, "api-server"], self.env, self.state)
        self.procs.start("dag-processor", [*af, "dag-processor"], self.env, self.state)
        self.procs.start("scheduler", [*af, "scheduler", "--skip-serve-logs"], self.env, self.state)

    def start_redis(self, port: int) -> None:
        redis = shutil.which("redis-server")
        if not redis:
            raise LocalAirflowError("redis-server is not installed: apt-get install -y redis-server")
        rdir = self.state / "redis"
        rdir.mkdir(exist_ok=True)
        self.procs.start("redis", [redis, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(rdir),
                                   "--save", "", "--appendonly", "no"], self.env, rdir)

    def start_worker(self, name: str, workdir: Path, *, concurrency: int = 2,
                     extra_env: dict[str, str] | None = None) -> None:
        """A Celery worker as on another machine: its own working dir, AIRFLOW_HOME and TMPDIR."""
        (workdir / "tmp").mkdir(parents=True, exist_ok=True)
        (workdir / "home").mkdir(exist_ok=True)
        env = {**self.env, "AIRFLOW_HOME": str(workdir / "home"), "TMPDIR": str(workdir / "tmp"),
               **(extra_env or {})}
        self.procs.start(name, [*airflow_command(), "celery", "worker", "--concurrency", str(concurrency),
                                "--celery-hostname", f"{name}@%h", "--skip-serve-logs"], env, workdir)

    def stop(self) -> list[str]:
        return self.procs.stop_all()

    # --- waiting and asking the metadata DB ----------------------------------------------------

    def meta(self):
        import psycopg2

        return psycopg2.connect(self.meta_url.replace("postgresql+psycopg2://", "postgresql://"))

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        conn = self.meta()
        try:
            with conn.cursor() as cur:
                cur.execute(sql, args)
                return cur.fetchall()
        finally:
            conn.close()

    def wait_ready(self, dag_id: str = DAG_ID, timeout: float = 240) -> None:
        """Until the API server answers and the DAG is parsed into the metadata DB."""
        import psycopg2

        deadline = time.monotonic() + timeout
        while True:
            self.procs.check()
            api = parsed = False
            try:
                with socket.create_connection(("127.0.0.1", self.api_port), timeout=1):
                    api = True
                parsed = bool(self._query("SELECT 1 FROM serialized_dag WHERE dag_id = %s", (dag_id,)))
            except (OSError, psycopg2.Error):
                pass
            if api and parsed:
                return
            if time.monotonic() > deadline:
                raise LocalAirflowError(f"Airflow did not come up in {timeout:.0f} s (logs: {self.procs.logdir})")
            time.sleep(1)

    def wait_idle(self, dag_id: str = DAG_ID, timeout: float = 120) -> None:
        """Until no run of the DAG is queued or running (e.g. the scheduled run unpausing starts)."""
        time.sleep(3)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._query("SELECT 1 FROM dag_run WHERE dag_id = %s AND state IN ('queued', 'running')",
                               (dag_id,)):
                return
            time.sleep(1)

    def trigger(self, conf: dict, run_id: str, dag_id: str = DAG_ID) -> None:
        self.airflow("dags", "trigger", dag_id, "--conf", json.dumps(conf), "--run-id", run_id)

    def wait_run(self, run_id: str, timeout: float, dag_id: str = DAG_ID) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.procs.check()
            row = self._query("SELECT state FROM dag_run WHERE dag_id = %s AND run_id = %s", (dag_id, run_id))
            if row and row[0][0] in ("success", "failed"):
                return row[0][0]
            time.sleep(1)
        raise LocalAirflowError(f"run {run_id} did not finish in {timeout:.0f} s (logs: {self.procs.logdir})")

    def task_instances(self, run_id: str, dag_id: str = DAG_ID) -> list[dict]:
        rows = self._query(
            "SELECT id::text, task_id, map_index, rendered_map_index, state, queued_dttm, start_date, end_date,"
            " hostname, pool, try_number FROM task_instance WHERE dag_id = %s AND run_id = %s"
            " ORDER BY start_date NULLS LAST", (dag_id, run_id))
        cols = ["id", "task_id", "map_index", "rendered_map_index", "state", "queued_dttm", "start_date",
                "end_date", "hostname", "pool", "try_number"]
        return [dict(zip(cols, r)) for r in rows]


# --- command line (scripts/airflow.sh) ---------------------------------------------------------

def _saved(state: Path) -> dict:
    path = state / "localairflow.json"
    if not path.exists():
        raise LocalAirflowError(f"nothing was started with --state {state}")
    return json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gtfs_pipeline.localairflow", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    start = sub.add_parser("start")
    for name in ("status", "stop"):
        sub.add_parser(name).add_argument("--state", type=Path, required=True)
    start.add_argument("--state", type=Path, required=True)
    start.add_argument("--meta-url", required=True)
    start.add_argument("--dags", type=Path, required=True)
    start.add_argument("--plugins", type=Path, required=True)
    start.add_argument("--api-port", type=int, default=8080)
    start.add_argument("--parallelism", type=int, default=4)
    start.add_argument("--pool-slots", type=int, default=pools.DEFAULT_SLOTS)
    start.add_argument("--conn-uri", help="the gtfs_db connection, stored in the metadata DB")
    start.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                       help="more environment for every process (GTFS_FEEDS_REGISTRY, GTFS_ARCHIVE_URL, ...)")
    start.add_argument("--timeout", type=float, default=240)
    args = ap.parse_args(argv)
    state = args.state.resolve()
    try:
        if args.cmd == "start":
            running = [n for n in Processes(state).recorded() if Processes(state).alive(n)]
            if running:
                raise LocalAirflowError(f"already running ({', '.join(running)}): stop it first")
            extra = dict(kv.split("=", 1) for kv in args.env)
            af = LocalAirflow(state, args.meta_url, args.dags.resolve(), args.plugins.resolve(),
                              parallelism=args.parallelism, api_port=args.api_port, extra_env=extra)
            (state / "localairflow.json").write_text(json.dumps({"api_url": af.api_url}))
            af.write_env_file()
            af.prepare(pool_slots=args.pool_slots, conn_uri=args.conn_uri)
            af.start()
            try:
                af.wait_ready(timeout=args.timeout)
            except LocalAirflowError:
                af.stop()
                raise
            print(af.api_url)
        elif args.cmd == "status":
            procs = Processes(state)
            for name in procs.recorded():
                print(f"{name}: {'running' if procs.alive(name) else 'NOT RUNNING'}")
            print(f"UI: {_saved(state)['api_url']}" if (state / "localairflow.json").exists() else "not started")
            return 0 if procs.recorded() and all(procs.alive(n) for n in procs.recorded()) else 1
        else:
            stopped = Processes(state).stop_all()
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    except LocalAirflowError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
