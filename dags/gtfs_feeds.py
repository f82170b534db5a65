"""The gtfs_feeds DAG: poll every registered GTFS feed daily, load what changed, publish it.

Each task is a few lines calling gtfs_pipeline.pipeline; see docs/dag.md.
Parsing this file reads only the registry YAML (no database, no network).
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import (
    Asset,
    AssetAlias,
    CronTriggerTimetable,
    Param,
    TriggerRule,
    dag,
    get_current_context,
    task,
    task_group,
)
from airflow.sdk.exceptions import AirflowFailException

from gtfs_pipeline import settings
from gtfs_pipeline.registry import RegistryError, load_registry

ASSET_ALIAS = "gtfs_feed_published"  # = pipeline.ASSET_ALIAS (not imported: keeps parsing light)
_SETTINGS = settings.current()  # GTFS_DB_POOL, GTFS_FETCH_RETRIES, GTFS_STALE_VERSION_AFTER: read at parse
DB_POOL = _SETTINGS.db_pool
FETCH_RETRIES = _SETTINGS.fetch_retries
FIRST_LAST_RETRIES = {"retries": 3, "retry_delay": dt.timedelta(seconds=10), "retry_exponential_backoff": True,
                      "max_retry_delay": dt.timedelta(minutes=2)}

try:
    _REGISTRY = load_registry()
    FEED_IDS, REGISTRY_PROBLEM = sorted(_REGISTRY.feeds), None
except RegistryError as exc:  # the DAG still shows up, with the error on its page and in its first task
    FEED_IDS, REGISTRY_PROBLEM = [], str(exc)

DOC = f"""
# gtfs_feeds

Every morning: for each enabled feed of the registry (`include/feeds.yml`, or the file named by
`$GTFS_FEEDS_REGISTRY` / Variable `gtfs_feeds_registry`), **fetch** it (conditional GET, limits),
**skip** it when its bytes or contents match a version already loaded, else **load** each GTFS file
in its own task, **finalize** (keys, ANALYZE, stats), run **geometry** and **validation**, and
**publish** the version in one transaction. An Asset event `gtfs://feed/<feed_id>` marks each
published feed. The **summary** task lists per feed: new / unchanged / not-modified / skipped / failed.

