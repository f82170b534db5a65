"""The one settings object: every GTFS_* variable is read in settings.py and documented once."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from airflow_support import airflow_metadb, gtfs_dag  # noqa: F401
from gtfs_pipeline import settings
from gtfs_pipeline.errors import GtfsPipelineError
from gtfs_pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]


def test_no_module_but_settings_reads_a_gtfs_variable():
    readers = []
    for path in sorted([*(REPO / "plugins").rglob("*.py"), *(REPO / "dags").rglob("*.py")]):
        if path.name == "settings.py":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(os\.environ|getenv)\b.*GTFS_|(os\.environ|getenv)\b.*_ENV\b", line):
                readers.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    assert readers == []


def test_configuration_doc_holds_the_table_of_every_variable():
    doc = (REPO / "docs" / "configuration.md").read_text()
    assert settings.configuration_table() in doc
    assert [v.env for v in settings.VARIABLES] == re.findall(r"^\| `(GTFS_\w+)` \|", doc, re.M)


def test_readme_links_the_configuration_doc():
    assert "(docs/configuration.md)" in (REPO / "README.md").read_text()


def test_defaults_without_any_variable():
    s = Settings.from_environ({})
    assert (s.db_pool, s.fetch_retries, s.publish_lock_timeout, s.copy_streams, s.max_members) == \
        ("gtfs_db", 3, "30s", 1, 10_000)
    assert s.stale_version_after == dt.timedelta(hours=12)
    assert s.dagrun_timeout == dt.timedelta(hours=10)


def test_the_dag_run_timeout_follows_the_stale_limit_and_stays_below_it():
    s = Settings.from_environ({"GTFS_STALE_VERSION_AFTER": "90 minutes"})
    assert s.stale_version_after == dt.timedelta(minutes=90)
    assert s.dagrun_timeout == dt.timedelta(minutes=75)


def test_the_older_stale_variable_name_is_still_read():
    assert Settings.from_environ({"GTFS_LOADING_STALE_AFTER": "2h"}).stale_version_after == dt.timedelta(hours=2)


def test_read_at_each_call(monkeypatch):
    monkeypatch.setenv("GTFS_COPY_STREAMS", "2")
    assert settings.current().copy_streams == 2
    monkeypatch.setenv("GTFS_COPY_STREAMS", "3")
    assert settings.current().copy_streams == 3


@pytest.mark.parametrize("env, value, expected", [
    ("GTFS_COPY_STREAMS", "two", "environment variable GTFS_COPY_STREAMS='two' is not valid: expected a whole number"),
    ("GTFS_COPY_STREAMS", "0", "environment variable GTFS_COPY_STREAMS='0' is not valid: expected a whole number of "
                               "at least 1"),
    ("GTFS_STALE_VERSION_AFTER", "soon", "environment variable GTFS_STALE_VERSION_AFTER='soon' is not valid: "
                                         "expected a duration such as '12 hours', '90 minutes' or '45s'"),
    ("GTFS_PUBLISH_LOCK_TIMEOUT", "30s; DROP TABLE x", "environment variable GTFS_PUBLISH_LOCK_TIMEOUT='30s; DROP "
                                                       "TABLE x' is not valid: expected a PostgreSQL duration such as "
                                                       "'30s', '500ms' or '2min'"),
])
def test_a_value_that_does_not_parse_names_the_variable(env, value, expected):
    with pytest.raises(GtfsPipelineError) as info:
        Settings.from_environ({env: value})
    assert str(info.value) == expected


def test_the_dag_takes_pool_retries_and_timeout_from_the_settings(gtfs_dag):
    s = settings.current()
    assert gtfs_dag.dagrun_timeout == s.dagrun_timeout < s.stale_version_after
    assert gtfs_dag.get_task("fetch").retries == 0  # the fixture parses it with GTFS_FETCH_RETRIES=0
    assert gtfs_dag.get_task("load").pool == s.db_pool
