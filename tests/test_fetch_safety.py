"""Fetching safely (issue 16), over real HTTP servers on two loopback ports.

Credentials go only to the origin of the registry's URL; URLs are stored and shown redacted;
the network policy refuses loopback and private addresses unless a feed (or the operator)
allows them, on every hop, checked on the address the connection really goes to; bodies are
counted on the wire; given paths come only from the import folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import io
import os
import random
import socket
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from airflow_support import airflow_metadb, gtfs_dag, gtfs_dag_env, run_dag  # noqa: F401
from feedbuilder import write_feed
from gtfs_pipeline import identity, netpolicy, pipeline, versions
from gtfs_pipeline.errors import GtfsPipelineError
from gtfs_pipeline.fetch import FetchError, Limits, download
from gtfs_pipeline.netpolicy import AddressRefused, NetworkPolicy, address_kind, check_import_path, redact_url
from gtfs_pipeline.registry import parse_registry
from httpserver import FeedServer

SECRET_HEADER = "hdr-Secr3t-Wq81"
SECRET_QUERY = "qry-Secr3t-Zp55"
URL_USER = "usr-Secr3t-Hn20"
URL_PASSWORD = "pwd-Secr3t-Lk07"
URL_TOKEN = "tok-Secr3t-Ub63"
SECRETS = (SECRET_HEADER, SECRET_QUERY, URL_USER, URL_PASSWORD, URL_TOKEN,
           base64.b64encode(f"{URL_USER}:{URL_PASSWORD}".encode()).decode())
LOOPBACK = NetworkPolicy(allow_private=True)
NOW = dt.datetime(2025, 1, 2, 6, tzinfo=dt.timezone.utc)


@pytest.fixture
def servers():
    with FeedServer() as origin, FeedServer() as other:
        yield origin, other


@pytest.fixture
def secrets_env(monkeypatch):
    monkeypatch.setenv("FEED_HEADER", SECRET_HEADER)
    monkeypatch.setenv("FEED_QUERY", SECRET_QUERY)


def secret_registry(origin: FeedServer, path: str = "/f.zip", extra: str = "", allow: bool = True):
    """A feed whose URL carries user-info and a token, with a secret header and a secret query value."""
    url = origin.url(path).replace("http://", f"http://{URL_USER}:{URL_PASSWORD}@") + f"?token={URL_TOKEN}"
    return parse_registry(f"""
