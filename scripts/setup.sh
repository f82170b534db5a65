#!/usr/bin/env bash
# Installs what gtfs-pipeline needs on Debian/Ubuntu: PostgreSQL 15 + PostGIS, redis-server
# (server binaries only; clusters are started per use) and a Python venv in .venv
# with the pinned requirements and the package itself (editable).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
  echo "== installing PostgreSQL 15 + PostGIS (apt)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-postgis-3 postgresql-client-15 >/dev/null
fi
# Redis is the Celery broker of tests/test_archive_s3.py and bench/airflow_bench.py
# --executor celery (they start their own redis-server; the package's service is not used).
if ! command -v redis-server >/dev/null; then
  echo "== installing redis-server (apt)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
# Headless Chromium renders the report and the reports index in tests/test_browser.py
# (without it that test is skipped, and the suite is not complete).
if ! command -v chromium >/dev/null; then
  echo "== installing chromium (apt)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
# The Debian package starts a default cluster on port 5432; we use our own clusters.
if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q '^15 *main .*online'; then
  $SUDO pg_ctlcluster 15 main stop || true
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c "import airflow, psycopg2, yaml, pytest, gtfs_pipeline" 2>/dev/null \
   || [ requirements.txt -nt .venv/.installed ] || [ constraints.txt -nt .venv/.installed ]; then
  echo "== installing Python requirements into .venv (log: .venv/install.log)"
  {
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -r requirements.txt -c constraints.txt
    .venv/bin/pip install -q --no-deps -e .
  } >.venv/install.log 2>&1 || { tail -30 .venv/install.log; exit 1; }
  touch .venv/.installed
fi
