#!/usr/bin/env bash
# Runs the test suite. The tests start their own throwaway PostgreSQL + PostGIS
# cluster unless GTFS_TEST_DATABASE_URL names a server to use.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
