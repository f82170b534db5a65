-- One version lifecycle (plugins/gtfs_pipeline/lifecycle.py, docs/reliability.md).
--
-- States: loading -> validating -> publishing -> published | loaded; any of them -> failed;
-- published -> superseded. loading, validating and publishing are unfinished: each is owned by a
-- live process (a session holding the version's advisory lock, or a DAG run until its deadline),
-- and the next registration of the feed fails a version whose owner is gone.
ALTER TABLE gtfs.feed_version DROP CONSTRAINT IF EXISTS feed_version_status_check;
ALTER TABLE gtfs.feed_version ADD CONSTRAINT feed_version_status_check
    CHECK (status IN ('loading', 'validating', 'publishing', 'loaded', 'published', 'superseded', 'failed'));

-- Who drives an unfinished version: 'session:<label>' (a one-process load holding the version's
-- advisory lock for its whole life) or 'run:<dag_id/run_id>' (a DAG run, alive at most until
-- owner_deadline = registration + GTFS_STALE_VERSION_AFTER). NULL once the version is finished.
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS owner text;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS owner_deadline timestamptz;
-- A failed version: the state it was in when it failed; when and by whom it was recovered
-- (failed because its owner was gone).
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS failed_step text;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS recovered_at timestamptz;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS recovered_by text;
-- A finished version that is not current: why (kind and words); a superseded one: by which version.
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS not_current_kind text
    CHECK (not_current_kind IN ('kept', 'blocked', 'historical', 'publish-timeout'));
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS not_current_reason text;
ALTER TABLE gtfs.feed_version ADD COLUMN IF NOT EXISTS superseded_by bigint;

-- Versions left unfinished by the code before this migration: a one-process load marked itself
-- (file_stats.loading_session); the others were DAG runs, alive at most 12 hours.
UPDATE gtfs.feed_version SET owner = 'session:gtfs-pipeline load (before migration 0005)'
    WHERE status = 'loading' AND file_stats ? 'loading_session';
UPDATE gtfs.feed_version SET owner = 'run:(before migration 0005)', owner_deadline = created_at + interval '12 hours'
    WHERE status = 'loading' AND owner IS NULL;
-- 'loaded' meant "files loaded" before; a loaded version that was blocked keeps its reason.
UPDATE gtfs.feed_version SET not_current_kind = 'blocked', not_current_reason = 'blocked by validation: ' || blocked_reason
    WHERE status = 'loaded' AND blocked_reason IS NOT NULL;
UPDATE gtfs.feed_version SET not_current_kind = 'kept', not_current_reason = 'loaded before migration 0005, never published'
    WHERE status = 'loaded' AND not_current_kind IS NULL;

CREATE INDEX IF NOT EXISTS feed_version_unfinished_idx ON gtfs.feed_version (feed_id)
    WHERE status IN ('loading', 'validating', 'publishing');
