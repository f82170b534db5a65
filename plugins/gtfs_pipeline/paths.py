"""Where the package's non-Python files are: inside the installed package, or in the source tree.

The source of truth is the checkout's ``include/`` folder. A built wheel carries copies as package
data (pyproject.toml maps ``include/sql`` to the package ``gtfs_pipeline.sql`` and
``include/feeds.example.yml`` into ``gtfs_pipeline.examples``), found here with
``importlib.resources``. Run from a checkout (``plugins/`` on ``sys.path``, or an editable install)
the package folder has no ``sql/`` and the files are read from ``include/`` next to ``plugins/``,
so an edited SQL file applies without a reinstall. ``GTFS_SQL_DIR`` overrides both.

Looked up once, at import; a folder that is missing or holds none of the expected files is an
error when something needs it (:func:`sql_files`), never an empty list.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from . import settings as _settings
from .errors import GtfsPipelineError

_PACKAGE = Path(str(importlib.resources.files(__package__)))
_CANDIDATE_ROOT = _PACKAGE.parents[1]
# The checkout this package runs from (plugins/gtfs_pipeline -> the project root), or None when
# the package is installed (site-packages/gtfs_pipeline has no include/sql two levels up).
SOURCE_ROOT: Path | None = _CANDIDATE_ROOT if (_CANDIDATE_ROOT / "include" / "sql" / "migrations").is_dir() \
    and (_CANDIDATE_ROOT / "plugins" / __package__).resolve() == _PACKAGE.resolve() else None
PROJECT_ROOT = SOURCE_ROOT  # kept for callers that name the checkout: None when installed


def _sql_dir() -> tuple[Path, str]:
    override = _settings.current().sql_dir
    if override is not None:
        return override, "GTFS_SQL_DIR"
    packaged = _PACKAGE / "sql"
    if packaged.is_dir():
        return packaged, "the installed package"
    if SOURCE_ROOT is not None:
        return SOURCE_ROOT / "include" / "sql", "the source tree"
    return packaged, "the installed package"


SQL_DIR, SQL_DIR_ORIGIN = _sql_dir()


def example_registry() -> Path:
    """The example feed registry that ships with the package (every field the format knows)."""
    packaged = _PACKAGE / "examples" / "feeds.example.yml"
    if packaged.is_file() or SOURCE_ROOT is None:
        return packaged
    return SOURCE_ROOT / "include" / "feeds.example.yml"


def sql_files(folder: Path, pattern: str, what: str) -> list[Path]:
    """The SQL files of one kind, sorted; none at all is an error that says where it looked."""
    found = sorted(folder.glob(pattern))
    if not found:
        state = "is empty" if folder.is_dir() else "does not exist"
        raise GtfsPipelineError(
            f"no {what} found: {folder} ({SQL_DIR_ORIGIN}) {state}. "
            + ("Point GTFS_SQL_DIR at the project's include/sql folder."
               if SQL_DIR_ORIGIN == "GTFS_SQL_DIR" else
               "The package was installed without its SQL files: reinstall gtfs-pipeline from a wheel or "
               "sdist built from the project (pip install .), or set GTFS_SQL_DIR to its include/sql folder."))
    return found
