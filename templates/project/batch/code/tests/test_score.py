"""The batch template's scoring, with a model trained here (no registry needed)."""

from pathlib import Path

from {{package}}.data import read_table, split
from {{package}}.score import score_folder
from {{package}}.train import train

INPUT = Path(__file__).resolve().parents[2] / "deploy" / "batch" / "nightly-input"


def test_every_input_row_gets_a_prediction(tmp_path):
    train_table, _ = split(read_table(Path(__file__).resolve().parents[2] / "data" / "diabetes.csv"))
    train_table.to_csv(tmp_path / "data.csv", index=False)
    predictions = score_folder(train(str(tmp_path), alpha=1.0), str(INPUT))
    assert len(predictions) == 20
    assert set(predictions.columns) == {"file", "prediction"}
