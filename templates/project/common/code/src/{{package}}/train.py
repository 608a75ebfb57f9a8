"""Step 2: fit a ridge regression and log it to MLflow as the run's model."""

import argparse
from pathlib import Path

import mlflow
import mlflow.sklearn
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from .data import features_and_target, read_table


def train(train_data: str, alpha: float) -> Pipeline:
    """The fitted model: scaling, then ridge regression."""
    features, target = features_and_target(read_table(train_data))
    return make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(features, target)


def save(model: Pipeline, model_out: str, model_uri: str = "") -> None:
    """The model as an MLflow model folder, and where the run logged it (for the register step)."""
    out = Path(model_out)
    mlflow.sklearn.save_model(model, str(out / "model"))
    (out / "model_uri.txt").write_text(model_uri)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train-data", required=True)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--model-output", required=True)
    args = parser.parse_args()
    model = train(args.train_data, args.alpha)
    with mlflow.start_run():
        mlflow.log_param("alpha", args.alpha)
        features, _ = features_and_target(read_table(args.train_data))
        # Logged here so the registered version's lineage leads to this run, and so to this job.
        logged = mlflow.sklearn.log_model(model, name="model", input_example=features.head(3))
    save(model, args.model_output, logged.model_uri)
    print(f"trained ridge (alpha={args.alpha}); logged as {logged.model_uri}")


if __name__ == "__main__":
    main()
