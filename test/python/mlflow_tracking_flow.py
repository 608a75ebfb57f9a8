"""Drives a live Trellis with the real MLflow Python client (MLFLOW_TRACKING_URI is set by the
Node test that starts the server) and asserts the result of every call. Prints one line per
check, and 'ALL CHECKS PASSED' at the end; any failed assertion exits non-zero."""
import math
import os
import time

import mlflow
import requests
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException, RestException

from checks import check, done


client = MlflowClient()
suffix = os.environ.get("TRELLIS_TEST_SUFFIX", str(int(time.time() * 1000)))

# Experiments: create, get, get-by-name, tags, rename, duplicate refused with MLflow's code.
name = f"iris-{suffix}"
experiment_id = client.create_experiment(name, tags={"team": "vision"})
check(isinstance(experiment_id, str) and experiment_id != "0", "create_experiment returns a new id")
experiment = client.get_experiment(experiment_id)
check(experiment.name == name and experiment.lifecycle_stage == "active", "get_experiment reads it back")
check(experiment.tags.get("team") == "vision", "experiment tags round-trip")
check(client.get_experiment_by_name(name).experiment_id == experiment_id, "get_experiment_by_name finds it")
check(client.get_experiment_by_name("no-such-experiment-" + suffix) is None, "get_experiment_by_name of a missing name is None")
try:
    client.create_experiment(name)
    check(False, "a duplicate experiment name is refused")
except MlflowException as error:
    check(error.error_code == "RESOURCE_ALREADY_EXISTS", "a duplicate experiment name is RESOURCE_ALREADY_EXISTS")
client.set_experiment_tag(experiment_id, "stage", "dev")
check(client.get_experiment(experiment_id).tags["stage"] == "dev", "set_experiment_tag")
default = client.get_experiment("0")
check(default.name == "Default", "the Default experiment 0 exists")
other_id = client.create_experiment(f"other-{suffix}")
found = client.search_experiments(filter_string="name LIKE 'iris-%' and tags.team = 'vision'")
check([e.experiment_id for e in found] == [experiment_id], "search_experiments filters on a name pattern and a tag")
ordered_experiments = client.search_experiments(order_by=["name ASC"])
check([e.name for e in ordered_experiments] == sorted(["Default", name, f"other-{suffix}"]), "search_experiments orders by name")
check([e.experiment_id for e in client.search_experiments(max_results=1)] == [other_id], "search_experiments pages newest first")

# Fluent API: nested runs with params, metrics, tags.
mlflow.set_experiment(name)
with mlflow.start_run(run_name="parent") as parent:
    mlflow.log_param("model", "logistic")
    mlflow.log_params({"C": 0.5, "max_iter": 200})
    mlflow.set_tag("purpose", "compat-test")
    for step in range(5):
        mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
    with mlflow.start_run(run_name="child", nested=True) as child:
        mlflow.log_metric("accuracy", 0.93)
        mlflow.log_metric("nan_metric", float("nan"))
        mlflow.log_metric("inf_metric", float("inf"))
    parent_id = parent.info.run_id
    child_id = child.info.run_id

parent_run = client.get_run(parent_id)
check(parent_run.info.status == "FINISHED" and parent_run.info.end_time is not None, "a finished run has status FINISHED and an end time")
check(parent_run.info.run_name == "parent", "run_name is kept")
check(parent_run.data.params == {"model": "logistic", "C": "0.5", "max_iter": "200"}, "params round-trip as strings")
check(parent_run.data.metrics["loss"] == 0.2, "the latest metric value is the one at the highest step")
check(parent_run.data.tags["purpose"] == "compat-test", "tags round-trip")
child_run = client.get_run(child_id)
check(child_run.data.tags.get("mlflow.parentRunId") == parent_id, "the child run points to its parent")
check(math.isnan(child_run.data.metrics["nan_metric"]), "NaN metrics round-trip")
check(child_run.data.metrics["inf_metric"] == float("inf"), "infinite metrics round-trip")

# History in step order.
history = client.get_metric_history(parent_id, "loss")
check([m.step for m in history] == [0, 1, 2, 3, 4], "metric history comes back in step order")
check([round(m.value, 4) for m in history] == [1.0, 0.5, 0.3333, 0.25, 0.2], "metric history keeps every value")

# A batch of 1,000 metrics in one call.
run = client.create_run(experiment_id, run_name="batch")
now = int(time.time() * 1000)
client.log_batch(run.info.run_id, metrics=[Metric("batch_metric", float(i), now, i) for i in range(1000)], params=[Param("p", "1")], tags=[RunTag("t", "v")])
batch_history = client.get_metric_history(run.info.run_id, "batch_metric")
check(len(batch_history) == 1000 and batch_history[-1].value == 999.0, "log_batch stores 1,000 metrics")

