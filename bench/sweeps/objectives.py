"""The objectives of the sweeps benchmark (bench/sweeps.ts), one copy of the code for every runner.

    python objectives.py serve                       JSON lines on stdin: {"problem": ..., "parameters": {...}}
                                                     -> {"value": ...} on stdout (the in-process driver of
                                                     Trellis's samplers)
    python objectives.py <problem> --name value ...  one trial of a Trellis sweep: logs `objective` with MLflow

Optuna's studies (optuna_study.py) import the same functions. Branin and Hartmann-6 are minimised;
svc_digits (3-fold cross-validated accuracy of an RBF SVC on scikit-learn's bundled digits) is
maximised. Pure Python for the two test functions, so no library version can change a value.
"""

import json
import math
import sys


def branin(x1, x2):
    """Branin-Hoo on x1 in [-5, 10], x2 in [0, 15]: minimum 0.397887."""
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_HARTMANN_WEIGHTS = [1.0, 1.2, 3.0, 3.2]
_HARTMANN_SCALES = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
_HARTMANN_CENTERS = [
    [v * 1e-4 for v in row]
    for row in [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
]


def hartmann6(x0, x1, x2, x3, x4, x5):
    """Hartmann-6 on [0, 1]^6: minimum -3.32237."""
    x = [x0, x1, x2, x3, x4, x5]
    total = 0.0
    for weight, scales, centers in zip(_HARTMANN_WEIGHTS, _HARTMANN_SCALES, _HARTMANN_CENTERS):
        exponent = sum(scales[j] * (x[j] - centers[j]) ** 2 for j in range(6))
        total -= weight * math.exp(-exponent)
    return total


_digits = None


def svc_digits(C, gamma):
    """Mean accuracy of SVC(C, gamma) over 3 stratified folds (shuffled, random_state 0) of digits / 16."""
    global _digits
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.svm import SVC

    if _digits is None:
        from sklearn.datasets import load_digits

        features, labels = load_digits(return_X_y=True)
        _digits = (features / 16.0, labels, StratifiedKFold(n_splits=3, shuffle=True, random_state=0))
    features, labels, folds = _digits
    return float(cross_val_score(SVC(C=C, gamma=gamma), features, labels, cv=folds).mean())


PROBLEMS = {"branin": branin, "hartmann6": hartmann6, "svc_digits": svc_digits}
GOALS = {"branin": "minimize", "hartmann6": "minimize", "svc_digits": "maximize"}


def serve():
    for line in sys.stdin:
        request = json.loads(line)
        value = PROBLEMS[request["problem"]](**request["parameters"])
        print(json.dumps({"value": value}), flush=True)


def trial(problem, argv):
    parameters = {argv[i][2:]: float(argv[i + 1]) for i in range(0, len(argv), 2)}
    value = PROBLEMS[problem](**parameters)
    import mlflow

    mlflow.log_metric("objective", value)
    print(json.dumps({"problem": problem, "parameters": parameters, "objective": value}))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve()
    else:
        trial(sys.argv[1], sys.argv[2:])
