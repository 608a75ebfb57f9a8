"""CI: read the stress test of the candidate (trellis online-deployment profile -o json) and size prod by it.

Writes a shell file (INSTANCE_COUNT, INSTANCE_TYPE) that the promote step sources, or fails with the
profile's reasons when the candidate cannot carry the target load within the target latency.
"""

import argparse
import json
from pathlib import Path


def verdict(profile: dict) -> dict:
    """The prod sizing the profile recommends; SystemExit with the reasons when it failed or missed its target."""
    if profile.get("state") != "Succeeded":
        raise SystemExit(f"the stress test did not finish: {profile.get('state')} ({profile.get('error')})")
    recommendation = profile.get("recommendation") or {}
    if not recommendation.get("isTargetMet"):
        reasons = "; ".join(recommendation.get("reasons") or ["no recommendation"])
        raise SystemExit(f"the candidate does not meet the target: {reasons}")
    return {"INSTANCE_COUNT": recommendation["instanceCount"], "INSTANCE_TYPE": recommendation["instanceType"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", required=True, help="the JSON trellis online-deployment profile -o json printed")
    parser.add_argument("--out", default="stress.env")
    args = parser.parse_args()
    sizing = verdict(json.loads(Path(args.profile).read_text()))
    Path(args.out).write_text("".join(f"{key}={value}\n" for key, value in sizing.items()))
    print(f"stress test passed: prod gets {sizing['INSTANCE_COUNT']} x {sizing['INSTANCE_TYPE']}")


if __name__ == "__main__":
    main()
