"""Where the project's non-Python files are, whether installed editable or run from plugins/."""

from __future__ import annotations

from pathlib import Path

from . import settings as _settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = _settings.current().sql_dir or PROJECT_ROOT / "include" / "sql"  # GTFS_SQL_DIR, read at import
