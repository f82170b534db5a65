"""The trigger form of gtfs_feeds: only truly required params are required (the UI marks a param
required unless its JSON-schema type allows null), and disabled feeds are labelled as such."""

from __future__ import annotations

import pytest

from airflow_support import REPO, airflow_metadb  # noqa: F401
from gtfs_pipeline import pipeline
from gtfs_pipeline.registry import load_registry


@pytest.fixture
def parsed_dag(airflow_metadb, tmp_path, monkeypatch):
    from airflow.models import DagBag

    registry = tmp_path / "feeds.yml"
    registry.write_text("feeds:\n  - feed_id: north\n    url: https://n.example/gtfs.zip\n"
                        "  - feed_id: old\n    url: https://o.example/gtfs.zip\n    enabled: false\n")
    monkeypatch.setenv("GTFS_FEEDS_REGISTRY", str(registry))
    bag = DagBag(dag_folder=str(REPO / "dags" / "gtfs_feeds.py"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("gtfs_feeds"), registry


def schema(dag, name: str) -> dict:
    return dag.params.get_param(name).schema


def test_no_param_of_the_form_is_required(parsed_dag):
    dag, _ = parsed_dag

    assert {name: "null" in schema(dag, name)["type"] for name in ("feed_ids", "force", "url", "as_of")} == {
        "feed_ids": True, "force": True, "url": True, "as_of": True}


def test_the_feeds_list_offers_every_feed_and_labels_the_disabled_one(parsed_dag):
    dag, _ = parsed_dag

    assert schema(dag, "feed_ids")["examples"] == ["north", "old"]
    assert schema(dag, "feed_ids")["values_display"] == {"north": "north",
                                                         "old": "old (disabled: not in the daily run)"}


def test_an_empty_force_from_the_form_means_false(parsed_dag):
    _, registry = parsed_dag

    assert pipeline.parse_params({"feed_ids": None, "force": None}, load_registry(registry)) == {
        "feed_ids": [], "force": False, "url": None, "as_of": None}
