"""Where a fetch may go, what of a URL may be shown, and which folder a given zip may come from.

Three rules, one place:

* **Redaction.** A URL is shown, logged and stored only as ``redact_url`` makes it:
  user-info becomes ``***@`` and every query value ``***`` (the names stay, so a reader
  still sees which parameters were sent). ``redact_urls_in`` does the same to every URL
  inside a text (an exception's message, say).
* **Addresses.** By default a fetch connects only to public addresses: not loopback,
  private, shared (CGNAT), link-local, multicast, unspecified or reserved ones. The check
  runs on the *resolved* address inside the connection itself (``PinnedAdapter``): the
  socket is opened to the very address that was checked, while the Host header, TLS SNI
  and certificate check keep the host name. A name that resolves to a public address when
  checked and to 127.0.0.1 a moment later (DNS rebinding) therefore never reaches
  127.0.0.1. A registry feed may allow private addresses (``allow_private_network: true``),
  the operator may allow them for every feed (``GTFS_FETCH_ALLOW_PRIVATE_NETWORK=1``).
* **Given files.** A zip named by path in the DAG's ``url`` param is read only from below
  the import folder ``GTFS_IMPORT_DIR`` (a local folder or an object-storage URL prefix);
  without one, paths are refused before anything is opened, so a refused path does not
  even tell whether the file exists.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from .errors import GtfsPipelineError

REDACTED = "***"
ALLOW_HINT = ("allow it with allow_private_network: true in the feed's registry entry, "
              "or for every feed with GTFS_FETCH_ALLOW_PRIVATE_NETWORK=1")
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


# --- redaction ----------------------------------------------------------------------------------

def redact_url(url: str) -> str:
    """``url`` with user-info replaced by ``***@`` and each query value by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _redact_unparsable(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        query = "&".join(_redact_pair(p) for p in query.split("&"))
    return urlunsplit(SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name, eq, value = pair.partition("=")
    return f"{name}={REDACTED}" if eq and value else pair


def _redact_unparsable(text: str) -> str:
    text = re.sub(r"(://)[^/@\s]*@", rf"\1{REDACTED}@", text)
    return re.sub(r"([?&][^=&#\s]+=)[^&#\s]+", rf"\1{REDACTED}", text)


def redact_urls_in(text: str) -> str:
    """Every URL in ``text`` redacted (see ``redact_url``)."""
    def one(match: re.Match) -> str:
        url = match.group(0)
        core = url.rstrip(":,.;)]")  # punctuation after a URL in a sentence is not part of it
        return redact_url(core) + url[len(core):]

    return _URL_IN_TEXT.sub(one, text)


def split_userinfo(url: str) -> tuple[str, tuple[str, str] | None]:
    """(the URL without user-info, (user, password) or None)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), (unquote(user), unquote(password))


def with_query(url: str, query: dict[str, str]) -> str:
    """``url`` with ``query`` appended to its own query string."""
    if not query:
        return url
    parts = urlsplit(url)
    extra = "&".join(f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in query.items())
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


# --- origins ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Origin:
    """scheme, host and port of a URL: where credentials may go."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: str) -> "Origin":
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or {"http": 80, "https": 443}.get(scheme, 0)
        return cls(scheme, (parts.hostname or "").lower(), port)

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


# --- addresses ----------------------------------------------------------------------------------

class AddressRefused(Exception):
    """A fetch would connect to an address the policy does not allow. Deliberately not an
    OSError: urllib3 retries and wraps those; this must reach the fetch unchanged."""

    def __init__(self, host: str, address: str, kind: str) -> None:
        self.host, self.address, self.kind = host, address, kind
        shown = host if host == address else f"{host} ({address})"
        super().__init__(f"{shown} is a {kind} address and fetches may not reach {kind} addresses "
                         f"by default ({ALLOW_HINT})")


def address_kind(address: str) -> str | None:
    """Why the address is not public ('loopback', 'private', ...), or None for a public one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if mapped is not None:
            return address_kind(str(mapped)) or ("reserved" if ip.teredo else None)
    for kind in ("loopback", "unspecified", "link_local", "multicast", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:  # 100.64.0.0/10 (carrier-grade NAT) and other special-purpose ranges
        return "non-public"
    return None


@dataclass(frozen=True)
class NetworkPolicy:
    allow_private: bool = False

    def addresses(self, host: str, port: int, family: int = 0) -> list[tuple]:
        """getaddrinfo results for ``host`` the policy allows; AddressRefused if none is."""
        infos = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        if self.allow_private:
            return infos
        allowed, refused = [], None
        for info in infos:
            kind = address_kind(info[4][0])
            if kind is None:
                allowed.append(info)
            elif refused is None:
                refused = AddressRefused(host, info[4][0], kind)
        if not allowed and refused is not None:
            raise refused
        return allowed


def _vetted_socket(conn: Any, policy: NetworkPolicy) -> socket.socket:
    """What urllib3's HTTPConnection._new_conn does, connecting only to vetted addresses."""
    from urllib3.connection import connection as u3conn
    from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
    from urllib3.util.timeout import _DEFAULT_TIMEOUT

    host = conn._dns_host
    try:
        infos = policy.addresses(host.strip("[]"), conn.port, u3conn.allowed_gai_family())
    except socket.gaierror as exc:
        raise NameResolutionError(conn.host, conn, exc) from exc
    error: OSError | None = None
    for family, socktype, proto, _, sockaddr in infos:
        sock = None
        try:
            sock = socket.socket(family, socktype, proto)
            for opt in conn.socket_options or ():
                sock.setsockopt(*opt)
            if conn.timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(conn.timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(sockaddr)
            return sock
        except socket.timeout as exc:
            if sock is not None:
                sock.close()
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. "
                                            f"(connect timeout={conn.timeout})") from exc
        except OSError as exc:
            error = exc
            if sock is not None:
                sock.close()
    raise NewConnectionError(conn, f"Failed to establish a new connection: {error}")


def pinned_adapter(policy: NetworkPolicy, **kwargs: Any) -> Any:
    """A requests HTTPAdapter whose connections open only to addresses ``policy`` allows."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class VettedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            return _vetted_socket(self, policy)

    class VettedHTTPSConnection(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            return _vetted_socket(self, policy)

    class VettedHTTPPool(HTTPConnectionPool):
        ConnectionCls = VettedHTTPConnection

    class VettedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = VettedHTTPSConnection

    class PinnedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kw: Any) -> None:
            super().init_poolmanager(*args, **kw)
            self.poolmanager.pool_classes_by_scheme = {"http": VettedHTTPPool, "https": VettedHTTPSPool}

    return PinnedAdapter(**kwargs)


# --- given files --------------------------------------------------------------------------------

def check_import_path(source: str, import_dir: str | None) -> str:
    """``source`` (a local path or a storage URL) if it lies below ``import_dir``; else
    GtfsPipelineError. Nothing is opened: a refusal does not tell whether the file exists."""
    if not import_dir:
        raise GtfsPipelineError(
            f"url {source!r}: a zip given by path is read only from the import folder, and none is "
            "configured (set GTFS_IMPORT_DIR to the folder or storage URL prefix, or give an http(s) URL)")
    if _is_local(source) and _is_local(import_dir):
        path = os.path.realpath(_local_path(source))
        root = os.path.realpath(_local_path(import_dir))
        if os.path.commonpath([path, root]) == root and path != root:
            return path
    elif not _is_local(source) and not _is_local(import_dir):
        src, root = urlsplit(source), urlsplit(import_dir.rstrip("/") + "/")
        segments = src.path.split("/")
        if (src.scheme, src.netloc) == (root.scheme, root.netloc) and src.path.startswith(root.path) \
                and ".." not in segments and "." not in segments and not src.query:
            return source
    raise GtfsPipelineError(f"url {source!r} is not below the import folder {import_dir} (GTFS_IMPORT_DIR): "
                            "only zips placed there may be given by path")


def _is_local(value: str) -> bool:
    return "://" not in value or value.lower().startswith("file://")


def _local_path(value: str) -> str:
    if value.lower().startswith("file://"):
        return unquote(urlsplit(value).path)
    return os.path.abspath(value)

