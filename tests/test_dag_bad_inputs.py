"""The bad-input corpus through the DAG's steps: one run, every case a feed of its own, served
over HTTP; the run summary names each case with the outcome the corpus promises.

The steps are the task functions of pipeline.py in the DAG's order (what each task
runs): fetch_job per feed, start_versions, load_file per member (a failing member
fails its task; the run goes on), finalize, geometry, validation, publish_version,
then run_summary. Cases that need small archive limits (GTFS_MAX_*) run in a run
of their own with those limits set, as a worker's environment would set them.
"""

from __future__ import annotations

import itertools

import pytest

from badfeeds import CASES
from gtfs_pipeline import pipeline
from gtfs_pipeline.errors import FeedError
from httpserver import FeedServer
from test_dag_faults import fetch_job, make_job, q

STATE_OF_OUTCOME = {"fail": "failed", "load": "published", "blocked": "blocked"}


def run_corpus(conn, jobs: list[dict], root, run_id: str) -> tuple[list[dict], list[str]]:
    fetched = [fetch_job(conn, job, root, run_id=run_id) for job in jobs]
    started = pipeline.start_versions(conn, fetched)
    for item in pipeline.load_items(started):
        try:
            pipeline.load_file(conn, item)
        except FeedError:  # the load task fails; the version's finalize fails it
            pass
    for version in started:
        try:
            version = pipeline.finalize(conn, version)
            version = pipeline.run_validation(conn, pipeline.run_geometry(conn, version))
            pipeline.publish_version(conn, version)
        except FeedError:  # finalize/geometry/validation failed the version: the summary says why
            pass
    return pipeline.run_summary(conn, run_id, jobs)


# Where a failure is found decides how the summary words it; either way it names the feed,
# the file, line and column where the command-line message does, and the same reason.
FETCH_TIME = "{where}: HTTP 200 but the body is not a usable GTFS zip: {reason}"
LOAD_TIME = "files not loaded: {file} ({file}: {where}: {reason})"


def expected_message(case, feed_id: str, found_at: str) -> str:
    """The summary's message for a failing case, from the command's message for it."""
    where, reason = case.message.split(": ", 1)
    where = where.replace("feed f", f"feed {feed_id}", 1)
    file = where.split("file ", 1)[1].split(",")[0] if "file " in where else None
    return (FETCH_TIME if found_at == "fetch" else LOAD_TIME).format(where=where, reason=reason, file=file)


def test_one_run_over_the_corpus_names_every_case_in_its_summary(conn, tmp_path, monkeypatch):
    root = pipeline.storage_path((tmp_path / "archive").as_uri())
    by_env = itertools.groupby(sorted(CASES, key=lambda c: sorted(c.env.items())),
                               key=lambda c: tuple(sorted(c.env.items())))
    summary: dict[str, dict] = {}
    failures: list[str] = []
    with FeedServer() as server:
        for n, (env, cases) in enumerate(by_env):
            cases = list(cases)
            with monkeypatch.context() as patch:
                for key, value in env:
                    patch.setenv(key, value)
                jobs = []
                for case in cases:
                    path = tmp_path / f"{case.name}.zip"
                    case.build(path)
                    server.serve(f"/{case.name}.zip", path.read_bytes())
                    jobs.append(make_job(server.url(f"/{case.name}.zip"), feed_id=case.name))
                report, run_failures = run_corpus(conn, jobs, root, f"corpus-{n}")
            summary.update({e["feed_id"]: e for e in report})
            failures += run_failures
    assert len(summary) == len(CASES) >= 40
    wrong = []
    for case in CASES:
        entry = summary[case.name]
        if entry["state"] != STATE_OF_OUTCOME[case.outcome]:
            wrong.append((case.name, entry["state"], entry["message"]))
        elif case.outcome == "fail":
            found_at = "load" if entry["feed_version_id"] else "fetch"
            if entry["message"] != expected_message(case, case.name, found_at):
                wrong.append((case.name, expected_message(case, case.name, found_at), entry["message"]))
        elif case.outcome == "blocked":
            # The command says "version N loaded but not published: <reason>"; the summary's entry
            # already carries the version and its state.
            expected = "not published: " + case.message.split(" not published: ", 1)[1]
            if entry["message"] != expected:
                wrong.append((case.name, expected, entry["message"]))
    assert wrong == [], "\n".join(map(repr, wrong))
    # The run's failure list (what the summary task raises with) names exactly the failed and blocked cases.
    assert sorted(f.split(":", 1)[0] for f in failures) == sorted(
        c.name for c in CASES if c.outcome in ("fail", "blocked"))
    # Nothing of a failed or blocked case is current.
    assert q(conn, "SELECT feed_id FROM gtfs.feed WHERE current_version_id IS NOT NULL ORDER BY 1") == [
        (c.name,) for c in sorted(CASES, key=lambda c: c.name) if c.outcome == "load"]
