"""The realtime template's sample request matches the model's input columns."""

import json
from pathlib import Path

from {{package}}.data import TARGET, read_table

ROOT = Path(__file__).resolve().parents[1]


def test_the_sample_request_has_the_models_columns():
    request = json.loads((ROOT / "deploy" / "online" / "sample-request.json").read_text())["input_data"]
    columns = [c for c in read_table(ROOT / "data" / "diabetes.csv").columns if c != TARGET]
    assert request["columns"] == columns
    assert all(len(row) == len(columns) for row in request["data"])
