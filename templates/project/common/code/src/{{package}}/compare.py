"""CI: compare the newly registered model with the production one on the held-out rows.

Writes a shell file (PROMOTE, MODEL_NAME, MODEL_VERSION) that the promote step sources.
Run with MLFLOW_TRACKING_URI pointing at the workspace's MLflow endpoint.
"""

import argparse
import json
from pathlib import Path

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from sklearn.metrics import r2_score

from .data import features_and_target, read_table, split


def choose(candidate_r2: float, production_r2: float | None, margin: float, is_in_production: bool = False) -> bool:
    """Promote when there is no production model yet, or the candidate beats it by at least margin; never the one already there."""
    if is_in_production:
        return False
    return production_r2 is None or candidate_r2 >= production_r2 + margin


def held_out_r2(model_uri: str, data: str) -> float:
    features, target = features_and_target(split(read_table(data))[1])
    return float(r2_score(target, mlflow.pyfunc.load_model(model_uri).predict(features)))


def production_version(name: str, alias: str) -> str | None:
    try:
        return MlflowClient().get_model_version_by_alias(name, alias).version
    except MlflowException:
        return None  # no model has the alias yet: the first one registered wins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registration", required=True, help="registration.json of the pipeline's register step")
    parser.add_argument("--data", required=True, help="the raw CSV; its held-out split is used")
    parser.add_argument("--alias", default="production")
    parser.add_argument("--margin", type=float, default=0.0)
    parser.add_argument("--out", default="compare.env")
    args = parser.parse_args()
    registration = json.loads(Path(args.registration).read_text())
    if not registration["registered"]:
        raise SystemExit(f"no model to compare: {registration['why']}")
    name, version = registration["name"], str(registration["version"])
    candidate = held_out_r2(f"models:/{name}/{version}", args.data)
    current = production_version(name, args.alias)
    production = held_out_r2(f"models:/{name}/{current}", args.data) if current else None
    # A run that changed nothing reuses the register step, and so names the version production already has.
    promote = choose(candidate, production, args.margin, is_in_production=current == version)
    Path(args.out).write_text(f"PROMOTE={str(promote).lower()}\nMODEL_NAME={name}\nMODEL_VERSION={version}\n")
    print(f"candidate {name}:{version} r2={candidate:.4f}; production {current or '(none)'} r2={production}; promote={promote}")


if __name__ == "__main__":
    main()
