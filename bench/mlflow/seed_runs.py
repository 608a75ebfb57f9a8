"""Seeds an MLflow server's SQLite database with the runs of the search benchmark, using
MLflow's own SQLAlchemy models, so the data is exactly what MLflow would have written itself.
Writing 50,000 runs through MLflow's REST API would take most of an hour; the benchmark measures
search, not seeding. Usage: seed_runs.py <sqlite-path> <experiment-id> <count> <start-time-ms>"""
import sys

import warnings

warnings.filterwarnings("ignore", message=".*noload.*")

from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun, SqlTag
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

path, experiment_id, count, start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
engine = create_engine(f"sqlite:///{path}")
learning_rates = ["0.1", "0.01", "0.001"]

with Session(engine) as session:
    for first in range(0, count, 5000):
        objects = []
        for i in range(first, min(count, first + 5000)):
            run_id = f"{i:032x}"
            accuracy = ((i * 7919) % 10007) / 10007
            objects.append(SqlRun(run_uuid=run_id, name=f"run-{i}", source_type="LOCAL", source_name="", entry_point_name="", user_id="bench",
                                  status="FINISHED", start_time=start + i, end_time=start + i + 1, source_version="", lifecycle_stage="active",
                                  artifact_uri=f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", experiment_id=experiment_id))
            objects.append(SqlMetric(key="accuracy", value=accuracy, timestamp=start + i, step=0, is_nan=False, run_uuid=run_id))
            objects.append(SqlLatestMetric(key="accuracy", value=accuracy, timestamp=start + i, step=0, is_nan=False, run_uuid=run_id))
            objects.append(SqlParam(key="lr", value=learning_rates[i % 3], run_uuid=run_id))
            objects.append(SqlTag(key="mlflow.runName", value=f"run-{i}", run_uuid=run_id))
            objects.append(SqlTag(key="team", value="vision" if i % 2 else "speech", run_uuid=run_id))
        session.add_all(objects)
        session.commit()
print(f"seeded {count} runs", flush=True)