feeds:
  - feed_id: f
    url: {url}
    allow_private_network: {'true' if allow else 'false'}
    headers: {{X-Api-Key: {{env: FEED_HEADER}}}}
    query: {{api_key: {{env: FEED_QUERY}}}}
{extra}""")


def one_job(reg, params: dict | None = None) -> dict:
    [job] = pipeline.resolve_jobs(reg, params or {}, logical_date=None, run_after=NOW, today=NOW.date())
    return job


def fetch_log(conn) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("SELECT url, outcome, http_status, message FROM gtfs.fetch_log ORDER BY fetch_id")
        rows = cur.fetchall()
    conn.rollback()
    return rows


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} found in {where}"


# --- credentials stay with their origin ---------------------------------------------------------

def test_credentials_go_to_the_origin_and_not_across_a_redirect(servers, secrets_env, conn, tmp_path):
    origin, other = servers
    other.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    origin.redirect("/f.zip", other.url("/f.zip"))
    reg = secret_registry(origin)
    job = one_job(reg)

    got = pipeline.fetch_job(conn, job, tmp_path / "archive", run_id="r1", spec=reg.feeds["f"])

    assert got["outcome"] == "new"
    sent = origin.requests_for("/f.zip")[0]
    assert sent.headers["X-Api-Key"] == SECRET_HEADER
    assert sent.headers["Authorization"] == "Basic " + SECRETS[-1]
    assert f"token={URL_TOKEN}" in sent.path and f"api_key={SECRET_QUERY}" in sent.path
    assert [r.path for r in other.requests] == ["/f.zip"]
    assert_no_secret("the second server's request log", repr(other.requests))
    port = origin.url("/")[len("http://127.0.0.1:"):-1]
    [(url, outcome, status, message)] = fetch_log(conn)
    assert (url, outcome, status) == (f"http://***@127.0.0.1:{port}/f.zip?token=***", "new", 200)
    assert message == (f"new contents; redirected to another origin ({other.url('')}): the registry's headers, "
                       "query and URL user-info were not sent there")
    assert_no_secret("the job, the fetch result and the fetch log", repr(job) + repr(got) + repr(fetch_log(conn)))


def test_require_credentials_refuses_a_redirect_to_another_origin(servers, secrets_env, conn, tmp_path):
    origin, other = servers
    other.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    origin.redirect("/f.zip", other.url("/f.zip"))
    reg = secret_registry(origin, extra="    require_credentials: true\n")

    got = pipeline.fetch_job(conn, one_job(reg), tmp_path / "archive", run_id="r1", spec=reg.feeds["f"])

    assert got["outcome"] == "error" and other.requests == []
    port = origin.url("/")[len("http://127.0.0.1:"):-1]
    assert got["message"] == (
        f"feed f: http://127.0.0.1:{port}/f.zip?token=***&api_key=*** redirects to {other.url('/f.zip')}, "
        f"another origin than http://127.0.0.1:{port}; the feed's credentials are sent only to its own origin "
        "and the registry says require_credentials: true, so the redirect is not followed")
    assert fetch_log(conn)[0][1:3] == ("error", None)


def test_a_redirect_back_to_the_origin_gets_the_headers_again(servers, secrets_env, tmp_path):
    origin, other = servers
    origin.serve("/final.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    origin.redirect("/f.zip", other.url("/hop"))
    other.redirect("/hop", origin.url("/final.zip"))
    got = download(origin.url("/f.zip"), io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK,
                   headers={"X-Api-Key": SECRET_HEADER})
    assert got.http_status == 200
    assert origin.requests_for("/final.zip")[0].headers["X-Api-Key"] == SECRET_HEADER
    assert "X-Api-Key" not in other.requests[0].headers


# --- the network policy -------------------------------------------------------------------------

def test_default_policy_refuses_a_registry_url_on_loopback_and_reads_nothing(servers, secrets_env, conn, tmp_path):
    origin, _ = servers
    origin.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    reg = secret_registry(origin, allow=False)

    got = pipeline.fetch_job(conn, one_job(reg), tmp_path / "archive", run_id="r1", spec=reg.feeds["f"])

    port = origin.url("/")[len("http://127.0.0.1:"):-1]
    assert got["outcome"] == "error" and origin.requests == []
    assert got["message"] == (
        f"feed f: refused to fetch http://127.0.0.1:{port}/f.zip?token=***&api_key=***: 127.0.0.1 is a loopback "
        "address and fetches may not reach loopback addresses by default (allow it with allow_private_network: "
        "true in the feed's registry entry, or for every feed with GTFS_FETCH_ALLOW_PRIVATE_NETWORK=1)")
    assert "\n" not in got["message"]


@pytest.mark.parametrize("allow", [False, True])
def test_the_url_param_follows_the_feed_policy(servers, conn, tmp_path, allow):
    origin, _ = servers
    origin.serve("/given.zip", write_feed(tmp_path / "g.zip", {}).read_bytes())
    reg = parse_registry(f"feeds:\n  - feed_id: f\n    url: https://feeds.example.org/f.zip\n"
                         f"    allow_private_network: {str(allow).lower()}\n")
    given = origin.url("/given.zip")
    job = one_job(reg, {"feed_ids": ["f"], "url": given})

    got = pipeline.fetch_job(conn, job, tmp_path / "archive", run_id="r1", spec=reg.feeds["f"], given_url=given)

    if allow:
        assert got["outcome"] == "new" and len(origin.requests) == 1
    else:
        assert got["outcome"] == "error" and origin.requests == []
        assert got["message"].startswith(f"feed f: refused to fetch {given}: 127.0.0.1 is a loopback address")


def test_the_operator_setting_allows_private_addresses_for_every_feed(servers, conn, tmp_path, monkeypatch):
    origin, _ = servers
    origin.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    reg = parse_registry(f"feeds:\n  - feed_id: f\n    url: {origin.url('/f.zip')}\n")
    monkeypatch.setenv("GTFS_FETCH_ALLOW_PRIVATE_NETWORK", "1")
    got = pipeline.fetch_job(conn, one_job(reg), tmp_path / "archive", run_id="r1", spec=reg.feeds["f"])
    assert got["outcome"] == "new"


class FirstServerOnly(NetworkPolicy):
    """The default policy, except that one loopback port stands for a public server: the tests may
    reach only 127.0.0.1, so a redirect *into* loopback needs a first hop the policy lets through."""

    def __init__(self, port: int) -> None:
        super().__init__(allow_private=False)
        object.__setattr__(self, "port", port)

    def addresses(self, host: str, port: int, family: int = 0) -> list[tuple]:
        if port == self.port:
            return NetworkPolicy(allow_private=True).addresses(host, port, family)
        return super().addresses(host, port, family)


def test_every_redirect_hop_is_checked_by_the_policy(servers, tmp_path):
    origin, other = servers
    other.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    origin.redirect("/f.zip", other.url("/f.zip"))
    policy = FirstServerOnly(int(origin.url("/").rsplit(":", 1)[1].strip("/")))
    with pytest.raises(FetchError) as err:
        download(origin.url("/f.zip"), io.BytesIO(), feed_id="f", limits=Limits(), policy=policy)
    assert str(err.value) == (
        f"feed f: refused to fetch {other.url('/f.zip')}: 127.0.0.1 is a loopback address and fetches may not reach "
        "loopback addresses by default (allow it with allow_private_network: true in the feed's registry entry, or "
        "for every feed with GTFS_FETCH_ALLOW_PRIVATE_NETWORK=1)")
    assert not err.value.transient and other.requests == [] and len(origin.requests) == 1


def test_the_connection_goes_to_the_address_that_was_checked(servers, tmp_path, monkeypatch):
    """A stub resolver stands in for DNS (no other server may be asked): the name resolves once per
    connection; a second lookup (what a rebinding attack would answer differently) fails the fetch,
    so a passing fetch proves the socket went to the checked address, with the name kept as Host."""
    origin, _ = servers
    origin.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    real = socket.getaddrinfo
    lookups: list[str] = []

    def resolver(host, port, *args, **kwargs):
        if host != "feeds.rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        if len(lookups) > 1:
            raise socket.gaierror(socket.EAI_NONAME, "second lookup")
        return real("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    url = origin.url("/f.zip").replace("127.0.0.1", "feeds.rebind.test")
    with pytest.raises(FetchError, match=r"refused to fetch .*: feeds\.rebind\.test \(127\.0\.0\.1\) is a loopback"):
        download(url, io.BytesIO(), feed_id="f", limits=Limits())
    assert origin.requests == []
    lookups.clear()
    got = download(url, io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK)
    assert got.http_status == 200 and lookups == ["feeds.rebind.test"]
    assert origin.requests[0].headers["Host"] == url.split("/")[2]


@pytest.mark.parametrize("address, kind", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"),
    ("100.64.0.1", "non-public"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("93.184.216.34", None), ("2606:4700::1111", None),
])
def test_address_kinds(address, kind):
    assert address_kind(address) == kind


def test_a_name_with_one_public_and_one_loopback_address_connects_only_to_the_public_one(monkeypatch):
    answers = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80)),
               (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers)
    assert [a[4][0] for a in NetworkPolicy().addresses("mixed.test", 80)] == ["93.184.216.34"]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: answers[:1])
    with pytest.raises(AddressRefused, match=r"mixed\.test \(127\.0\.0\.1\) is a loopback address"):
        NetworkPolicy().addresses("mixed.test", 80)


# --- given paths --------------------------------------------------------------------------------

def test_given_paths_only_from_the_import_folder(tmp_path):
    inside = tmp_path / "import" / "a.zip"
    inside.parent.mkdir()
    inside.write_bytes(b"zip")
    (tmp_path / "import" / "link.zip").symlink_to("/etc/hostname")
    assert check_import_path(str(inside), str(tmp_path / "import")) == str(inside)
    assert check_import_path(inside.as_uri(), (tmp_path / "import").as_uri()) == str(inside)
    assert check_import_path("s3://b/import/x/a.zip", "s3://b/import") == "s3://b/import/x/a.zip"
    with pytest.raises(GtfsPipelineError, match=r"none is configured \(set GTFS_IMPORT_DIR"):
        check_import_path(str(inside), None)
    for outside in ("/etc/shadow", str(tmp_path / "import" / ".." / "a.zip"), str(tmp_path / "import" / "link.zip"),
                    "s3://b/import/../secret.zip", "s3://other/import/a.zip", "file:///etc/passwd"):
        with pytest.raises(GtfsPipelineError, match="is not below the import folder"):
            check_import_path(outside, str(tmp_path / "import") if "s3" not in outside else "s3://b/import")


def test_a_refused_path_does_not_tell_whether_it_exists(conn, tmp_path, monkeypatch):
    monkeypatch.delenv("GTFS_IMPORT_DIR", raising=False)
    reg = parse_registry("feeds:\n  - feed_id: f\n    url: https://feeds.example.org/f.zip\n")
    messages = []
    for path in ("/etc/shadow", "/no/such/file.zip"):
        job = one_job(reg, {"feed_ids": ["f"], "url": path})
        got = pipeline.fetch_job(conn, job, tmp_path / "archive", run_id="r1", spec=reg.feeds["f"], given_url=path)
        messages.append(got["message"].replace(path, "PATH"))
        assert got["outcome"] == "error"
    assert messages == ["url 'PATH': a zip given by path is read only from the import folder, and none is configured "
                        "(set GTFS_IMPORT_DIR to the folder or storage URL prefix, or give an http(s) URL)"] * 2


# --- bodies read right --------------------------------------------------------------------------

def test_gzip_with_content_length_loads(servers, tmp_path):
    origin, _ = servers
    body = write_feed(tmp_path / "f.zip", {"notes.txt": "x" * 50_000}).read_bytes()
    origin.serve("/gz.zip", gzip.compress(body), headers={"Content-Encoding": "gzip"})  # Content-Length: gzip size
    got = download(origin.url("/gz.zip"), out := io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK)
    assert got.bytes == len(body) and out.getvalue() == body
    assert origin.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize("declared", ["-5", "abc", "1e3", "7x", "+7"])
def test_a_bad_content_length_fails_at_once_and_is_not_transient(servers, tmp_path, declared):
    origin, _ = servers
    origin.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes(), raw_content_length=declared)
    with pytest.raises(FetchError) as err:
        download(origin.url("/f.zip"), out := io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK)
    assert str(err.value) == f"feed f: the server sent an invalid Content-Length '{declared}' (not a byte count);" \
                             " nothing was read"
    assert not err.value.transient and out.getvalue() == b""


def test_two_different_content_lengths_fail_at_once_and_are_not_transient(servers, tmp_path):
    origin, _ = servers
    origin.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes(), raw_content_length="12, 99")
    with pytest.raises(FetchError) as err:
        download(origin.url("/f.zip"), io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK)
    assert str(err.value) == (f"feed f: the answer of {origin.url('/f.zip')} has an invalid header (Content-Length "
                              "contained multiple unmatching values (12, 99)); nothing was read")
    assert not err.value.transient


def test_a_server_text_is_quoted_short_and_escaped(servers):
    origin, _ = servers
    origin.serve("/f.zip", b"", status=500, reason="\x1b[31m" + "metadata " * 20)
    with pytest.raises(FetchError) as err:
        download(origin.url("/f.zip"), io.BytesIO(), feed_id="f", limits=Limits(), policy=LOOPBACK)
    assert str(err.value) == ("feed f: HTTP 500 '\\x1b[31mmetadata metadata metadata metadata metadata metadata "
                              f"m…' from {origin.url('/f.zip')}")  # 60 characters of the reason, escaped


# --- redaction ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("https://u:p@h.example/f.zip?token=T&x=1", "https://***@h.example/f.zip?token=***&x=***"),
    ("https://h.example:8443/f.zip?flag&k=", "https://h.example:8443/f.zip?flag&k="),
    ("https://key@h.example/f.zip", "https://***@h.example/f.zip"),
    ("/data/f.zip", "/data/f.zip"),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_redacted_spec_keeps_names_drops_values():
    reg = parse_registry("feeds:\n  - feed_id: f\n    url: https://u:pw@h.example/f.zip?key=K\n"
                         "    archive_url: https://u:pw@h.example/{date:%Y}.zip?key=K\n")
    spec = reg.feeds["f"].redacted()
    assert (spec.url, spec.archive_url) == ("https://***@h.example/f.zip?key=***",
                                            "https://***@h.example/{date:%Y}.zip?key=***")
    assert netpolicy.redact_urls_in("cannot download https://u:pw@h.example/f.zip?key=K: refused") == \
        "cannot download https://***@h.example/f.zip?key=***: refused"


# --- the url param's identity check --------------------------------------------------------------

OTHER_AGENCY = {"agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
                              "X,Other Transit,https://x.example,Europe/Paris\n",
                "routes.txt": "route_id,agency_id,route_short_name,route_type\nR1,X,1,3\n"}
PUBLISHER = "feed_publisher_name,feed_publisher_url,feed_lang\n{name},https://pub.example,de\n"


def published(conn, tmp_path, files: dict) -> int:
    """A current version of feed f, loaded as the CLI does."""
    outcome = versions.load_feed(conn, write_feed(tmp_path / "current.zip", files), "f",
                                 geometry=False, validate=False)
    return outcome.feed_version_id


def given_job(conn, origin, tmp_path, files: dict, *, force: bool = False) -> dict:
    origin.serve("/given.zip", write_feed(tmp_path / "given.zip", files).read_bytes())
    reg = parse_registry("feeds:\n  - feed_id: f\n    url: https://feeds.example.org/f.zip\n"
                         "    allow_private_network: true\n")
    given = origin.url("/given.zip")
    job = one_job(reg, {"feed_ids": ["f"], "url": given, "force": force})
    return pipeline.fetch_job(conn, job, tmp_path / "archive", run_id="r1", spec=reg.feeds["f"], given_url=given)


def test_a_zip_of_another_agency_given_as_url_is_refused_saying_what_differs(servers, conn, tmp_path):
    origin, _ = servers
    current = published(conn, tmp_path, {})
    got = given_job(conn, origin, tmp_path, OTHER_AGENCY)
    assert got["outcome"] == "error" and got["fetch_id"] is None
    assert got["message"] == (
        "the given zip does not look like feed f: agencies ('X', 'Other Transit') only in the given zip, "
        f"('A', 'Agency') only in the current version (version {current}); nothing was loaded; "
        "trigger again with force to load it as this feed's version anyway")
    assert fetch_log(conn)[-1][1:3] == ("error", 200)


def test_a_zip_of_another_agency_loads_with_force(servers, conn, tmp_path):
    origin, _ = servers
    published(conn, tmp_path, {})
    got = given_job(conn, origin, tmp_path, OTHER_AGENCY, force=True)
    assert (got["outcome"], got["message"]) == ("new", "forced reload")


def test_another_publisher_in_feed_info_is_refused(servers, conn, tmp_path):
    origin, _ = servers
    current = published(conn, tmp_path, {"feed_info.txt": PUBLISHER.format(name="Verbund A")})
    got = given_job(conn, origin, tmp_path, {"feed_info.txt": PUBLISHER.format(name="Verbund B")})
    assert got["outcome"] == "error"
    assert got["message"].startswith(
        "the given zip does not look like feed f: feed_info publisher ('Verbund B', 'https://pub.example') in the "
        f"given zip, ('Verbund A', 'https://pub.example') in the current version (version {current});")


def test_a_new_release_of_the_same_agency_is_taken(servers, conn, tmp_path):
    origin, _ = servers
    published(conn, tmp_path, {"feed_info.txt": PUBLISHER.format(name="Verbund A")})
    stops = "stop_id,stop_name,stop_lat,stop_lon\nS1,First,52.5,13.4\nS9,Ninth,52.6,13.5\n"
    got = given_job(conn, origin, tmp_path, {"feed_info.txt": PUBLISHER.format(name=" Verbund A "),
                                             "stops.txt": stops})
    assert (got["outcome"], got["message"]) == ("new", "new contents")


def test_the_identity_check_never_holds_a_long_line(tmp_path):
    """agency.txt with a 64 MiB line (no newline, no quote): the identity is the rows before it, and
    the check's memory stays a few MiB (the zip is about 0.5 MiB, under the expansion limit)."""
    path = tmp_path / "long.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("agency.txt", "w") as out:
        out.write(b"agency_id,agency_name,agency_url,agency_timezone\nA,Agency,https://a.example,Europe/Berlin\nB,")
        noise = random.Random(7)
        for _ in range(1024):  # 64 KiB blocks, each with some noise: about 120 times compressible
            out.write(bytes(noise.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(600)) + b"x" * 64936)
        out.write(b",https://b.example,Europe/Berlin\nC,Third,https://c.example,Europe/Berlin\n")
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            got = identity.of_zip(source, "f")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == identity.FeedIdentity(frozenset({("A", "Agency")}), None)
    assert peak < 4 * 1024 * 1024, peak


