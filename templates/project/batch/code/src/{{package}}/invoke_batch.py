"""Invokes the project's batch endpoint and waits for its scoring job: what the nightly schedule runs.

Inside a Trellis job the server and a token come with the job (MLFLOW_TRACKING_URI, TRELLIS_TOKEN,
TRELLIS_WORKSPACE); outside one, set TRELLIS_URL, TRELLIS_TOKEN and TRELLIS_WORKSPACE.
"""

import argparse
import json
import os
import sys
import time
import urllib.request


def server_url(environ) -> str:
    """Trellis's URL: TRELLIS_URL, or the tracking URI a job gets (<server>/workspaces/<ws>/mlflow) without its tail."""
    if environ.get("TRELLIS_URL"):
        return environ["TRELLIS_URL"].rstrip("/")
    tracking = environ.get("MLFLOW_TRACKING_URI", "")
    marker = "/workspaces/"
    if marker not in tracking:
        raise SystemExit("set TRELLIS_URL (or run inside a Trellis job, which sets MLFLOW_TRACKING_URI)")
    return tracking[: tracking.index(marker)]


def call(method: str, url: str, token: str, body=None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("content-type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoint", required=True, help="the batch endpoint")
    parser.add_argument("--input", required=True, help="the data to score: azureml:<data>@latest or azureml:<data>:<version>")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds to wait for the scoring job")
    args = parser.parse_args()
    base = f"{server_url(os.environ)}/api/v1/workspaces/{os.environ['TRELLIS_WORKSPACE']}/batch-endpoints/{args.endpoint}"
    token = os.environ["TRELLIS_TOKEN"]
    job = call("POST", f"{base}/invoke", token, {"input": args.input})
    print(f"invoked {args.endpoint}: scoring job {job['name']}", flush=True)
    deadline = time.monotonic() + args.timeout
    while job["state"] not in ("Completed", "Failed", "Canceled"):
        if time.monotonic() > deadline:
            raise SystemExit(f"scoring job {job['name']} is still {job['state']} after {args.timeout:.0f} s")
        time.sleep(2)
        jobs = call("GET", f"{base}/jobs", token)["items"]
        job = next(item for item in jobs if item["name"] == job["name"])
    print(f"scoring job {job['name']}: {job['state']}; predictions in data asset {job['outputDataAsset']}", flush=True)
    if job["state"] != "Completed":
        sys.exit(f"scoring job {job['name']} ended {job['state']}: {job.get('reason')}")


if __name__ == "__main__":
    main()