# The sampled history the MLflow UI draws long curves from (get-history-bulk-interval).
sampled = requests.get(
    f"{mlflow.get_tracking_uri()}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval",
    params={"run_ids": [run.info.run_id], "metric_key": "batch_metric", "max_results": 10},
).json()["metrics"]
sampled_steps = [m["step"] for m in sampled]
check(len(sampled) <= 11 and sampled_steps[0] == 0 and sampled_steps[-1] == 999 and sampled_steps == sorted(sampled_steps), "get-history-bulk-interval samples a long history, first and last step kept")
check(all(m["run_id"] == run.info.run_id and m["value"] == float(m["step"]) for m in sampled), "sampled points carry their run id and true values")

bulk = requests.get(
    f"{mlflow.get_tracking_uri()}/ajax-api/2.0/mlflow/metrics/get-history-bulk",
    params={"run_id": [run.info.run_id], "metric_key": "batch_metric", "max_results": 5},
).json()["metrics"]
check([m["step"] for m in bulk] == [0, 1, 2, 3, 4] and all(m["run_id"] == run.info.run_id for m in bulk), "get-history-bulk returns the first points of each run, capped by max_results")

# Datasets a run used (log-inputs), as mlflow.log_input sends them.
import pandas as pd  # noqa: E402

with mlflow.start_run(experiment_id=experiment_id, run_name="with-dataset") as dataset_run:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 0]})
    dataset = mlflow.data.from_pandas(frame, source="iris.csv", name="iris-train", targets="y")
    mlflow.log_input(dataset, context="training")
    mlflow.log_input(dataset, context="training")
logged_inputs = client.get_run(dataset_run.info.run_id).inputs.dataset_inputs
check(len(logged_inputs) == 1 and logged_inputs[0].dataset.name == "iris-train", "log_input records the dataset once per run")
check(logged_inputs[0].dataset.digest == dataset.digest and logged_inputs[0].dataset.source_type == dataset.source._get_source_type(), "the dataset keeps its digest and source type")
check({t.key: t.value for t in logged_inputs[0].tags}.get("mlflow.data.context") == "training", "the input's context tag is kept")
check("x" in (logged_inputs[0].dataset.schema or ""), "the dataset schema is kept")

# Artifacts through the server's proxy (mlflow-artifacts:): a file, a tree, text, a dict, a few MB of binary.
import tempfile  # noqa: E402

artifact_dir = tempfile.mkdtemp()
with open(os.path.join(artifact_dir, "read me.txt"), "w") as handle:
    handle.write("hello trellis")
os.makedirs(os.path.join(artifact_dir, "sub", "deeper"))
payload = os.urandom(3 * 1024 * 1024)
with open(os.path.join(artifact_dir, "sub", "deeper", "weights.bin"), "wb") as handle:
    handle.write(payload)
with mlflow.start_run(experiment_id=experiment_id, run_name="artifacts") as artifact_run:
    mlflow.log_artifact(os.path.join(artifact_dir, "read me.txt"))
    mlflow.log_artifacts(artifact_dir, artifact_path="tree")
    mlflow.log_text("some notes", "notes/notes.txt")
    mlflow.log_dict({"alpha": 0.5}, "config.json")
check(artifact_run.info.artifact_uri.startswith("mlflow-artifacts:/"), "runs store artifacts through the server's proxy")
top = {(f.path, f.is_dir) for f in client.list_artifacts(artifact_run.info.run_id)}
check(top == {("read me.txt", False), ("tree", True), ("notes", True), ("config.json", False)}, "list_artifacts shows files and folders of the run root")
nested = client.list_artifacts(artifact_run.info.run_id, "tree/sub/deeper")
check([(f.path, f.file_size) for f in nested] == [("tree/sub/deeper/weights.bin", len(payload))], "list_artifacts of a nested folder gives paths and sizes")
downloaded = mlflow.artifacts.download_artifacts(run_id=artifact_run.info.run_id, artifact_path="tree")
with open(os.path.join(downloaded, "sub", "deeper", "weights.bin"), "rb") as handle:
    check(handle.read() == payload, "a downloaded folder holds the same bytes")
check(mlflow.artifacts.load_text(f"{artifact_run.info.artifact_uri}/notes/notes.txt") == "some notes", "log_text round-trips")
check(mlflow.artifacts.load_dict(f"{artifact_run.info.artifact_uri}/config.json") == {"alpha": 0.5}, "log_dict round-trips")