def test_a_feed_without_a_current_version_takes_any_given_zip(servers, conn, tmp_path):
    origin, _ = servers
    got = given_job(conn, origin, tmp_path, OTHER_AGENCY)
    assert got["outcome"] == "new"


# --- the real DAG -------------------------------------------------------------------------------

def every_gtfs_table(conn) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables"
                    " WHERE table_schema IN ('gtfs', 'gtfs_current') ORDER BY 1")
        names = [r[0] for r in cur.fetchall()]
        dumped = []
        for name in names:
            cur.execute(f"SELECT t::text FROM {name} t")
            dumped += [name, *(r[0] for r in cur.fetchall())]
    conn.rollback()
    return "\n".join(dumped)


def test_dag_run_secrets_reach_only_the_origin_and_are_stored_nowhere(gtfs_dag, gtfs_dag_env, conn, servers,
                                                                      secrets_env, tmp_path, capsys, caplog):
    origin, other = servers
    other.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    origin.redirect("/f.zip", other.url("/f.zip"))
    url = origin.url("/f.zip").replace("http://", f"http://{URL_USER}:{URL_PASSWORD}@") + f"?token={URL_TOKEN}"
    gtfs_dag_env.write_registry(f"""
feeds:
  - feed_id: f
    url: {url}
    allow_private_network: true
    headers: {{X-Api-Key: {{env: FEED_HEADER}}}}
    query: {{api_key: {{env: FEED_QUERY}}}}
""")

    run = run_dag(gtfs_dag)

    assert run.state == "success"
    assert origin.requests_for("/f.zip")[0].headers["X-Api-Key"] == SECRET_HEADER  # sent to the origin
    assert_no_secret("the second server's request log", repr(other.requests))
    seen = {"stdout+stderr": "".join(capsys.readouterr()), "caplog": caplog.text, "gtfs": every_gtfs_table(conn)}
    home = Path(os.environ["AIRFLOW_HOME"])
    for path in [*home.rglob("*"), *gtfs_dag_env.archive.rglob("*")]:  # task logs, the metadata DB (XCom), report
        if path.is_file():
            seen[str(path)] = path.read_bytes().decode("latin-1")
    assert any(p.endswith("-validation.html") for p in seen)
    assert "redirected to another origin" in seen["gtfs"] and "http://***@127.0.0.1:" in seen["gtfs"]
    assert "Returned value was" in "".join(seen.values())  # the task logs holding the return values were read
    for where, text in seen.items():
        assert_no_secret(where, text)


