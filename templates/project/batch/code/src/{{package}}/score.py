"""Batch scoring: predictions for every CSV file of a folder, with a registered model."""

import argparse
from pathlib import Path

import mlflow
import pandas as pd


def score_folder(model, input_folder: str) -> pd.DataFrame:
    """One row per input row: the file it came from and the predicted progression."""
    frames = []
    for path in sorted(Path(input_folder).glob("*.csv")):
        rows = pd.read_csv(path)
        frames.append(pd.DataFrame({"file": path.name, "prediction": model.predict(rows)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["file", "prediction"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="a model URI, e.g. models:/<name>@production")
    parser.add_argument("--input", required=True)
    parser.add_argument("--predictions", required=True)
    args = parser.parse_args()
    predictions = score_folder(mlflow.pyfunc.load_model(args.model), args.input)
    Path(args.predictions).mkdir(parents=True, exist_ok=True)
    predictions.to_csv(Path(args.predictions) / "predictions.csv", index=False)
    print(f"scored {len(predictions)} rows with {args.model}")


if __name__ == "__main__":
    main()
