"""The model half of the MLflow compatibility tests, run by test/mlflow-models.test.ts against a
live Trellis (MLFLOW_TRACKING_URI set): train a scikit-learn model, log it with
mlflow.sklearn.log_model, register it, give it an alias, load it back through the registry with
mlflow.pyfunc.load_model("models:/name@alias") and predict; then the same with autologging.
Every result is asserted; prints 'ALL CHECKS PASSED (n)' at the end."""
import os
import time

import mlflow
import mlflow.sklearn
import numpy as np
from mlflow import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from checks import check, done, error_code


client = MlflowClient()
suffix = os.environ.get("TRELLIS_TEST_SUFFIX", str(int(time.time() * 1000)))
mlflow.set_experiment(f"models-{suffix}")

features, labels = load_iris(return_X_y=True, as_frame=True)
train_x, test_x, train_y, test_y = train_test_split(features, labels, test_size=0.3, random_state=7)

# Train, log the model with its signature and an input example, register it.
registered_name = f"iris-classifier-{suffix}"
with mlflow.start_run(run_name="train") as run:
    model = LogisticRegression(max_iter=300).fit(train_x, train_y)
    accuracy = float(model.score(test_x, test_y))
    mlflow.log_params({"max_iter": 300, "solver": model.solver})
    mlflow.log_metric("accuracy", accuracy)
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        input_example=test_x.head(3),
        registered_model_name=registered_name,
    )
check(info.model_uri.startswith("models:/"), "log_model returns a model URI")
check(info.run_id == run.info.run_id, "the logged model points back to its run")
check(info.registered_model_version is not None and int(info.registered_model_version) == 1, "log_model with registered_model_name registers version 1")
logged = client.get_logged_model(info.model_id)
check(logged.status.to_proto() == 2 or str(logged.status).endswith("READY"), "the logged model is finalized READY")
files = {f.path for f in mlflow.artifacts.list_artifacts(artifact_uri=logged.artifact_location)}
names = {os.path.basename(p) for p in files}
check("MLmodel" in names and bool(names & {"model.pkl", "model.skops"}), "the model folder holds MLmodel and the serialized estimator")

# Alias, load through the registry, predict.
client.set_registered_model_alias(registered_name, "champion", "1")
version = client.get_model_version_by_alias(registered_name, "champion")
check(version.version == "1" and version.run_id == run.info.run_id, "the alias resolves to version 1 of the run")
loaded = mlflow.pyfunc.load_model(f"models:/{registered_name}@champion")
predictions = loaded.predict(test_x)
check(len(predictions) == len(test_x), "the loaded model predicts one label per row")
check(np.array_equal(np.asarray(predictions), model.predict(test_x)), "the loaded model predicts exactly what the trained one does")
by_version = mlflow.sklearn.load_model(f"models:/{registered_name}/1")
check(abs(by_version.score(test_x, test_y) - accuracy) < 1e-12, "models:/name/1 loads the same estimator")
by_run = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model")
check(np.array_equal(np.asarray(by_run.predict(test_x.head(5))), model.predict(test_x.head(5))), "runs:/<run>/model loads it too")

# register_model from a run URI gives version 2; search and latest versions see both.
second = mlflow.register_model(f"runs:/{run.info.run_id}/model", registered_name)
check(int(second.version) == 2, "register_model makes version 2")
versions = client.search_model_versions(f"name = '{registered_name}'")
check(sorted(int(v.version) for v in versions) == [1, 2], "search_model_versions lists both versions")

# The registry API itself: tags, descriptions, stages, latest versions, search, rename, deletes, errors.


