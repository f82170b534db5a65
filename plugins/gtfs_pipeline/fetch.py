"""Downloading a feed into the archive: conditional GET, limits, hashes, one clear error.

The bytes stream to a local temporary file while being hashed, are checked to
be a usable GTFS zip, and only then are copied into the archive (any
ObjectStoragePath-like folder: file://, s3://, ...) under
``<root>/<feed_id>/<sha256>.zip``. Tasks on other workers read the same bytes
from there, and users can backfill from it.

Secret header / query values are passed in already resolved; every message
this module produces goes through ``Scrubber`` so that none of them (nor a
password in a URL) reaches a log, the fetch log or an exception.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable
from urllib.parse import urljoin, urlsplit

from . import archive
from .errors import FeedError
from .netpolicy import (AddressRefused, NetworkPolicy, Origin, pinned_adapter, redact_url, redact_urls_in,
                        split_userinfo, with_query)

CHUNK = 256 * 1024
USER_AGENT = "gtfs-pipeline/0.1 (+https://github.com/; GTFS Schedule loader)"


class FetchError(FeedError):
    """The feed could not be fetched. ``transient`` errors (network, 5xx, 429) are
    worth a retry; the others (404, not a zip, too large) are not."""

    def __init__(self, message: str, *, feed_id: str | None = None, transient: bool = False,
                 http_status: int | None = None, filename: str | None = None, line: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(message, feed_id=feed_id, filename=filename, line=line, column=column)
        self.transient = transient
        self.http_status = http_status


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 15.0
    read_timeout: float = 120.0
    max_seconds: float = 1800.0
    max_bytes: int = 1024**3
    max_redirects: int = 5

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "Limits":
        known = {k: options[k] for k in cls.__dataclass_fields__ if k in options}
        return cls(**known)


@dataclass
class Scrubber:
    """Replaces secret values in any text, and redacts every URL in it (user-info and query
    values, see netpolicy.redact_url), before it is shown or stored."""

    secrets: list[str] = field(default_factory=list)

    def __call__(self, text: str) -> str:
        for s in sorted({s for s in self.secrets if s and len(s) >= 3}, key=len, reverse=True):
            text = text.replace(s, "***")
        return redact_urls_in(text)


@dataclass
class Fetched:
    """What a fetch produced: small, JSON-able (``as_dict``), free of secrets.

    ``notes`` says what happened on the way (a redirect to another origin, credentials not
    sent there); the fetch log's message carries them.
    """

    http_status: int | None
    not_modified: bool = False
    bytes: int | None = None
    sha256: str | None = None
    content_sha256: str | None = None
    archive_path: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {**self.__dict__, "notes": list(self.notes)}


@dataclass(frozen=True)
class Credentials:
    """What the registry adds to a request: its headers and query parameters (secret or not) and
    the URL's user-info. All of it goes only to the origin of the registry's URL."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    require: bool = False  # registry require_credentials: refuse a redirect to another origin

    def any(self, auth: tuple[str, str] | None) -> bool:
        return bool(self.headers or self.query or auth)


REDIRECTS = (301, 302, 303, 307, 308)
SHOWN_CHARS = 60  # at most this much of anything a server sent is quoted in a message


