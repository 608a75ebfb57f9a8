"""Step 3: score the model on the held-out rows and decide whether it is good enough."""

import argparse
import json
from pathlib import Path

import mlflow
import mlflow.sklearn
from sklearn.metrics import mean_squared_error, r2_score

from .data import features_and_target, read_table


def evaluate(model, test_data: str, r2_threshold: float) -> dict:
    """The metrics on the test table, the threshold and whether R² reaches it."""
    features, target = features_and_target(read_table(test_data))
    predicted = model.predict(features)
    r2 = float(r2_score(target, predicted))
    rmse = float(mean_squared_error(target, predicted) ** 0.5)
    return {"r2": r2, "rmse": rmse, "r2_threshold": r2_threshold, "passed": r2 >= r2_threshold}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="the train step's output folder")
    parser.add_argument("--test-data", required=True)
    parser.add_argument("--r2-threshold", type=float, required=True)
    parser.add_argument("--evaluation", required=True, help="output folder for evaluation.json")
    args = parser.parse_args()
    model = mlflow.sklearn.load_model(str(Path(args.model) / "model"))
    result = evaluate(model, args.test_data, args.r2_threshold)
    Path(args.evaluation).mkdir(parents=True, exist_ok=True)
    (Path(args.evaluation) / "evaluation.json").write_text(json.dumps(result, indent=2))
    with mlflow.start_run():
        mlflow.log_metrics({"test_r2": result["r2"], "test_rmse": result["rmse"]})
        mlflow.set_tag("evaluation.passed", str(result["passed"]).lower())
    print(f"evaluation: {result}")


if __name__ == "__main__":
    main()
