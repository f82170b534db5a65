"""The package as users deploy it, not as the checkout runs it.

1. The built wheel installed into a fresh virtual environment outside the checkout, used from
   another working directory: ``gtfs-pipeline init-db`` creates the schema from the SQL inside the
   package, ``gtfs-pipeline load`` loads a feed (geometry, validation rules and report included),
   and the DAG file parses against the installed package.
2. The Docker image's layout: the package built from exactly what the Dockerfile copies, installed
   non-editable, dags/ plugins/ include/ "mounted" (copied) at docker-compose.yml's paths under a
   temporary root, the compose environment, Airflow appending the plugins folder to sys.path (so
   the site-packages copy wins, as in the image); the same steps.

The fresh venv has no packages of its own but gtfs-pipeline: the runtime dependencies (Airflow,
psycopg2, PyYAML) come from the test run's own environment through a .pth line after the venv's
site-packages, which holds no gtfs_pipeline (the test run's install is editable, i.e. only a path
hook that a plain .pth line does not run). The wheel is built with pip's build isolation
(setuptools from PyPI or pip's cache), as a user builds it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import uuid
from pathlib import Path

import psycopg2
import pytest
import yaml

from feedbuilder import write_feed

REPO = Path(__file__).resolve().parents[1]


def _run(cmd: list, *, env: dict, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    return proc


def _clean_env(**extra: str) -> dict:
    """The environment without this checkout on the path and without the test run's Airflow/GTFS settings."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV") and not k.startswith(("AIRFLOW", "GTFS_"))}
    env.update(extra)
    return env


def build_wheel(src: Path, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, src], env=_clean_env(),
         cwd=out, timeout=300)
    (wheel,) = out.glob("gtfs_pipeline-*.whl")
    return wheel


def make_venv(where: Path, wheel: Path) -> Path:
    """A fresh venv with only the wheel installed (non-editable); returns its python."""
    _run([sys.executable, "-m", "venv", "--without-pip", where], env=_clean_env(), cwd=where.parent)
    python = where / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
          wheel], env=_clean_env(), cwd=where.parent)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     env=_clean_env(), cwd=where.parent).stdout.strip())
    (site / "zz_test_run_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.fixture
def empty_db(pg_server):
    """A database with nothing in it (no extension, no schema): what init-db starts from."""
    name = f"gtfs_inst_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_server)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    yield pg_server.rsplit("/", 1)[0] + "/" + name
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _registry(path: Path) -> Path:
    path.write_text("feeds:\n  - feed_id: tiny\n    url: http://127.0.0.1:9/tiny.zip\n")
    return path


def check_steps(python: Path, bindir: Path, dsn: str, work: Path, env: dict, dags: Path, plugins: Path | None,
                site_packages: Path) -> None:
    """init-db, load a feed, check its rows, parse the DAG: all against the installed package."""
    gtfs = bindir / "gtfs-pipeline"
    out = _run([gtfs, "--dsn", dsn, "init-db"], env=env, cwd=work).stdout
    migrations = sorted(p.stem for p in (REPO / "include" / "sql" / "migrations").glob("[0-9]*.sql"))
    assert [line for line in out.splitlines() if line.startswith("applied migration")] == \
        [f"applied migration {m}" for m in migrations]

    feed = write_feed(work / "tiny.zip", {})
    loaded = json.loads(_run([gtfs, "--dsn", dsn, "load", feed, "--feed-id", "tiny", "--report-dir", work,
                              "--json"], env=env, cwd=work).stdout)
    assert loaded["status"] == "published"
    assert {f["filename"]: f["rows"] for f in loaded["files"]} == {
        "agency.txt": 1, "stops.txt": 2, "routes.txt": 1, "trips.txt": 1, "stop_times.txt": 2, "calendar.txt": 1}
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT trip_id, stop_id, departure_time::text FROM gtfs_current.stop_times ORDER BY 1, 2")
        assert cur.fetchall() == [("T1", "S1", "08:00:00"), ("T1", "S2", "08:11:00")]
        # validation ran (its rules are the package's SQL) and geometry located both stops (its SQL too)
        cur.execute("SELECT validated_at IS NOT NULL FROM gtfs.feed_version WHERE feed_version_id = %s",
                    (loaded["feed_version_id"],))
        assert cur.fetchone()[0] is True
        cur.execute("SELECT stops, stops_located FROM gtfs.feed_version_geometry WHERE feed_version_id = %s",
                    (loaded["feed_version_id"],))
        assert cur.fetchone() == (2, 2)
    assert Path(loaded["report"]).is_file() and Path(loaded["report"]).parent == work
    conn.close()

    probe = (
        "import json, sys, airflow\n"
        "from airflow.models import DagBag\n"
        f"bag = DagBag(dag_folder={str(dags)!r})\n"
        "import gtfs_pipeline, gtfs_pipeline.paths as p\n"
        "print(json.dumps({'errors': {k: str(v) for k, v in bag.import_errors.items()}, 'dags': sorted(bag.dag_ids),"
        " 'package': gtfs_pipeline.__file__, 'sql': str(p.SQL_DIR), 'origin': p.SQL_DIR_ORIGIN,"
        " 'path': sys.path}))\n")
    facts = json.loads(_run([python, "-c", probe], env=env, cwd=work).stdout.strip().splitlines()[-1])
    assert facts["errors"] == {} and facts["dags"] == ["gtfs_feeds"]
    assert Path(facts["package"]).parent == site_packages / "gtfs_pipeline"
    assert (facts["sql"], facts["origin"]) == (str(site_packages / "gtfs_pipeline" / "sql"), "the installed package")
    assert str(REPO / "plugins") not in facts["path"]
    if plugins is not None:  # Airflow appends the plugins folder: after site-packages
        assert facts["path"].index(str(plugins)) > facts["path"].index(str(site_packages))


def _site_packages(python: Path) -> Path:
    return Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     env=_clean_env(), cwd=python.parent).stdout.strip())