check(error_code(lambda: client.create_registered_model(registered_name)) == "RESOURCE_ALREADY_EXISTS", "a duplicate registered model is RESOURCE_ALREADY_EXISTS")
check(error_code(lambda: client.get_registered_model(f"missing-{suffix}")) == "RESOURCE_DOES_NOT_EXIST", "an unknown registered model is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: client.get_model_version(registered_name, "99")) == "RESOURCE_DOES_NOT_EXIST", "an unknown version is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: client.get_model_version_by_alias(registered_name, "nobody")) == "INVALID_PARAMETER_VALUE", "an unknown alias is INVALID_PARAMETER_VALUE, as MLflow's server answers")
check(error_code(lambda: client.transition_model_version_stage(registered_name, "1", "Shipped")) == "INVALID_PARAMETER_VALUE", "an unknown stage is INVALID_PARAMETER_VALUE")
client.update_registered_model(registered_name, description="iris, logistic regression")
client.set_registered_model_tag(registered_name, "owner", "vision-team")
client.update_model_version(registered_name, "2", description="second registration")
client.set_model_version_tag(registered_name, "2", "validated", "yes")
long_note = os.urandom(5000).hex()
client.set_model_version_tag(registered_name, "1", "long_note", long_note)
check(client.get_model_version(registered_name, "1").tags.get("long_note") == long_note, "a 10,000-character model version tag round-trips")
client.transition_model_version_stage(registered_name, "1", "Production")
client.transition_model_version_stage(registered_name, "2", "Production", archive_existing_versions=True)
check(client.get_model_version(registered_name, "1").current_stage == "Archived", "archive_existing_versions archives the previous Production version")
latest = client.get_latest_versions(registered_name, stages=["Production"])
check([v.version for v in latest] == ["2"], "get_latest_versions gives the newest version in a stage")
registered = client.get_registered_model(registered_name)
check(registered.description == "iris, logistic regression" and registered.tags == {"owner": "vision-team"}, "registered model description and tags round-trip")
check(registered.aliases == {"champion": "1"}, "the registered model lists its aliases")
v2 = client.get_model_version(registered_name, "2")
check(v2.description == "second registration" and v2.tags == {"validated": "yes"}, "model version description and tags round-trip")
found_models = client.search_registered_models(filter_string=f"name LIKE 'iris-classifier-{suffix}%'")
check([m.name for m in found_models] == [registered_name], "search_registered_models filters by name pattern")
found_versions = client.search_model_versions(f"name = '{registered_name}' and tags.validated = 'yes'")
check([v.version for v in found_versions] == ["2"], "search_model_versions filters on tags")
check(client.get_model_version_download_uri(registered_name, "1").startswith("mlflow-artifacts:/"), "get_model_version_download_uri points at the proxied files")
renamed = f"{registered_name}-renamed"
client.rename_registered_model(registered_name, renamed)
check(client.get_model_version(renamed, "2").version == "2" and error_code(lambda: client.get_registered_model(registered_name)) == "RESOURCE_DOES_NOT_EXIST", "rename moves the model and its versions")
client.delete_registered_model_alias(renamed, "champion")
check(client.get_registered_model(renamed).aliases == {}, "delete_registered_model_alias removes it")
client.delete_model_version(renamed, "1")
check([v.version for v in client.search_model_versions(f"name = '{renamed}'")] == ["2"], "delete_model_version removes one version")
scratch = f"scratch-{suffix}"
client.create_registered_model(scratch, tags={"temp": "1"}, description="to delete")
client.delete_registered_model_tag(scratch, "temp")
check(client.get_registered_model(scratch).tags == {}, "delete_registered_model_tag")
client.delete_registered_model(scratch)
check(error_code(lambda: client.get_registered_model(scratch)) == "RESOURCE_DOES_NOT_EXIST", "delete_registered_model")
client.rename_registered_model(renamed, registered_name)

# Autologging for scikit-learn: params, training metrics and the model, with no logging calls.
mlflow.sklearn.autolog()
with mlflow.start_run(run_name="autolog") as auto_run:
    LogisticRegression(max_iter=200, C=0.5).fit(train_x, train_y)
mlflow.sklearn.autolog(disable=True)
auto = client.get_run(auto_run.info.run_id)
check(auto.data.params.get("C") == "0.5" and auto.data.params.get("max_iter") == "200", "autolog records the estimator's params")
check("training_accuracy_score" in auto.data.metrics and 0.5 < auto.data.metrics["training_accuracy_score"] <= 1.0, "autolog records training metrics")
auto_models = mlflow.search_logged_models(experiment_ids=[auto.info.experiment_id], filter_string=f"source_run_id = '{auto_run.info.run_id}'", output_format="list")
check(len(auto_models) == 1, "autolog logs the fitted model")
auto_loaded = mlflow.pyfunc.load_model(auto_models[0].model_uri)
check(len(auto_loaded.predict(test_x.head(4))) == 4, "the autologged model loads and predicts")

done()