def test_dag_run_url_param_to_loopback_is_refused_by_default(gtfs_dag, gtfs_dag_env, conn, servers, tmp_path):
    origin, _ = servers
    origin.serve("/given.zip", write_feed(tmp_path / "g.zip", {}).read_bytes())
    gtfs_dag_env.write_registry("feeds:\n  - feed_id: f\n    url: https://feeds.example.org/f.zip\n")
    given = origin.url("/given.zip")

    run = run_dag(gtfs_dag, conf={"feed_ids": ["f"], "url": given})

    assert run.state == "failed" and origin.requests == []
    [(logged, outcome, status, message)] = fetch_log(conn)
    assert (logged, outcome, status) == (given, "error", None)
    assert message == (f"feed f: refused to fetch {given}: 127.0.0.1 is a loopback address and fetches may not "
                       "reach loopback addresses by default (allow it with allow_private_network: true in the "
                       "feed's registry entry, or for every feed with GTFS_FETCH_ALLOW_PRIVATE_NETWORK=1)")


def current_agencies(conn, feed_id: str) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("SELECT a.agency_id, a.agency_name FROM gtfs.feed f JOIN gtfs.agency a"
                    " ON a.feed_version_id = f.current_version_id WHERE f.feed_id = %s ORDER BY 1", (feed_id,))
        rows = cur.fetchall()
    conn.rollback()
    return rows