def download(url: str, dest: BinaryIO, *, feed_id: str, limits: Limits, headers: dict[str, str] | None = None,
             query: dict[str, str] | None = None, etag: str | None = None, last_modified: str | None = None,
             scrub: Scrubber | None = None, policy: NetworkPolicy | None = None,
             require_credentials: bool = False) -> Fetched:
    """GET ``url`` into ``dest`` (not written on 304). Raises FetchError.

    Redirects are followed here, one hop at a time (at most ``limits.max_redirects``), so that
    every hop goes through the network policy (the connection itself checks the resolved
    address) and the registry's credentials are sent only to the registry URL's origin.
    """
    import requests
    import urllib3

    scrub = scrub or Scrubber()
    policy = policy or NetworkPolicy()
    creds = Credentials(dict(headers or {}), dict(query or {}), require_credentials)
    origin = Origin.of(url)
    bare, auth = split_userinfo(url)
    base = {"User-Agent": USER_AGENT, "Accept": "application/zip, application/octet-stream, */*;q=0.5"}
    if etag:
        base["If-None-Match"] = etag
    if last_modified:
        base["If-Modified-Since"] = last_modified
    session = requests.Session()
    session.trust_env = False  # no proxy or .netrc from the environment: the policy sees every connection
    adapter = pinned_adapter(policy, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    started = time.monotonic()
    notes: list[str] = []
    current = with_query(bare, creds.query)
    with session:
        for hop in range(int(limits.max_redirects) + 1):
            at_origin = Origin.of(current) == origin
            send = {**base, **creds.headers} if at_origin else dict(base)
            resp = _get(session, current, send, auth if at_origin else None, limits, feed_id, scrub)
            if resp.status_code in REDIRECTS and resp.headers.get("Location"):
                current = _next_hop(resp, current, origin, creds, auth, notes, feed_id, scrub)
                continue
            break
        else:
            raise FetchError(f"more than {limits.max_redirects} redirects from {scrub(url)} (option max_redirects)",
                             feed_id=feed_id)
        with resp:
            return _read_body(resp, dest, feed_id=feed_id, limits=limits, started=started, url=url,
                              scrub=scrub, etag=etag, last_modified=last_modified, notes=notes,
                              errors=(requests.RequestException, urllib3.exceptions.HTTPError))


def _get(session: Any, url: str, headers: dict[str, str], auth: tuple[str, str] | None, limits: Limits,
         feed_id: str, scrub: Scrubber) -> Any:
    """One GET of one hop, errors as FetchError (an address the policy refuses: not transient)."""
    import requests

    try:
        return session.get(url, headers=headers, auth=auth, stream=True, allow_redirects=False,
                           timeout=(limits.connect_timeout, limits.read_timeout))
    except AddressRefused as exc:
        raise FetchError(f"refused to fetch {scrub(url)}: {exc}", feed_id=feed_id) from None
    except requests.ConnectTimeout as exc:
        raise FetchError(f"timed out connecting to {scrub(url)} (option connect_timeout, {limits.connect_timeout} s):"
                         f" {scrub(_first_line(exc))}", feed_id=feed_id, transient=True) from None
    except requests.Timeout as exc:
        raise FetchError(f"timed out waiting for {scrub(url)} to answer (option read_timeout, {limits.read_timeout} s"
                         f" without a byte): {scrub(_first_line(exc))}", feed_id=feed_id, transient=True) from None
    except requests.exceptions.InvalidHeader as exc:  # e.g. two different Content-Lengths: not a glitch
        raise FetchError(f"the answer of {scrub(url)} has an invalid header ({_quoted(_first_line(exc), 120)[1:-1]});"
                         " nothing was read", feed_id=feed_id) from None
    except requests.RequestException as exc:
        if isinstance(exc.__context__, AddressRefused):
            raise FetchError(f"refused to fetch {scrub(url)}: {exc.__context__}", feed_id=feed_id) from None
        raise FetchError(f"cannot download {scrub(url)}: {scrub(_first_line(exc))}",
                         feed_id=feed_id, transient=True) from None


def _next_hop(resp: Any, current: str, origin: Origin, creds: Credentials, auth: tuple[str, str] | None,
              notes: list[str], feed_id: str, scrub: Scrubber) -> str:
    """Where a redirect points; records (or refuses) leaving the registry URL's origin."""
    location = resp.headers["Location"]
    resp.close()
    try:
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme.lower()
    except ValueError:
        raise FetchError(f"{scrub(current)} redirects to an invalid URL {_quoted(scrub(location))}",
                         feed_id=feed_id) from None
    if scheme not in ("http", "https"):
        raise FetchError(f"{scrub(current)} redirects to {_quoted(scrub(location))}: only http and https are "
                         "followed", feed_id=feed_id)
    there = Origin.of(target)
    if there != origin and creds.any(auth):
        if creds.require:
            raise FetchError(f"{scrub(current)} redirects to {scrub(target)}, another origin than {origin}; "
                             "the feed's credentials are sent only to its own origin and the registry says "
                             "require_credentials: true, so the redirect is not followed", feed_id=feed_id)
        note = (f"redirected to another origin ({there}): the registry's headers, query and URL user-info "
                "were not sent there")
        if note not in notes:
            notes.append(note)
    return target


def _read_body(resp: Any, dest: BinaryIO, *, feed_id: str, limits: Limits, started: float, url: str,
               scrub: Scrubber, etag: str | None, last_modified: str | None, notes: list[str],
               errors: tuple[type[BaseException], ...]) -> Fetched:
    status = resp.status_code
    if status == 304:
        return Fetched(http_status=304, not_modified=True, etag=resp.headers.get("ETag") or etag,
                       last_modified=resp.headers.get("Last-Modified") or last_modified, notes=notes)
    if status != 200:
        transient = status >= 500 or status in (408, 429)
        reason = f" {_quoted(resp.reason)}" if resp.reason else ""
        raise FetchError(f"HTTP {status}{reason} from {scrub(resp.url or url)}", feed_id=feed_id,
                         transient=transient, http_status=status)
    declared = declared_length(resp.headers, feed_id)
    if declared is not None and declared > limits.max_bytes:
        raise FetchError(f"the server announces {declared} bytes, over the limit of {limits.max_bytes}"
                         f" (option max_bytes)", feed_id=feed_id, http_status=status)
    h = hashlib.sha256()
    total = 0
    try:
        for chunk in _chunks(resp):
            total += len(chunk)
            if total > limits.max_bytes:
                raise FetchError(f"download exceeds the limit of {limits.max_bytes} bytes (option max_bytes)",
                                 feed_id=feed_id, http_status=status)
            if time.monotonic() - started > limits.max_seconds:
                raise FetchError(f"download took longer than {limits.max_seconds:.0f} s (option max_seconds)",
                                 feed_id=feed_id, transient=True, http_status=status)
            h.update(chunk)
            dest.write(chunk)
    except errors as exc:
        raise FetchError(f"the download from {scrub(url)} broke off after {_wire_bytes(resp, total)} bytes: "
                         f"{scrub(_first_line(exc))}", feed_id=feed_id, transient=True,
                         http_status=status) from None
    wire = _wire_bytes(resp, total)
    if declared is not None and wire != declared:  # the bytes on the wire, before any Content-Encoding
        raise FetchError(f"truncated body: got {wire} of {declared} bytes", feed_id=feed_id,
                         transient=True, http_status=status)
    return Fetched(http_status=status, bytes=total, sha256=h.hexdigest(), etag=resp.headers.get("ETag"),
                   last_modified=resp.headers.get("Last-Modified"), notes=notes)


def declared_length(headers: Any, feed_id: str) -> int | None:
    """The body's Content-Length (None: not given, or chunked transfer, which overrides it).
    A negative, malformed or self-contradicting value is a FetchError at once: a body of unknown
    length cannot be checked, and waiting for it would only end in a timeout."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return None
    raw = headers.get("Content-Length")
    if raw is None:
        return None
    values = {v.strip() for v in raw.split(",")}
    value = values.pop() if len(values) == 1 else None
    if value is None or not re.fullmatch(r"[0-9]{1,18}", value):
        raise FetchError(f"the server sent an invalid Content-Length {_quoted(raw)} (not a byte count);"
                         " nothing was read", feed_id=feed_id, http_status=200)
    return int(value)


def _wire_bytes(resp: Any, decoded: int) -> int:
    """Body bytes read from the connection (before gzip/deflate decoding)."""
    tell = getattr(resp.raw, "tell", None)
    return int(tell()) if callable(tell) else decoded


def _quoted(text: str, limit: int = SHOWN_CHARS) -> str:
    """A server-sent text as a message may show it: at most ``limit`` characters, escaped."""
    shown = text[:limit].encode("unicode_escape", "backslashreplace").decode("ascii").replace("'", "\\'")
    return f"'{shown}{'…' if len(text) > limit else ''}'"


def _chunks(resp) -> Any:
    """The body as it arrives: ``read1`` returns whatever came in (at most CHUNK bytes), so the
    max_seconds check runs on a slow drip too (``iter_content`` blocks until CHUNK bytes are in)."""
    raw = resp.raw
    if not hasattr(raw, "read1"):  # urllib3 < 2
        yield from resp.iter_content(CHUNK)
        return
    while chunk := raw.read1(CHUNK, decode_content=True):
        yield chunk


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 300 else line[:300] + "…"


def check_archive(path: Path, feed_id: str, http_status: int | None,
                  known: Callable[[str], bool] | None = None) -> tuple[str, str | None]:
    """(sha256, content hash) of a downloaded file; FetchError when it is not a usable GTFS zip.

    When ``known(sha256)`` says these very bytes are a version already (they were checked and
    loaded), nothing more is read: the content hash is None. Decompressing every member only
    to learn what the sha256 already told costs seconds on a large feed (issue 18)."""
    from .versions import inspect_archive

    sha = archive.file_sha256(path)
    if known is not None and known(sha):
        return sha, None
    try:
        _, content, _ = inspect_archive(path, feed_id, sha256=sha)
    except FeedError as exc:
        got = f"HTTP {http_status} but the body" if http_status else "the file"
        raise FetchError(f"{got} is not a usable GTFS zip: {exc.reason}", feed_id=feed_id,
                         http_status=http_status, filename=exc.filename, line=exc.line,
                         column=exc.column) from None
    return sha, content


def store(local: Path, root: Any, feed_id: str, sha256: str) -> str:
    """Copy a checked zip into the archive under its hash; returns its path (a URL string).

    Written to a temporary name first and renamed, so a reader never sees half a file;
    a zip already stored under that hash is kept when its size is right (else replaced:
    a torn or truncated object heals on the next fetch). A failed write (disk full)
    leaves no partial file and raises FetchError.
    """
    folder = root / feed_id
    dest = folder / f"{sha256}.zip"
    size = os.path.getsize(local)
    try:
        if dest.exists() and dest.stat().st_size == size:
            return archive.stored_url(dest)
    except OSError:  # unreadable: store it again
        pass
    part = folder / f".{sha256}.{uuid.uuid4().hex[:8]}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(local, "rb") as src, part.open("wb") as out:
            shutil.copyfileobj(src, out, CHUNK)
        part.rename(dest)
    except OSError as exc:
        try:
            if part.exists():
                part.unlink()
        except OSError:
            pass
        raise FetchError(f"cannot store the download ({size} bytes) in the archive at {archive.stored_url(dest)}: "
                         f"{exc.strerror or exc}", feed_id=feed_id) from None
    return archive.stored_url(dest)


def fetch_to_archive(url: str, root: Any, *, feed_id: str, limits: Limits, headers: dict[str, str] | None = None,
                     query: dict[str, str] | None = None, etag: str | None = None,
                     last_modified: str | None = None, scrub: Scrubber | None = None,
                     tmp_dir: str | None = None, policy: NetworkPolicy | None = None,
                     require_credentials: bool = False, known: Callable[[str], bool] | None = None) -> Fetched:
    """Download, check and archive a feed. A 304 returns ``not_modified`` and stores nothing.
    ``known``: see check_archive."""
    with tempfile.TemporaryDirectory(prefix="gtfs-fetch-", dir=tmp_dir) as tmp:
        local = Path(tmp) / "download.zip"
        with open(local, "wb") as out:
            got = download(url, out, feed_id=feed_id, limits=limits, headers=headers, query=query, etag=etag,
                           last_modified=last_modified, scrub=scrub, policy=policy,
                           require_credentials=require_credentials)
        if got.not_modified:
            return got
        got.sha256, got.content_sha256 = check_archive(local, feed_id, got.http_status, known)
        got.archive_path = store(local, root, feed_id, got.sha256)
        return got


def copy_to_archive(source: Any, root: Any, *, feed_id: str, limits: Limits,
                    opener: Callable[[str], Any] | None = None, tmp_dir: str | None = None,
                    known: Callable[[str], bool] | None = None) -> Fetched:
    """Take a zip given by path (local or object storage) as if it had been fetched.
    ``known``: see check_archive."""
    src = opener(source) if opener else Path(source)
    with tempfile.TemporaryDirectory(prefix="gtfs-fetch-", dir=tmp_dir) as tmp:
        local = Path(tmp) / "given.zip"
        try:
            with src.open("rb") as fh, open(local, "wb") as out:
                total = 0
                while chunk := fh.read(CHUNK):
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise FetchError(f"{source} is larger than the limit of {limits.max_bytes} bytes",
                                         feed_id=feed_id)
                    out.write(chunk)
        except FileNotFoundError:
            raise FetchError(f"no such file: {source}", feed_id=feed_id) from None
        except OSError as exc:
            raise FetchError(f"cannot read {source}: {exc}", feed_id=feed_id) from None
        sha, content = check_archive(local, feed_id, None, known)
        return Fetched(http_status=None, bytes=os.path.getsize(local), sha256=sha, content_sha256=content,
                       archive_path=store(local, root, feed_id, sha))