# Values at MLflow's length limits (6,000-character params, 8,000-character tags) are stored whole.
long_param = os.urandom(3000).hex()
long_tag = os.urandom(4000).hex()
client.log_param(run.info.run_id, "long_param", long_param)
client.set_tag(run.info.run_id, "long_tag", long_tag)
stored = client.get_run(run.info.run_id).data
check(stored.params["long_param"] == long_param and stored.tags["long_tag"] == long_tag, "a 6,000-character param and an 8,000-character tag round-trip")
check([r.info.run_id for r in client.search_runs([experiment_id], filter_string=f"params.long_param = '{long_param}'")] == [run.info.run_id], "search_runs matches a long param value")

# Params are write-once: the same value again is accepted, another value refused.
client.log_param(run.info.run_id, "p", "1")
try:
    client.log_param(run.info.run_id, "p", "2")
    check(False, "changing a param is refused")
except MlflowException as error:
    check(error.error_code == "INVALID_PARAMETER_VALUE", "changing a param is INVALID_PARAMETER_VALUE")
check(client.get_run(run.info.run_id).data.params["p"] == "1", "the refused param change changed nothing")

# Oversize batch refused, nothing written. The client splits big batches itself, so this one goes
# straight to the REST endpoint, as another client could send it.
tracking_uri = mlflow.get_tracking_uri().rstrip("/")
response = requests.post(
    f"{tracking_uri}/api/2.0/mlflow/runs/log-batch",
    json={"run_id": run.info.run_id, "metrics": [{"key": "too_many", "value": 1.0, "timestamp": now, "step": i} for i in range(1001)]},
)
check(response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE", "a batch of 1,001 metrics is INVALID_PARAMETER_VALUE")
check("too_many" not in client.get_run(run.info.run_id).data.metrics, "the refused batch wrote nothing")
response = requests.post(f"{tracking_uri}/api/2.0/mlflow/runs/log-metric", json={"run_id": run.info.run_id, "key": "bad", "value": "not-a-number", "timestamp": now})
check(response.status_code == 400 and response.json()["error_code"] == "INVALID_PARAMETER_VALUE", "a metric value that is not a number is INVALID_PARAMETER_VALUE")

# Unknown run id.
try:
    client.get_run("0" * 32)
    check(False, "an unknown run id is refused")
except MlflowException as error:
    check(error.error_code == "RESOURCE_DOES_NOT_EXIST", "an unknown run id is RESOURCE_DOES_NOT_EXIST")

# Tags: delete.
client.set_tag(run.info.run_id, "temporary", "x")
client.delete_tag(run.info.run_id, "temporary")
check("temporary" not in client.get_run(run.info.run_id).data.tags, "delete_tag removes the tag")

# Delete and restore a run.
client.delete_run(run.info.run_id)
check(client.get_run(run.info.run_id).info.lifecycle_stage == "deleted", "delete_run marks the run deleted")
client.restore_run(run.info.run_id)
check(client.get_run(run.info.run_id).info.lifecycle_stage == "active", "restore_run makes it active again")

if os.environ.get("TRELLIS_TEST_SEARCH", "1") == "1":
    # search_runs with a filter and an order, into a pandas frame.
    frame = mlflow.search_runs(experiment_ids=[experiment_id], filter_string="metrics.loss < 0.5", order_by=["metrics.loss ASC"])
    check(list(frame["run_id"]) == [parent_id], "search_runs filters on a metric")
    runs = client.search_runs([experiment_id], filter_string="params.model = 'logistic' and tags.purpose LIKE 'compat%'")
    check([r.info.run_id for r in runs] == [parent_id], "search_runs filters on params and tags with LIKE")
    ordered = client.search_runs([experiment_id], order_by=["attributes.run_name DESC"])
    check([r.info.run_name for r in ordered] == ["with-dataset", "parent", "child", "batch", "artifacts"], "search_runs orders by an attribute")
    try:
        client.search_runs([experiment_id], filter_string="metrics.loss >>> 1")
        check(False, "a malformed filter is refused")
    except MlflowException as error:
        check(error.error_code == "INVALID_PARAMETER_VALUE", "a malformed filter is INVALID_PARAMETER_VALUE")

# Experiments: delete and restore.
client.delete_experiment(experiment_id)
check(client.get_experiment(experiment_id).lifecycle_stage == "deleted", "delete_experiment")
client.restore_experiment(experiment_id)
check(client.get_experiment(experiment_id).lifecycle_stage == "active", "restore_experiment")

done()
