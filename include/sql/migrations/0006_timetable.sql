-- The timetable (issue 13; docs/data-model.md, "Timetable"): service days, arrivals and
-- departures with true timestamps, the departures function, and what changed between versions.
--
-- gtfs.service_days is partitioned by LIST on feed_version_id like the GTFS tables: one
-- partition gtfs_part.service_days_v<id> per version, built at finalize by
-- plugins/gtfs_pipeline/timetable.py from include/sql/timetable/service_days.sql (set-based,
-- generate_series over calendar.txt, then calendar_dates.txt's exceptions), with the indexes
-- the queries below need (include/sql/timetable/indexes.sql). Dropped with the version.

-- One row per date a service runs.
CREATE TABLE gtfs.service_days (
    feed_version_id      bigint NOT NULL,
    service_id           text NOT NULL,
    date                 date NOT NULL,
    -- "Noon minus 12 h" of the date in the version's time zone (feed_version_timetable.timezone):
    -- a stop time's instant is t_base + its time. NULL when that time zone is unknown to PostgreSQL.
    t_base               timestamptz,
    PRIMARY KEY (feed_version_id, service_id, date)
) PARTITION BY LIST (feed_version_id);
CREATE INDEX service_days_t_base_idx ON gtfs.service_days (feed_version_id, t_base);

-- One row per version whose timetable was built.
CREATE TABLE gtfs.feed_version_timetable (
    feed_version_id      bigint PRIMARY KEY REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    -- The time zone of stop_times.txt's times: agency_timezone of the first agency of agency.txt
    -- (the reference requires every agency to have the same one); NULL when PostgreSQL does not know it.
    timezone             text,
    given_timezone       text,
    service_days         bigint NOT NULL,
    services             integer NOT NULL,
    -- Services of calendar.txt or calendar_dates.txt that run on no date.
    services_without_days integer NOT NULL,
    first_date           date,
    last_date            date,
    -- Seconds per step (service_days.sql, indexes.sql).
    step_seconds         jsonb NOT NULL DEFAULT '{}'::jsonb,
    built_at             timestamptz NOT NULL DEFAULT now()
);

-- What changed between two versions of a feed (include/sql/timetable/diff_*.sql), written when a
-- version is published (against the version it supersedes) and by `gtfs-pipeline diff`.
-- Per GTFS file: rows added, removed and changed by the reference's primary key (a file without
-- one: every field is the key, so rows are added or removed, never changed).
CREATE TABLE gtfs.feed_version_diff (
    feed_version_id      bigint NOT NULL REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    previous_version_id  bigint NOT NULL REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    filename             text NOT NULL,
    rows_before          bigint NOT NULL,
    rows_after           bigint NOT NULL,
    rows_added           bigint NOT NULL,
    rows_removed         bigint NOT NULL,
    rows_changed         bigint NOT NULL,
    PRIMARY KEY (feed_version_id, previous_version_id, filename)
);
CREATE INDEX feed_version_diff_previous_idx ON gtfs.feed_version_diff (previous_version_id);

-- Routes and stops added or removed (by id), and dates gained or lost: a date on which some
-- service runs in one version and none in the other (service_days).
CREATE TABLE gtfs.feed_version_change (
    feed_version_id      bigint NOT NULL REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    previous_version_id  bigint NOT NULL REFERENCES gtfs.feed_version (feed_version_id) ON DELETE CASCADE,
    kind                 text NOT NULL CHECK (kind IN ('route_added', 'route_removed', 'stop_added',
                                                       'stop_removed', 'date_gained', 'date_lost')),
    id                   text,
    date                 date,
    CHECK ((id IS NULL) = (kind IN ('date_gained', 'date_lost'))),
    CHECK ((date IS NULL) = (kind NOT IN ('date_gained', 'date_lost')))
);
CREATE INDEX feed_version_change_idx ON gtfs.feed_version_change (feed_version_id, previous_version_id, kind);
CREATE INDEX feed_version_change_previous_idx ON gtfs.feed_version_change (previous_version_id);

-- Published versions only, as for the GTFS tables (rewritten by schema.refresh_current_views).
CREATE VIEW gtfs_current.service_days AS SELECT t.* FROM gtfs.service_days t WHERE false;
CREATE VIEW gtfs_current.feed_version_timetable AS SELECT t.* FROM gtfs.feed_version_timetable t WHERE false;
CREATE VIEW gtfs_current.feed_version_diff AS SELECT t.* FROM gtfs.feed_version_diff t WHERE false;
CREATE VIEW gtfs_current.feed_version_change AS SELECT t.* FROM gtfs.feed_version_change t WHERE false;

-- The view gtfs.arrivals_departures and the functions gtfs.departures and gtfs_current.departures
-- read the GTFS tables, which init-db creates after the migrations: they are (re)created by
-- init-db from include/sql/timetable/views.sql (timetable.ensure_objects).
