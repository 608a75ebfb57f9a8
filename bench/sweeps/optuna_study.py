"""Optuna's default TPESampler(seed) on the objectives of objectives.py (bench/sweeps.ts).

    python optuna_study.py <problem> <seeds> <trials>

One JSON line per seed: {"problem", "seed", "best", "seconds", "objectives"} (every trial's value in order).
"""

import json
import sys
import time

import optuna

from objectives import GOALS, PROBLEMS

optuna.logging.set_verbosity(optuna.logging.WARNING)

# The search spaces of bench/sweeps.ts, as Optuna writes them (log=True: Trellis's loguniform).
SPACES = {
    "branin": lambda t: {"x1": t.suggest_float("x1", -5, 10), "x2": t.suggest_float("x2", 0, 15)},
    "hartmann6": lambda t: {f"x{j}": t.suggest_float(f"x{j}", 0, 1) for j in range(6)},
    "svc_digits": lambda t: {
        "C": t.suggest_float("C", 1e-3, 1e3, log=True),
        "gamma": t.suggest_float("gamma", 1e-5, 10, log=True),
    },
}

if __name__ == "__main__":
    problem, seeds, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for seed in range(seeds):
        started = time.perf_counter()
        study = optuna.create_study(direction=GOALS[problem], sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(lambda t: PROBLEMS[problem](**SPACES[problem](t)), n_trials=trials)
        print(
            json.dumps(
                {
                    "problem": problem,
                    "seed": seed,
                    "best": study.best_value,
                    "seconds": time.perf_counter() - started,
                    "objectives": [t.value for t in study.trials],
                }
            ),
            flush=True,
        )
