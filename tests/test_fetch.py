"""Fetching over real HTTP on 127.0.0.1: conditional GET, limits, not-a-zip, secrets, the fetch log."""

from __future__ import annotations

import pytest

from feedbuilder import write_feed
from gtfs_pipeline import pipeline
from gtfs_pipeline.fetch import FetchError, Limits, fetch_to_archive
from gtfs_pipeline.netpolicy import NetworkPolicy
from gtfs_pipeline.registry import parse_registry
from httpserver import FeedServer


LOOPBACK = NetworkPolicy(allow_private=True)  # the test servers are on 127.0.0.1


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


def fetch(srv, path, tmp_path, **kw):
    kw.setdefault("limits", Limits())
    kw.setdefault("policy", LOOPBACK)
    return fetch_to_archive(srv.url(path), tmp_path / "archive", feed_id="f", **kw)


def test_conditional_get_and_archive_under_hash(server, tmp_path):
    server.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    first = fetch(server, "/f.zip", tmp_path)
    assert first.http_status == 200 and first.etag and first.last_modified
    assert first.archive_path.endswith(f"/f/{first.sha256}.zip")
    assert (tmp_path / "archive" / "f" / f"{first.sha256}.zip").read_bytes() == (tmp_path / "f.zip").read_bytes()
    again = fetch(server, "/f.zip", tmp_path, etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.http_status == 304 and again.archive_path is None
    sent = server.requests_for("/f.zip")[-1].headers
    assert sent["If-None-Match"] == first.etag and sent["If-Modified-Since"] == first.last_modified


def test_size_limit_redirect_limit_truncation_and_status(server, tmp_path):
    body = write_feed(tmp_path / "f.zip", {}).read_bytes()
    server.serve("/big.zip", body)
    with pytest.raises(FetchError, match="announces .* bytes, over the limit of 100") as err:
        fetch(server, "/big.zip", tmp_path, limits=Limits(max_bytes=100))
    assert not err.value.transient
    server.redirect("/loop1", server.url("/loop2"))
    server.redirect("/loop2", server.url("/loop1"))
    with pytest.raises(FetchError, match="more than 3 redirects"):
        fetch(server, "/loop1", tmp_path, limits=Limits(max_redirects=3))
    server.redirect("/moved", server.url("/big.zip"))
    assert fetch(server, "/moved", tmp_path).http_status == 200  # a few redirects are fine
    server.serve("/cut.zip", body[:200], declared_length=len(body))
    with pytest.raises(FetchError, match="truncated|broke off") as err:
        fetch(server, "/cut.zip", tmp_path)
    assert err.value.transient
    with pytest.raises(FetchError, match="HTTP 404") as err:
        fetch(server, "/nothing.zip", tmp_path)
    assert not err.value.transient and err.value.http_status == 404
    server.serve("/busy.zip", b"try later", status=503, content_type="text/plain")
    with pytest.raises(FetchError, match="HTTP 503") as err:
        fetch(server, "/busy.zip", tmp_path)
    assert err.value.transient
    assert not list((tmp_path / "archive").rglob("*.part"))


def test_chunked_and_gzip_encoded_bodies_arrive_whole(server, tmp_path):
    """The body is read as it arrives (read1, so max_seconds holds on a slow drip): chunked
    transfer and a gzip Content-Encoding still give the exact bytes."""
    import gzip

    body = write_feed(tmp_path / "f.zip", {"notes.txt": "x" * 50_000}).read_bytes()
    server.serve("/chunked.zip", body, chunked=True)
    server.serve("/gz.zip", gzip.compress(body), chunked=True, headers={"Content-Encoding": "gzip"})
    for path in ("/chunked.zip", "/gz.zip"):
        got = fetch(server, path, tmp_path)
        assert got.bytes == len(body) and (tmp_path / "archive" / "f" / f"{got.sha256}.zip").read_bytes() == body


def test_html_or_truncated_zip_with_200_is_a_clear_error(server, tmp_path):
    server.serve("/html.zip", b"<html><head><title>Login</title></head></html>", content_type="text/html")
    with pytest.raises(FetchError, match="HTTP 200 but the body is not a usable GTFS zip.*error page"):
        fetch(server, "/html.zip", tmp_path)
    body = write_feed(tmp_path / "f.zip", {}).read_bytes()
    server.serve("/half.zip", body[: len(body) // 2])  # the server itself sends half a zip, honestly sized
    with pytest.raises(FetchError, match="not a usable GTFS zip.*truncated or corrupt"):
        fetch(server, "/half.zip", tmp_path)
    assert not (tmp_path / "archive").exists() or not list((tmp_path / "archive").rglob("*.zip"))


def test_secrets_reach_the_server_but_never_the_fetch_log(server, tmp_path, conn, monkeypatch):
    monkeypatch.setenv("FEED_TOKEN", "s3cr3t-token-value")
    monkeypatch.setenv("FEED_KEY", "k3y-value-123")
    reg = parse_registry(f"""
feeds:
  - feed_id: f
    url: {server.url('/f.zip')}
    allow_private_network: true
    headers: {{Authorization: {{env: FEED_TOKEN}}}}
    query: {{api_key: {{env: FEED_KEY}}, format: zip}}
  - feed_id: g
    url: {server.url('/missing.zip')}
    allow_private_network: true
    query: {{api_key: {{env: FEED_KEY}}}}
""")
    server.serve("/f.zip", write_feed(tmp_path / "f.zip", {}).read_bytes())
    job = lambda fid: {"feed_id": fid, "spec": reg.feeds[fid].as_dict(), "as_of": "2025-01-02",  # noqa: E731
                       "force": False, "kind": "current", "url": reg.feeds[fid].url, "skip_reason": None}
    ok = pipeline.fetch_job(conn, job("f"), tmp_path / "archive", run_id="r1", spec=reg.feeds["f"])
    bad = pipeline.fetch_job(conn, job("g"), tmp_path / "archive", run_id="r1", spec=reg.feeds["g"])
    assert ok["outcome"] == "new" and bad["outcome"] == "error"
    req = server.requests_for("/f.zip")[-1]
    assert req.headers["Authorization"] == "s3cr3t-token-value" and "api_key=k3y-value-123" in req.path
    assert "HTTP 404" in bad["message"] and "feed g" in bad["message"]
    with conn.cursor() as cur:
        cur.execute("SELECT feed_id, url, outcome, http_status, bytes, sha256 IS NOT NULL, message"
                    " FROM gtfs.fetch_log ORDER BY fetch_id")
        rows = cur.fetchall()
    conn.rollback()
    assert [(r[0], r[2], r[3]) for r in rows] == [("f", "new", 200), ("g", "error", 404)]
    assert rows[0][1] == server.url("/f.zip") and rows[0][4] > 0 and rows[0][5]
    text = repr(rows) + repr(ok) + repr(bad)
    assert "s3cr3t" not in text and "k3y-value" not in text

    # The second fetch of f is conditional (304): recorded as not-modified with the known version.
    with conn.cursor() as cur:  # pretend f's version was loaded, as the DAG would have done
        cur.execute("INSERT INTO gtfs.feed (feed_id) VALUES ('f');"
                    "INSERT INTO gtfs.feed_version (feed_id, sha256, content_sha256, status)"
                    " VALUES ('f', %s, %s, 'published') RETURNING feed_version_id",
                    (ok["sha256"], ok["content_sha256"]))
        vid = cur.fetchone()[0]
        cur.execute("UPDATE gtfs.fetch_log SET feed_version_id = %s WHERE feed_id = 'f'", (vid,))
    conn.commit()
    again = pipeline.fetch_job(conn, job("f"), tmp_path / "archive", run_id="r2", spec=reg.feeds["f"])
    assert again["outcome"] == "not-modified" and again["feed_version_id"] == vid
    forced = pipeline.fetch_job(conn, {**job("f"), "force": True}, tmp_path / "archive", run_id="r3",
                                spec=reg.feeds["f"])
    assert forced["outcome"] == "new"  # force: no conditional headers, no hash shortcut
