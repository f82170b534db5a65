"""An S3-compatible server on 127.0.0.1 for the tests: moto's standalone server in its own process.

Run as a script it serves moto's app the way ``python -m moto.server -H 127.0.0.1 -p PORT`` does,
with one addition the tests read: every GET of an object is recorded (key, Range header, bytes
sent) and listed as JSON at ``/_gtfs_test/gets``, so a test can check that nothing downloaded a
whole archived zip. Imported, :class:`S3Server` starts and stops that process, makes the bucket
and gives the Airflow connection (``aws`` type, endpoint_url pointing at the server) the DAG's
tasks use through ``GTFS_ARCHIVE_CONN_ID``.

    python tests/s3server.py --port 45123
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

GETS_PATH = "/_gtfs_test/gets"
REGION = "us-east-1"
# Made-up credentials: moto accepts any. Tests check the secret never reaches a log, XCom or a database.
ACCESS_KEY = "AKIAGTFSTESTKEY00001"
SECRET_KEY = "gtfsTestSecret/DoNotLog+8cJ2v0wQeRkXz"


class RecordGets:
    """WSGI middleware: notes each GET of an object and how many body bytes went back."""

    def __init__(self, app) -> None:
        self.app = app
        self.gets: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == GETS_PATH:
            with self.lock:
                body = json.dumps(self.gets).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ.get("REQUEST_METHOD") != "GET" or path.startswith("/moto-api") or path.count("/") < 2:
            return self.app(environ, start_response)  # not an object GET (a listing, an upload, ...)
        entry = {"key": path.lstrip("/"), "range": environ.get("HTTP_RANGE"), "bytes": 0, "status": None}

        def recording_start(status, headers, exc_info=None):
            entry["status"] = int(status.split()[0])
            return start_response(status, headers, exc_info)

        def body():
            try:
                for chunk in self.app(environ, recording_start):
                    entry["bytes"] += len(chunk)
                    yield chunk
            finally:
                with self.lock:
                    self.gets.append(entry)

        return body()


def serve(port: int) -> None:
    import signal

    from werkzeug.serving import run_simple

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    os.environ.setdefault("MOTO_PORT", str(port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, RecordGets(app), threaded=True, request_handler=MotoRequestHandler)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class S3Server:
    """The server in a child process, a bucket in it, and how Airflow reaches it."""

    def __init__(self, log: Path, bucket: str = "gtfs-archive") -> None:
        self.log = log
        self.bucket = bucket
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "S3Server":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([sys.executable, __file__, "--port", str(self.port)], stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                self.gets()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError(f"the S3 server did not start: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY)

    def gets(self, key: str | None = None) -> list[dict]:
        """The object GETs so far ({key, range, bytes, status}), of one key if given ("bucket/key")."""
        with urllib.request.urlopen(self.endpoint + GETS_PATH, timeout=5) as resp:
            gets = json.loads(resp.read())
        return [g for g in gets if key is None or g["key"] == key]

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def airflow_connection(self) -> str:
        """The archive's Airflow connection as AIRFLOW_CONN_<ID> holds it (JSON form): an ``aws``
        connection with the keys as login/password and the endpoint in the extra."""
        return json.dumps({"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                           "extra": {"region_name": REGION, "endpoint_url": self.endpoint}})


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, required=True)
    serve(ap.parse_args().port)
