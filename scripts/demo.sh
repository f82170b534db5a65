#!/usr/bin/env bash
# The main job on a local default: starts a local PostgreSQL + PostGIS cluster
# (.local/pg, port 54320 unless GTFS_DEMO_PORT is set), generates a demo feed,
# loads it as a new version, publishes it, and shows what landed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

PORT=${GTFS_DEMO_PORT:-54320}
mkdir -p .local/demo
if [ -f .local/pg/data/postmaster.pid ]; then
  DSN=$(cat .local/pg/data/dsn)
else
  DSN=$(.venv/bin/python -m gtfs_pipeline.localpg start .local/pg/data --port "$PORT")
fi
export GTFS_DATABASE_URL=$DSN
echo "== database: $DSN (stop it with: .venv/bin/python -m gtfs_pipeline.localpg stop .local/pg/data)"

FEED=.local/demo/demo-feed.zip
[ -f "$FEED" ] || .venv/bin/python bench/generate_feed.py "$FEED" --stop-times 50000 --seed 7

.venv/bin/gtfs-pipeline init-db
.venv/bin/gtfs-pipeline load "$FEED" --feed-id demo --name "Demo transit"
echo
.venv/bin/gtfs-pipeline versions
echo
psql "$DSN" -c "SELECT r.route_short_name, count(DISTINCT t.trip_id) AS trips, count(*) AS stop_times
                FROM gtfs_current.stop_times st
                JOIN gtfs_current.trips t USING (feed_version_id, trip_id)
                JOIN gtfs_current.routes r USING (feed_version_id, route_id)
                GROUP BY 1 ORDER BY 3 DESC LIMIT 5"
