-- The rights of the role that loads feeds (the DAG's connection, or `gtfs-pipeline`):
-- no superuser, no CREATEDB, no CREATEROLE. Run once by an administrator (a superuser,
-- or the database owner for everything but the extension), in the GTFS database:
--
--   psql -v ON_ERROR_STOP=1 -v role=gtfs_loader -d gtfs -f include/sql/grants.sql
--
-- The role must exist:   CREATE ROLE gtfs_loader LOGIN PASSWORD '...';
-- Safe to run again; safe before or after the first `gtfs-pipeline init-db`.
--
-- Why ownership and not GRANTs on tables: every load creates partitions
-- (gtfs_part.<file>_v<id>) and attaches them to the gtfs tables, and ALTER TABLE ...
-- ATTACH PARTITION is reserved to the owner of both tables. So the loading role owns the
-- three schemas and what is in them; nothing else in the database.

-- PostGIS is not a trusted extension: only an administrator can create it. init-db
-- checks that it is there and never tries to create it as the loading role.
CREATE EXTENSION IF NOT EXISTS postgis;

-- init-db creates the schemas gtfs, gtfs_part and gtfs_current (CREATE on the database);
-- validation and GeoJSON loading use temporary tables (TEMPORARY).
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE :"DBNAME" TO :"role";
-- PostGIS types and functions live in schema public.
GRANT USAGE ON SCHEMA public TO :"role";

-- If an administrator ran init-db (the schemas exist and belong to someone else), hand
-- the schemas and every object in them to the role. Nothing else changes owner.
SELECT set_config('gtfs.grant_role', :'role', false);
DO $$
DECLARE
    target text := current_setting('gtfs.grant_role');
    r record;
BEGIN
    FOR r IN SELECT nspname FROM pg_namespace
              WHERE nspname IN ('gtfs', 'gtfs_part', 'gtfs_current')
                AND nspowner <> target::regrole LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', r.nspname, target);
    END LOOP;
    -- Tables (their indexes and identity sequences follow), partitions, views.
    FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname IN ('gtfs', 'gtfs_part', 'gtfs_current')
                AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                AND c.relowner <> target::regrole LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, r.name, target);
    END LOOP;
    -- Sequences no table column owns.
    FOR r IN SELECT c.oid::regclass AS name FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname IN ('gtfs', 'gtfs_part', 'gtfs_current') AND c.relkind = 'S'
                AND c.relowner <> target::regrole
                AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                AND d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', r.name, target);
    END LOOP;
    -- Domains and other types (not the row types of tables, nor array types).
    FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_type t
               JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname IN ('gtfs', 'gtfs_part', 'gtfs_current')
                AND t.typtype IN ('d', 'e', 'r', 'c') AND t.typrelid = 0 AND t.typelem = 0
                AND t.typowner <> target::regrole LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                       r.name, target);
    END LOOP;
    -- Functions and aggregates.
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p
               JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname IN ('gtfs', 'gtfs_part', 'gtfs_current')
                AND p.proowner <> target::regrole LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO %I', r.name, target);
    END LOOP;
END
$$;

-- Readers (dashboards, analysts) need no part of the above: as the loading role, grant
--   GRANT USAGE ON SCHEMA gtfs, gtfs_current TO gtfs_reader;
--   GRANT SELECT ON ALL TABLES IN SCHEMA gtfs, gtfs_current TO gtfs_reader;
--   ALTER DEFAULT PRIVILEGES IN SCHEMA gtfs, gtfs_current GRANT SELECT ON TABLES TO gtfs_reader;
