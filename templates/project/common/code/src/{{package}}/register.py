"""Step 4: register the trained model in the workspace's registry, if the evaluation passed."""

import argparse
import json
from pathlib import Path

import mlflow


def decide(evaluation: dict) -> tuple[bool, str]:
    """(register?, why): only a model that reached the threshold is registered."""
    if evaluation["passed"]:
        return True, f"r2 {evaluation['r2']:.3f} reaches the threshold {evaluation['r2_threshold']}"
    return False, f"r2 {evaluation['r2']:.3f} is under the threshold {evaluation['r2_threshold']}; not registered"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True, help="the train step's output folder")
    parser.add_argument("--evaluation", required=True, help="the evaluate step's output folder")
    parser.add_argument("--model-name", required=True)
    parser.add_argument("--registration", required=True, help="output folder for registration.json")
    args = parser.parse_args()
    evaluation = json.loads((Path(args.evaluation) / "evaluation.json").read_text())
    should_register, why = decide(evaluation)
    record = {"registered": should_register, "why": why, "name": args.model_name, "evaluation": evaluation}
    if should_register:
        # The URI the train step's run logged the model under: the version's lineage is that run and its job.
        model_uri = (Path(args.model) / "model_uri.txt").read_text().strip()
        version = mlflow.register_model(model_uri, args.model_name, tags={"test_r2": f"{evaluation['r2']:.4f}"})
        record.update({"version": version.version, "model_uri": model_uri})
    Path(args.registration).mkdir(parents=True, exist_ok=True)
    (Path(args.registration) / "registration.json").write_text(json.dumps(record, indent=2))
    print(f"registration: {record}")


if __name__ == "__main__":
    main()