def test_the_built_wheel_works_from_a_fresh_venv_outside_the_checkout(tmp_path, empty_db):
    wheel = build_wheel(REPO, tmp_path / "dist")
    python = make_venv(tmp_path / "venv", wheel)
    work = tmp_path / "elsewhere"
    work.mkdir()
    dags = tmp_path / "dags"
    shutil.copytree(REPO / "dags", dags, ignore=shutil.ignore_patterns("__pycache__"))
    env = _clean_env(AIRFLOW_HOME=str(tmp_path / "airflow-home"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
                     AIRFLOW__CORE__DAGS_FOLDER=str(dags), GTFS_FEEDS_REGISTRY=str(_registry(work / "feeds.yml")))
    check_steps(python, python.parent, empty_db, work, env, dags, None, _site_packages(python))


def test_the_installed_package_without_its_sql_says_so(tmp_path, empty_db):
    """An install that lost its SQL (here: deleted from the venv) fails init-db with one line, instead
    of creating no tables."""
    wheel = build_wheel(REPO, tmp_path / "dist")
    python = make_venv(tmp_path / "venv", wheel)
    shutil.rmtree(_site_packages(python) / "gtfs_pipeline" / "sql" / "migrations")
    proc = subprocess.run([python.parent / "gtfs-pipeline", "--dsn", empty_db, "init-db"], env=_clean_env(),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert re.search(r"no schema migrations found: \S+/gtfs_pipeline/sql/migrations \(the installed package\) "
                     r"does not exist\. The package was installed without its SQL files", proc.stderr), proc.stderr


def _dockerfile_copies(into: str) -> list[tuple[list[str], str]]:
    """The Dockerfile's COPY lines whose destination is under `into`: (sources, destination)."""
    copies = []
    for line in (REPO / "Dockerfile").read_text().splitlines():
        words = [w for w in line.split() if not w.startswith("--")]
        if words and words[0] == "COPY" and words[-1].startswith(into):
            copies.append((words[1:-1], words[-1]))
    return copies


def test_the_docker_images_layout(tmp_path, empty_db):
    root = tmp_path / "image"
    # 1. What the Dockerfile copies into the build context it installs (pip install /opt/gtfs/src).
    text = (REPO / "Dockerfile").read_text()
    assert re.search(r"^RUN pip install --no-cache-dir --no-deps /opt/gtfs/src\s*$", text, re.M)
    src = root / "opt/gtfs/src"
    for sources, dest in _dockerfile_copies("/opt/gtfs/src"):
        target = root / dest.lstrip("/")
        for name in sources:
            if (REPO / name).is_dir():
                shutil.copytree(REPO / name, target / name if dest.endswith("/") else target,
                                ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO / name, target / name)
    python = make_venv(tmp_path / "venv", build_wheel(src, tmp_path / "dist"))
    site = _site_packages(python)

    # 2. The compose file's bind mounts and environment, under the temporary root.
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    scheduler = compose["services"]["airflow-scheduler"]

    def at_root(value: str) -> str:
        return re.sub(r"(?<![\w/])/opt/airflow", str(root / "opt/airflow"), value)

    for volume in scheduler["volumes"]:
        host, container = volume.split(":", 1)
        if host.lstrip("./") in ("dags", "plugins", "include"):
            shutil.copytree(REPO / host, Path(at_root(container)), ignore=shutil.ignore_patterns("__pycache__"))
    home = root / "opt/airflow"
    env = _clean_env(AIRFLOW_HOME=str(home))
    for key, value in scheduler["environment"].items():
        value = str(value)
        if key.startswith(("AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__CORE__PLUGINS_FOLDER", "GTFS_FEEDS_REGISTRY")):
            env[key] = at_root(value)
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == str(home / "plugins")
    _registry(home / "include" / "feeds.yml")  # the mounted include/ with the user's registry
    env["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    # The image's working directory is AIRFLOW_HOME (/opt/airflow), as for the compose init service.
    check_steps(python, python.parent, empty_db, home, env, home / "dags", home / "plugins", site)
