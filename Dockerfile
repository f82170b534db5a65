# Airflow 3.3 with gtfs-pipeline's dependencies. The DAGs, plugins (the gtfs_pipeline
# package) and include/ (SQL migrations, feed registry) are mounted by docker-compose.yml,
# so code changes need no rebuild; the package is also installed for the `gtfs-pipeline` CLI.
FROM apache/airflow:3.3.2

COPY requirements.txt constraints.txt /opt/gtfs/
RUN pip install --no-cache-dir -r /opt/gtfs/requirements.txt -c /opt/gtfs/constraints.txt

# The package's build context: its code, and include/ whose SQL and example registry the wheel
# carries as package data (the installed copy finds its SQL inside itself; see pyproject.toml).
COPY --chown=airflow:root pyproject.toml README.md /opt/gtfs/src/
COPY --chown=airflow:root plugins /opt/gtfs/src/plugins
COPY --chown=airflow:root include /opt/gtfs/src/include
RUN pip install --no-cache-dir --no-deps /opt/gtfs/src