Params: `feed_ids` (default: all enabled), `force`, `url` (one feed), `as_of` (YYYY-MM-DD, not after
tomorrow; a past date loads the feed's `archive_url` version). Backfill: `airflow backfill create --dag-id gtfs_feeds --from-date ... --to-date ...`.
See docs/dag.md.

Registered feeds: {", ".join(FEED_IDS) or "none"}
""" + (f"\n## Registry error\n\n```\n{REGISTRY_PROBLEM}\n```\n" if REGISTRY_PROBLEM else "")

# The trigger form marks a param required unless its type allows null: empty feeds means all
# enabled feeds and empty force means false, so both allow null. Disabled feeds are offered
# (a manual run may name them) but labelled as disabled.
_FEED_LABELS = {f: f if _REGISTRY.feeds[f].enabled else f"{f} (disabled: not in the daily run)"
                for f in FEED_IDS} if FEED_IDS else {}
PARAMS = {
    "feed_ids": Param([], type=["array", "null"], items={"type": "string"}, title="Feeds",
                      description="Feed ids to run (empty: all enabled feeds). Disabled feeds run only when named.",
                      **({"examples": FEED_IDS, "values_display": _FEED_LABELS} if FEED_IDS else {})),
    "force": Param(False, type=["boolean", "null"], title="Force",
                   description="Load even when the feed did not change (empty: false)."),
    "url": Param(None, type=["null", "string"], title="URL or stored zip",
                 description="Load this http(s) URL or stored zip path as a new version of the ONE feed in feed_ids."),
    "as_of": Param(None, type=["null", "string"], format="date", title="As of",
                   description="Date the version represents; a past date fetches the feed's archive_url."),
}


def _ctx_label(**labels: str) -> dict:
    """Put labels into the context for map_index_template; returns the context."""
    ctx = get_current_context()
    ctx.update(labels)
    return ctx


@dag(
    dag_id="gtfs_feeds",
    schedule=CronTriggerTimetable("0 5 * * *", timezone="UTC"),
    start_date=dt.datetime(2005, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    params=PARAMS,
    doc_md=DOC,
    tags=["gtfs", "ingest"],
    max_active_tasks=16,
    # Shorter than GTFS_STALE_VERSION_AFTER (5/6 of it): recovery never fails a live run's version.
    dagrun_timeout=_SETTINGS.dagrun_timeout,
    # Only the network and load steps, and the first and last tasks (a slow Execution API) retry,
    # each with its own settings; a failed finalize is a verdict, not a glitch.
    default_args={"retries": 0},
)
def gtfs_feeds():
    # The first and last tasks retry with backoff: on a busy machine their first call to the Execution
    # API can time out (httpx.ReadTimeout; see docs/dag.md, "Scheduler settings"). A verdict (bad
    # registry or params, a missing pool, failed feeds) fails at once instead (AirflowFailException).
    @task(**FIRST_LAST_RETRIES)
    def resolve_feeds() -> list[list[dict]]:
        """Which feeds this run fetches, and from which URL (current or archive for the date), in
        batches of GTFS_FETCH_BATCH_SIZE, one fetch task each. First checks that the pool exists:
        without it the run's database tasks would wait for ever."""
        from gtfs_pipeline import pipeline, pools
        from gtfs_pipeline.errors import GtfsPipelineError

        ctx = get_current_context()
        try:
            pools.check_pool(DB_POOL)
            jobs = pipeline.resolve_jobs(pipeline.run_registry(), dict(ctx["params"]),
                                         logical_date=ctx.get("logical_date"), run_after=ctx["dag_run"].run_after,
                                         run_type=str(ctx["dag_run"].run_type))
            batch_size = settings.current().fetch_batch_size
        except GtfsPipelineError as exc:
            ctx["ti"].xcom_push(key="error", value=str(exc))  # the summary task repeats it
            raise AirflowFailException(str(exc)) from None
        with pipeline.connection() as conn:
            pipeline.ensure_schema(conn)  # migrations, only if some are pending
        return pipeline.batches(jobs, batch_size)

    @task(retries=FETCH_RETRIES, retry_delay=dt.timedelta(seconds=30), retry_exponential_backoff=True,
          max_retry_delay=dt.timedelta(minutes=30), map_index_template="{{ feed_label }}")
    def fetch(batch: list[dict]) -> list[dict]:
        """Download a batch of feeds into the archive, several at once (conditional GET), and compare
        hashes with loaded versions; one result per feed, a feed's failure stays with that feed."""
        from gtfs_pipeline import pipeline

        ctx = _ctx_label(feed_label=pipeline.batch_label(batch))
        ti = ctx["ti"]
        return pipeline.fetch_batch(batch, pipeline.archive_root(), run_id=f"{ti.dag_id}/{ti.run_id}",
                                    final_try=ti.try_number > ti.max_tries, given_url=ctx["params"].get("url"))

    @task(pool=DB_POOL, trigger_rule=TriggerRule.ALL_DONE)
    def skip_unchanged(fetched: list[list[dict] | None]) -> list[dict]:
        """Register a version for each changed feed; unchanged feeds get no load tasks."""
        from gtfs_pipeline import pipeline

        with pipeline.connection() as conn:
            return pipeline.start_versions(conn, [r for batch in fetched if batch for r in batch])

    @task
    def plan_loads(started: list[dict]) -> list[dict]:
        """One load task per (version, GTFS file), the largest file first."""
        from gtfs_pipeline import pipeline

        return pipeline.load_items(started)

    @task(pool=DB_POOL, retries=2, map_index_template="{{ file_label }}")
    def load(item: dict) -> dict:
        """COPY one GTFS file of one version from the archive into its partition."""
        from gtfs_pipeline import pipeline

        ctx = _ctx_label(file_label=f"{item['feed_id']}/{item['member']}")
        with pipeline.connection() as conn:
            out = pipeline.load_file(conn, item)
        ctx["file_label"] += f" ({out['rows']:,} row{'' if out['rows'] == 1 else 's'})"  # rows in the grid
        return out

    @task(pool=DB_POOL, trigger_rule=TriggerRule.ALL_DONE, map_index_template="{{ feed_label }}")
    def finalize(version: dict) -> dict:
        """All files loaded? Keys, stats, ANALYZE; a version with a failed file fails here."""
        from gtfs_pipeline import pipeline

        _ctx_label(feed_label=f"{version['feed_id']} v{version['feed_version_id']}")
        with pipeline.connection() as conn:
            return pipeline.finalize(conn, version)

    @task(pool=DB_POOL, map_index_template="{{ feed_label }}")
    def geometry(version: dict) -> dict:
        from gtfs_pipeline import pipeline

        _ctx_label(feed_label=f"{version['feed_id']} v{version['feed_version_id']}")
        with pipeline.connection() as conn:
            return pipeline.run_geometry(conn, version)

    @task(pool=DB_POOL, map_index_template="{{ feed_label }}")
    def validate(version: dict) -> dict:
        """Validation rules and the publish policy (runs alongside geometry)."""
        from gtfs_pipeline import pipeline

        _ctx_label(feed_label=f"{version['feed_id']} v{version['feed_version_id']}")
        with pipeline.connection() as conn:
            return pipeline.run_validation(conn, version, report=False)

    # Publishing may wait for long readers of gtfs_current and then give up (nothing changes):
    # retry it a few times.
    @task(outlets=[AssetAlias(ASSET_ALIAS)], map_index_template="{{ feed_label }}", retries=3,
          retry_delay=dt.timedelta(minutes=1))
    def publish(version: dict) -> dict:
        """Write the validation report, make the version current (one transaction), emit its Asset event."""
        from gtfs_pipeline import pipeline

        ctx = _ctx_label(feed_label=f"{version['feed_id']} v{version['feed_version_id']}")
        with pipeline.connection() as conn:
            version = pipeline.write_report_step(conn, version)  # after geometry and validation
            out = pipeline.publish_version(conn, version)
            pipeline.refresh_report(conn, out)  # the report shows the final status
        if out["published"]:
            ctx["outlet_events"][AssetAlias(ASSET_ALIAS)].add(
                Asset(pipeline.asset_uri(out["feed_id"])),
                extra={"feed_id": out["feed_id"], "feed_version_id": out["feed_version_id"],
                       "as_of": out["as_of"], "rows": out.get("rows"), "files": out.get("files")})
        return out

    @task_group
    def version_steps(version: dict):
        ready = finalize(version)
        geometry(ready) >> publish(validate(ready))  # geometry and validation at the same time

    @task(trigger_rule=TriggerRule.ALL_DONE, **FIRST_LAST_RETRIES)
    def summary(batches: list[list[dict]] | None) -> dict:
        """Log what happened per feed; fail the run (naming the feeds) only if something failed.
        Returns feeds by state (small: the per-feed lines are in the log)."""
        from gtfs_pipeline import pipeline

        ti = get_current_context()["ti"]
        jobs = None if batches is None else [job for batch in batches for job in batch]
        if jobs is None:  # resolve_feeds failed (bad registry or params): repeat its error
            error = ti.xcom_pull(task_ids="resolve_feeds", key="error") or "see that task's log"
            pipeline.log_summary([], resolve_error=error)
            raise AirflowFailException(f"resolve_feeds failed: no feed was fetched: {error}")
        with pipeline.connection() as conn:
            report, failures = pipeline.run_summary(conn, f"{ti.dag_id}/{ti.run_id}", jobs)
        pipeline.log_summary(report, index_url=pipeline.reports_url())
        if failures:
            raise AirflowFailException(f"{len(failures)} feed(s) failed: " + "; ".join(failures))
        return pipeline.summary_counts(report)

    batches = resolve_feeds()
    started = skip_unchanged(fetch.expand(batch=batches))
    loaded = load.expand(item=plan_loads(started))
    steps = version_steps.expand(version=started)
    loaded >> steps
    steps >> summary(batches)


gtfs_feeds()