def test_dag_run_url_param_of_another_agency_is_refused_then_loads_with_force(gtfs_dag, gtfs_dag_env, conn,
                                                                              servers, tmp_path):
    origin, _ = servers
    current = published(conn, tmp_path, {})
    origin.serve("/other.zip", write_feed(tmp_path / "other.zip", OTHER_AGENCY).read_bytes())
    gtfs_dag_env.write_registry("feeds:\n  - feed_id: f\n    url: https://feeds.example.org/f.zip\n"
                                "    allow_private_network: true\n")
    given = origin.url("/other.zip")

    refused = run_dag(gtfs_dag, conf={"feed_ids": ["f"], "url": given})

    assert refused.state == "failed"
    assert fetch_log(conn)[-1][1] == "error"
    assert fetch_log(conn)[-1][3] == (
        "the given zip does not look like feed f: agencies ('X', 'Other Transit') only in the given zip, "
        f"('A', 'Agency') only in the current version (version {current}); nothing was loaded; "
        "trigger again with force to load it as this feed's version anyway")
    assert current_agencies(conn, "f") == [("A", "Agency")]

    forced = run_dag(gtfs_dag, conf={"feed_ids": ["f"], "url": given, "force": True})

    assert forced.state == "success"
    assert current_agencies(conn, "f") == [("X", "Other Transit")]
