"""Where the project's non-Python files are, whether installed editable or run from plugins/."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = Path(os.environ.get("GTFS_SQL_DIR", PROJECT_ROOT / "include" / "sql"))
