"""The feed registry: shipped files are valid, mistakes name the feed and field, the DAG survives them."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gtfs_pipeline import pipeline
from gtfs_pipeline.errors import GtfsPipelineError
from gtfs_pipeline.registry import RegistryError, load_registry, parse_registry

REPO = Path(__file__).resolve().parents[1]
UTC = dt.timezone.utc


@pytest.mark.parametrize("name", ["feeds.yml", "feeds.example.yml", "feeds.demo.yml"])
def test_shipped_registries_are_valid(name):
    reg = load_registry(REPO / "include" / name)
    assert reg.enabled and all(f.url.startswith(("http://", "https://")) for f in reg.feeds.values())


def test_example_shows_secrets_as_references_only():
    reg = load_registry(REPO / "include" / "feeds.example.yml")
    assert reg.feeds["bay-area-511"].query["api_key"] == {"variable": "api_511_key"}
    assert reg.feeds["private-agency"].headers["Authorization"] == {"connection": "transit_api", "field": "password"}
    assert reg.feeds["caltrain"].archive_url_for(dt.date(2024, 3, 1)).endswith("/caltrain/2024/2024-03-01.zip")
    assert reg.feeds["mbta"].option("block_on") == "error" and reg.feeds["bart"].option("block_on") == "fatal"


@pytest.mark.parametrize("feed, expected", [
    ("url: ftp://x/y.zip", "feed f1, field url: required; an http:// or https:// URL"),
    ("url: https://x/y.zip\n    archive_url: https://x/{when}.zip", "feed f1, field archive_url: unknown placeholder"),
    ("url: https://x/y.zip\n    archive_url: https://x/static.zip", "feed f1, field archive_url: needs a date"),
    ("url: https://x/y.zip\n    options: {block_on: sometimes}", "feed f1, field options.block_on: must be one of"),
    ("url: https://x/y.zip\n    options: {max_bytes: -1}", "feed f1, field options.max_bytes: must be a positive"),
    ("url: https://x/y.zip\n    query: {key: {variable: a, env: b}}", "feed f1, field query.key: a reference names"),
    ("url: https://x/y.zip\n    headers: {X-Key: {connection: c, field: token}}",
     "feed f1, field headers.X-Key: field must be one of"),
    ("url: https://x/y.zip\n    enabled: yes please", "feed f1, field enabled: must be true or false"),
    ("url: https://x/y.zip\n    colour: red", "feed f1, field colour: unknown field"),
])
def test_mistakes_name_the_feed_and_field(feed, expected):
    with pytest.raises(RegistryError) as err:
        parse_registry(f"feeds:\n  - feed_id: f1\n    {feed}\n", "reg.yml")
    assert expected in str(err.value)
    assert str(err.value).startswith("feed registry reg.yml is invalid (1 problem)")


def test_duplicates_bad_ids_and_yaml_errors():
    with pytest.raises(RegistryError, match="feed a, field feed_id: duplicate"):
        parse_registry("feeds:\n  - {feed_id: a, url: 'https://x/1'}\n  - {feed_id: a, url: 'https://x/2'}\n")
    with pytest.raises(RegistryError, match=r"feed #1, field feed_id: required"):
        parse_registry("feeds:\n  - {feed_id: 'no spaces', url: 'https://x/1'}\n")
    with pytest.raises(RegistryError, match="not valid YAML at line 3"):
        parse_registry("feeds:\n  - feed_id: [\n")
    with pytest.raises(RegistryError, match="cannot read the file"):
        load_registry("/nonexistent/feeds.yml")


def test_broken_registry_keeps_the_dag_visible_with_the_error(tmp_path):
    bad = tmp_path / "feeds.yml"
    bad.write_text("feeds:\n  - feed_id: bart\n    url: www.bart.gov/gtfs.zip\n")
    code = textwrap.dedent("""
        from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder=%r)
        dag = bag.dags["gtfs_feeds"]
        print("ERRORS", bag.import_errors)
        print("DOC", "field url" in dag.doc_md and "feed bart" in dag.doc_md)
    """ % str(REPO / "dags" / "gtfs_feeds.py"))
    env = {**os.environ, "GTFS_FEEDS_REGISTRY": str(bad), "AIRFLOW_HOME": str(tmp_path / "home"),
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path}/af.db",
           "PYTHONPATH": os.pathsep.join([str(REPO / "plugins"), str(REPO / "dags")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "ERRORS {}" in out.stdout and "DOC True" in out.stdout, out.stdout + out.stderr[-3000:]


REG = parse_registry(textwrap.dedent("""
    feeds:
      - {feed_id: a, url: 'https://a.example/gtfs.zip', archive_url: 'https://a.example/{date:%Y%m%d}.zip'}
      - {feed_id: b, url: 'https://b.example/gtfs.zip'}
      - {feed_id: c, url: 'https://c.example/gtfs.zip', enabled: false}
"""))
TODAY = dt.date(2025, 6, 10)


def jobs(params=None, logical=None, run_type="scheduled"):
    run_after = dt.datetime(2025, 6, 10, 5, tzinfo=UTC)
    return {j["feed_id"]: j for j in pipeline.resolve_jobs(REG, params or {}, logical_date=logical,
                                                          run_after=run_after, run_type=run_type, today=TODAY)}


def test_daily_run_polls_enabled_feeds_current_urls():
    out = jobs(logical=dt.datetime(2025, 6, 10, 5, tzinfo=UTC))
    assert sorted(out) == ["a", "b"]
    assert {j["kind"] for j in out.values()} == {"current"} and out["a"]["as_of"] == "2025-06-10"


def test_manual_run_without_logical_date_uses_run_after_and_can_name_disabled_feeds():
    out = jobs({"feed_ids": ["c"]}, logical=None, run_type="manual")
    assert list(out) == ["c"] and out["c"]["as_of"] == "2025-06-10" and out["c"]["kind"] == "current"


@pytest.mark.parametrize("kw", [{"logical": dt.datetime(2024, 3, 1, tzinfo=UTC)},
                                {"params": {"as_of": "2024-03-01"}},
                                {"logical": dt.datetime(2025, 6, 10, tzinfo=UTC), "run_type": "backfill",
                                 "params": {"as_of": "2024-03-01"}}])
def test_past_dates_and_backfills_use_archive_url_or_skip_with_reason(kw):
    out = jobs(**kw)
    assert out["a"]["kind"] == "archive" and out["a"]["url"] == "https://a.example/20240301.zip"
    assert out["b"]["skip_reason"].startswith("no archive_url for a past date (2024-03-01)")


def test_url_param_and_invalid_params():
    out = jobs({"feed_ids": ["b"], "url": "s3://bucket/b.zip", "force": True})
    assert out["b"]["kind"] == "given" and out["b"]["url"] == "s3://bucket/b.zip" and out["b"]["force"] is True
    with pytest.raises(GtfsPipelineError) as err:
        jobs({"feed_ids": ["zz"], "url": "x", "as_of": "March", "force": "yes"})
    msg = str(err.value)
    assert "feed_ids: unknown feed(s) zz" in msg and "as_of 'March' is not a date YYYY-MM-DD" in msg and "force: true or false" in msg
    with pytest.raises(GtfsPipelineError, match="url: name exactly one feed"):
        jobs({"url": "https://x/y.zip"})
