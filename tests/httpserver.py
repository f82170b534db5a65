"""A real HTTP server on 127.0.0.1 (http.server in a thread) that serves feeds to the tests.

Each path serves bytes with an ETag and Last-Modified and honours
If-None-Match / If-Modified-Since, unless told to ignore them (like many
agency servers). Every request is recorded, headers included, so tests can
check what the client sent (and what it did not).

    with FeedServer() as srv:
        srv.serve("/bart.zip", zip_bytes)
        srv.url("/bart.zip")
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/zip"
    etag: str | None = None
    last_modified: str | None = None
    conditional: bool = True  # honour If-None-Match / If-Modified-Since
    redirect_to: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    declared_length: int | None = None  # lie about Content-Length (truncated body)
    fail_first: int = 0  # answer the first N requests with fail_status, then serve normally
    fail_status: int = 503
    hang: bool = False  # accept the request and never answer (until the server stops)
    drip: float | None = None  # send the body 16 bytes at a time, this many seconds apart
    chunked: bool = False  # Transfer-Encoding: chunked (no Content-Length)
    reason: str | None = None  # the status line's reason phrase (default: the standard one)
    raw_content_length: str | None = None  # send this Content-Length header text verbatim ("-5", "abc")
    delay: float | None = None  # wait this many seconds before answering (requests overlap: see max_in_flight)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    line: str = ""  # the request line as received ("GET /f.zip?x=1 HTTP/1.1")


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.bytes_sent: dict[str, int] = {}  # body bytes written per path (drip routes)
        self.in_flight = 0  # requests being answered now
        self.max_in_flight = 0  # the most answered at the same time (concurrency limits of a client)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._get()
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _get(self) -> None:
                with server._lock:
                    server.requests.append(Request(self.path, dict(self.headers.items()), self.requestline))
                    route = server.routes.get(self.path.split("?")[0])
                    failing = route is not None and route.fail_first > 0
                    if failing:
                        route.fail_first -= 1
                if route is None:
                    return self._send(404, b"<html><body>Not found</body></html>", "text/html")
                if failing:
                    return self._send(route.fail_status, b"busy, try later", "text/plain")
                if route.delay:
                    server._stopping.wait(route.delay)
                if route.hang:
                    server._stopping.wait(60)
                    self.close_connection = True
                    return None
                if route.drip is not None:
                    return self._drip(route)
                if route.chunked:
                    return self._chunked(route)
                if route.redirect_to:
                    self.send_response(302)
                    self.send_header("Location", route.redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if route.status == 200 and route.conditional and self._not_modified(route):
                    self.send_response(304)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                return self._send(route.status, route.body, route.content_type, extra, route.declared_length,
                                  route.reason, route.raw_content_length)

            def _not_modified(self, route: Route) -> bool:
                inm = self.headers.get("If-None-Match")
                if inm is not None and route.etag:
                    return inm == route.etag
                ims = self.headers.get("If-Modified-Since")
                return ims is not None and route.last_modified is not None and ims == route.last_modified

            def _chunked(self, route: Route) -> None:
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Transfer-Encoding", "chunked")
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                for i in range(0, len(route.body), 1000):
                    part = route.body[i:i + 1000]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")

            def _drip(self, route: Route) -> None:
                path = self.path.split("?")[0]
                self.send_response(200)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.close_connection = True
                for i in range(0, len(route.body), 16):
                    if server._stopping.wait(route.drip):
                        return
                    try:
                        self.wfile.write(route.body[i:i + 16])
                        self.wfile.flush()
                    except OSError:  # the client gave up
                        return
                    with server._lock:
                        server.bytes_sent[path] = server.bytes_sent.get(path, 0) + 16

            def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None,
                      declared: int | None = None, reason: str | None = None,
                      raw_length: str | None = None) -> None:
                self.send_response(status, reason)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length",
                                 raw_length or str(declared if declared is not None else len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if raw_length is not None or (declared is not None and declared != len(body)):
                    self.close_connection = True

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- set-up ---
    def serve(self, path: str, body: bytes, *, conditional: bool = True, etag: str | None = "auto",
              last_modified: str | None = "auto", **kw) -> Route:
        """Serve ``body`` at ``path``; ETag defaults to the body's hash, Last-Modified to a fixed
        date per body (so a new body looks modified)."""
        digest = hashlib.sha256(body).hexdigest()
        if etag == "auto":
            etag = f'"{digest[:16]}"'
        if last_modified == "auto":
            last_modified = formatdate(1_600_000_000 + int(digest[:6], 16), usegmt=True)
        route = Route(body=body, conditional=conditional, etag=etag, last_modified=last_modified, **kw)
        with self._lock:
            self.routes[path] = route
        return route

    def redirect(self, path: str, to: str) -> None:
        with self._lock:
            self.routes[path] = Route(redirect_to=to)

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    # --- life ---
    def start(self) -> "FeedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FeedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
