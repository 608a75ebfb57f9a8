"""Step 1: split the raw data into a training and a held-out test table."""

import argparse
from pathlib import Path

import mlflow

from .data import read_table, split


def prepare(raw: str, train_out: str, test_out: str) -> dict[str, int]:
    """Writes train_out/data.csv and test_out/data.csv; returns the row counts."""
    train, test = split(read_table(raw))
    for frame, folder in ((train, train_out), (test, test_out)):
        Path(folder).mkdir(parents=True, exist_ok=True)
        frame.to_csv(Path(folder) / "data.csv", index=False)
    return {"train_rows": len(train), "test_rows": len(test)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw-data", required=True)
    parser.add_argument("--train-data", required=True)
    parser.add_argument("--test-data", required=True)
    args = parser.parse_args()
    counts = prepare(args.raw_data, args.train_data, args.test_data)
    # Inside a Trellis job, MLFLOW_TRACKING_URI and MLFLOW_RUN_ID make this the step's own run.
    with mlflow.start_run():
        mlflow.log_metrics(counts)
    print(f"prepared {counts}")


if __name__ == "__main__":
    main()
