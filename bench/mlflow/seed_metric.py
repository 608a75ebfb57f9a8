"""Seeds one metric of one existing run, `count` points at steps 0..count-1, into an MLflow
server's SQLite database, through the tables of MLflow's own SQLAlchemy models (a bulk insert),
so the rows are the ones MLflow would have written. A million points through the REST API take
minutes (see the ingest row of the tracking benchmark); this benchmark measures the chart, not
the writing. Usage: seed_metric.py <sqlite-path> <run-id> <key> <count> <start-time-ms>"""
import math
import sys

import warnings

warnings.filterwarnings("ignore", message=".*noload.*")

from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric
from sqlalchemy import create_engine

path, run_id, key, count, start = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
engine = create_engine(f"sqlite:///{path}")


def value(step):
    # The same curve the Trellis side gets (bench/studio.ts): a decaying loss with some wiggle.
    return math.exp(-step / (count / 5)) + 0.05 * math.sin(step / 50)


with engine.begin() as connection:
    for first in range(0, count, 50_000):
        rows = [{"key": key, "value": value(step), "timestamp": start + step, "step": step, "is_nan": False, "run_uuid": run_id} for step in range(first, min(count, first + 50_000))]
        connection.execute(SqlMetric.__table__.insert(), rows)
    last = count - 1
    connection.execute(SqlLatestMetric.__table__.insert(), [{"key": key, "value": value(last), "timestamp": start + last, "step": last, "is_nan": False, "run_uuid": run_id}])
print(f"seeded {count} points of {key}", flush=True)
