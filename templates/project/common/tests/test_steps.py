"""Fast, offline tests of the steps' logic (no MLflow server: the steps' main() does the logging)."""

import json
from pathlib import Path

import pytest
from sklearn.datasets import load_diabetes

from {{package}}.compare import choose
from {{package}}.data import TARGET, read_table, split
from {{package}}.evaluate import evaluate
from {{package}}.prepare import prepare
from {{package}}.register import decide
from {{package}}.train import train

RAW = Path(__file__).resolve().parents[1] / "data" / "diabetes.csv"


def test_the_data_file_is_scikit_learns_diabetes_set():
    frame = read_table(RAW)
    expected = load_diabetes(scaled=False, as_frame=True).frame
    assert list(frame.columns) == list(expected.columns)
    assert len(frame) == len(expected) == 442


def test_the_split_is_deterministic_and_disjoint():
    frame = read_table(RAW)
    train_a, test_a = split(frame)
    train_b, test_b = split(frame)
    assert train_a.equals(train_b) and test_a.equals(test_b)
    assert len(train_a) + len(test_a) == len(frame)


@pytest.fixture
def prepared(tmp_path):
    counts = prepare(str(RAW), str(tmp_path / "train"), str(tmp_path / "test"))
    return tmp_path, counts


def test_prepare_writes_both_tables(prepared):
    folder, counts = prepared
    assert counts == {"train_rows": 353, "test_rows": 89}
    assert TARGET in read_table(folder / "train").columns


def test_the_trained_model_passes_a_sensible_threshold_and_fails_an_impossible_one(prepared):
    folder, _ = prepared
    model = train(str(folder / "train"), alpha=1.0)
    passed = evaluate(model, str(folder / "test"), r2_threshold=0.3)
    assert passed["passed"] and 0.3 <= passed["r2"] < 1
    assert not evaluate(model, str(folder / "test"), r2_threshold=0.99)["passed"]
    json.dumps(passed)  # evaluation.json must be plain JSON


def test_register_only_a_model_that_passed():
    assert decide({"passed": True, "r2": 0.45, "r2_threshold": 0.3})[0]
    register, why = decide({"passed": False, "r2": 0.2, "r2_threshold": 0.3})
    assert not register and "under the threshold" in why


def test_promote_the_first_model_and_only_a_better_one_after():
    assert choose(0.4, None, margin=0.0)
    assert choose(0.45, 0.44, margin=0.0)
    assert not choose(0.45, 0.44, margin=0.02)
    # A rerun that changed nothing names the version production already serves: nothing to promote.
    assert not choose(0.45, 0.45, margin=0.0, is_in_production=True)
