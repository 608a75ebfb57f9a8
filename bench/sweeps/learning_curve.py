"""The early-termination trial of bench/sweeps.ts: an SGDClassifier on scikit-learn's digits, trained
epoch by epoch with partial_fit, logging its validation error (1 - accuracy on a fixed 30% split)
as `val_error` after every epoch, then sleeping `--pause` seconds so a policy can act between reports.

    python learning_curve.py --alpha A --eta0 E --epochs 20 --pause 0.25

Deterministic: the same hyperparameters give the same curve (random_state 0 for the split and the model).
"""

import argparse
import time

import mlflow
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--alpha", type=float, required=True)
parser.add_argument("--eta0", type=float, required=True)
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--pause", type=float, default=0.25)
args = parser.parse_args()

features, labels = load_digits(return_X_y=True)
features = features / 16.0
train_x, valid_x, train_y, valid_y = train_test_split(features, labels, test_size=0.3, random_state=0, stratify=labels)
model = SGDClassifier(loss="log_loss", alpha=args.alpha, learning_rate="constant", eta0=args.eta0, random_state=0)
classes = np.unique(labels)
for epoch in range(1, args.epochs + 1):
    model.partial_fit(train_x, train_y, classes=classes)
    error = float(1.0 - model.score(valid_x, valid_y))
    mlflow.log_metric("val_error", error, step=epoch)
    print(f"epoch {epoch} val_error {error:.4f}", flush=True)
    time.sleep(args.pause)
