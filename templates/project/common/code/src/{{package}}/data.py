"""Reading the data set and splitting it the same way in every step (and in CI's comparison)."""

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

TARGET = "target"
# A fixed seed: the held-out rows are the same in the pipeline, the tests and the CI comparison.
SPLIT_SEED = 42
TEST_FRACTION = 0.2


def read_table(path: str | Path, file_name: str = "data.csv") -> pd.DataFrame:
    """A CSV file, or the named file inside a folder (step outputs are folders)."""
    path = Path(path)
    return pd.read_csv(path / file_name if path.is_dir() else path)


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test): a deterministic split of the rows."""
    train, test = train_test_split(frame, test_size=TEST_FRACTION, random_state=SPLIT_SEED)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def features_and_target(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    return frame.drop(columns=[TARGET]), frame[TARGET]
