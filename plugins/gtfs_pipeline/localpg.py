"""A throwaway local PostgreSQL + PostGIS cluster for the demo, the tests and the benchmarks.

Production uses whatever server ``GTFS_DATABASE_URL`` names; this module only
exists so that a fresh machine can run everything without a database admin.
initdb and pg_ctl refuse to run as root, so as root they run as ``postgres``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import settings as _settings

DEFAULT_BINDIR = _settings.current().pg_bindir  # GTFS_PG_BINDIR


class LocalClusterError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_cluster_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class LocalCluster:
    datadir: Path
    port: int
    bindir: Path = DEFAULT_BINDIR
    dbname: str = "gtfs"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def _run(self, *cmd: str) -> None:
        proc = subprocess.run(_as_cluster_owner(list(cmd)), capture_output=True, text=True)
        if proc.returncode != 0:
            raise LocalClusterError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")

    def init(self) -> None:
        if not (self.bindir / "initdb").exists():
            raise LocalClusterError(
                f"PostgreSQL server binaries not found in {self.bindir}; "
                "install postgresql-15 and postgresql-15-postgis-3 (see README)"
            )
        self.datadir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.datadir, "postgres", "postgres")
            self.datadir.chmod(0o700)
            # The postgres user must be able to reach the folder (pytest's temp
            # folders are private to root).
            for parent in self.datadir.resolve().parents:
                mode = parent.stat().st_mode
                if not mode & 0o001:
                    parent.chmod(mode | 0o001)
        if not (self.datadir / "PG_VERSION").exists():
            self._run(str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", "postgres",
                      "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C")

    def start(self) -> None:
        log = self.datadir / "server.log"
        opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_wal_size=4GB -c maintenance_work_mem=512MB -c work_mem=64MB "
                "-c shared_buffers=512MB")
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l", str(log), "-w",
                  "start", "-o", opts)
        self._create_database()

    def _create_database(self) -> None:
        import psycopg2

        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres",
                                        dbname="postgres")
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{self.dbname}"')
        conn.close()
        conn = psycopg2.connect(self.dsn)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.close()

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")


def start_cluster(datadir: Path, port: int | None = None) -> LocalCluster:
    """Create (if needed) and start a cluster in ``datadir``; returns it with its DSN."""
    cluster = LocalCluster(Path(datadir).resolve(), port or _free_port())
    cluster.init()
    cluster.start()
    return cluster


def main(argv: list[str] | None = None) -> int:
    """``python -m gtfs_pipeline.localpg start|stop DIR [--port N]``: prints the DSN."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m gtfs_pipeline.localpg")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("datadir", type=Path)
    parser.add_argument("--port", type=int)
    args = parser.parse_args(argv)
    if args.action == "start":
        cluster = start_cluster(args.datadir, args.port)
        (args.datadir / "dsn").write_text(cluster.dsn + "\n")
        print(cluster.dsn)
    else:
        pid_file = args.datadir / "postmaster.pid"
        if pid_file.exists():
            port = int(pid_file.read_text().splitlines()[3])
            LocalCluster(args.datadir.resolve(), port).stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
