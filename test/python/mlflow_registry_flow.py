"""The model registry half of the MLflow compatibility tests, run by test/mlflow-registry.test.ts
against a live Trellis (MLFLOW_TRACKING_URI set): every registry call the MlflowClient makes —
registered models, versions, tags, descriptions, aliases, stages, latest versions, searches,
copy, rename, deletes — with MLflow's error codes asserted. TRELLIS_APPLIED_MODEL names a model
the Node test applied through Trellis, which must look like any registered model here.
Prints one line per check, a LINEAGE line for the Node test, and 'ALL CHECKS PASSED (n)'."""
import json
import os
import time
import warnings

import mlflow
from mlflow import MlflowClient

from checks import check, done, error_code

warnings.filterwarnings("ignore", category=FutureWarning)


client = MlflowClient()
suffix = os.environ.get("TRELLIS_TEST_SUFFIX", str(int(time.time() * 1000)))
applied = os.environ.get("TRELLIS_APPLIED_MODEL")
name = f"fraud-{suffix}"
spaced = f"Fraud Model {suffix}"

# A run to register from, tagged with the Trellis job it came from, with a model folder in its artifacts.
experiment_id = client.create_experiment(f"registry-{suffix}")
run = client.create_run(experiment_id, tags={"trellis.job.name": f"train-fraud-{suffix}"})
run_id = run.info.run_id
client.log_text(run_id, "flavors: {}\n", "model/MLmodel")
client.set_terminated(run_id)
other_run = client.create_run(experiment_id).info.run_id

# Registered models: create, read, duplicates and bad names refused.
before = int(time.time() * 1000)
created = client.create_registered_model(name, tags={"team": "risk", "tier": 1}, description="fraud scoring")
after = int(time.time() * 1000)
check(created.name == name and created.description == "fraud scoring", "create_registered_model returns the model")
check(created.tags == {"team": "risk", "tier": "1"}, "registered model tags round-trip as strings")
check(before <= created.creation_timestamp <= after and created.latest_versions == [], "a new model has its creation time and no versions")
check(client.get_registered_model(name).name == name, "get_registered_model reads it back")
check(error_code(lambda: client.create_registered_model(name)) == "RESOURCE_ALREADY_EXISTS", "a duplicate name is RESOURCE_ALREADY_EXISTS")
check(error_code(lambda: client.create_registered_model("a/b")) == "INVALID_PARAMETER_VALUE", "a name with '/' is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.get_registered_model(f"missing-{suffix}")) == "RESOURCE_DOES_NOT_EXIST", "an unknown model is RESOURCE_DOES_NOT_EXIST")
client.create_registered_model(spaced)
check(client.get_registered_model(spaced).name == spaced, "names with spaces are valid MLflow names")

# Versions: numbered from 1, with their source, run and tags; sources checked as MLflow does.
v1 = client.create_model_version(name, f"runs:/{run_id}/model", run_id, tags={"validated": "no"}, description="first")
check(v1.version == "1" and v1.run_id == run_id and v1.source == f"runs:/{run_id}/model", "version 1 records its runs:/ source and run")
check(v1.current_stage == "None" and v1.status == "READY" and v1.tags == {"validated": "no"} and v1.description == "first", "a new version is READY in stage None with its tags and description")
artifact_source = f"{run.info.artifact_uri}/model"
v2 = client.create_model_version(name, artifact_source, run_id)
check(v2.version == "2" and v2.source == artifact_source, "version 2 from a path inside the run's artifacts")
v3 = client.create_model_version(name, "s3://models/fraud/3")
check(v3.version == "3" and v3.run_id in ("", None), "version 3 from object storage, without a run")
check(client.get_registered_model(name).last_updated_timestamp >= v3.creation_timestamp, "a new version updates the registered model")
check(error_code(lambda: client.create_model_version(name, f"runs:/{run_id}/model", other_run)) == "INVALID_PARAMETER_VALUE", "a runs:/ source of another run is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.create_model_version(name, "s3://models/../secrets")) == "INVALID_PARAMETER_VALUE", "a source with '..' is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.create_model_version(name, "/tmp/model")) == "INVALID_PARAMETER_VALUE", "a local path is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.create_model_version(name, "mlflow-artifacts:/0/elsewhere/model", run_id)) == "INVALID_PARAMETER_VALUE", "a proxied path outside the run is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.create_model_version(f"missing-{suffix}", "s3://models/x")) == "RESOURCE_DOES_NOT_EXIST", "a version of an unknown model is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: client.get_model_version(name, "99")) == "RESOURCE_DOES_NOT_EXIST", "an unknown version is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: client.get_model_version(name, "one")) == "INVALID_PARAMETER_VALUE", "a version that is not a number is INVALID_PARAMETER_VALUE")
check(client.get_model_version(name, "1").run_id == run_id, "get_model_version reads a version back")
client.create_model_version(spaced, f"runs:/{run_id}/model", run_id)

# Tags and descriptions.
client.set_model_version_tag(name, "1", "validated", "yes")
client.set_model_version_tag(name, "1", "reviewer", "ana")
client.delete_model_version_tag(name, "1", "reviewer")
client.delete_model_version_tag(name, "1", "never-set")
check(client.get_model_version(name, "1").tags == {"validated": "yes"}, "model version tags set, overwrite and delete (a missing one is no error)")
client.set_registered_model_tag(name, "owner", "fraud-team")
client.delete_registered_model_tag(name, "tier")
client.delete_registered_model_tag(name, "never-set")
check(client.get_registered_model(name).tags == {"team": "risk", "owner": "fraud-team"}, "registered model tags set and delete (a missing one is no error)")
check(error_code(lambda: client.set_registered_model_tag(name, "bad!key", "x")) == "INVALID_PARAMETER_VALUE", "a bad tag key is INVALID_PARAMETER_VALUE")
client.update_registered_model(name, description="fraud scoring, v2")
client.update_model_version(name, "2", description="from the run's artifacts")
check(client.get_registered_model(name).description == "fraud scoring, v2", "update_registered_model changes the description")
check(client.get_model_version(name, "2").description == "from the run's artifacts", "update_model_version changes the description")

# Aliases.
client.set_registered_model_alias(name, "champion", "1")
client.set_registered_model_alias(name, "challenger", "2")
check(client.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"}, "the registered model lists its aliases")
check(client.get_model_version(name, "1").aliases == ["champion"], "a version lists its aliases")
check(client.get_model_version_by_alias(name, "challenger").version == "2", "get_model_version_by_alias resolves an alias")
client.set_registered_model_alias(name, "challenger", "3")
check(client.get_model_version_by_alias(name, "challenger").version == "3", "setting an alias again moves it")
check(client.get_model_version_by_alias(name, "latest").version == "3", "the alias 'latest' is the highest version")
check(error_code(lambda: client.set_registered_model_alias(name, "gold", "99")) == "RESOURCE_DOES_NOT_EXIST", "an alias to an unknown version is RESOURCE_DOES_NOT_EXIST")
check(error_code(lambda: client.set_registered_model_alias(name, "latest", "1")) == "INVALID_PARAMETER_VALUE", "the alias 'latest' is reserved")
check(error_code(lambda: client.set_registered_model_alias(name, "v2", "1")) == "INVALID_PARAMETER_VALUE", "aliases like v2 are reserved")
check(error_code(lambda: client.get_model_version_by_alias(name, "nobody")) == "INVALID_PARAMETER_VALUE", "an unknown alias is INVALID_PARAMETER_VALUE, as MLflow answers")
client.delete_registered_model_alias(name, "challenger")
client.delete_registered_model_alias(name, "challenger")
check(client.get_registered_model(name).aliases == {"champion": "1"}, "delete_registered_model_alias removes it (twice is no error)")
check(error_code(lambda: client.delete_registered_model_alias(f"missing-{suffix}", "x")) == "RESOURCE_DOES_NOT_EXIST", "an alias of an unknown model is RESOURCE_DOES_NOT_EXIST")

# Download URIs: where MLflow clients fetch each version's files.
check(client.get_model_version_download_uri(name, "1") == f"runs:/{run_id}/model", "the download URI of a runs:/ version is its source")
check(client.get_model_version_download_uri(name, "3") == "s3://models/fraud/3", "the download URI of an object-storage version is its source")

# Stages: transitions, archive_existing_versions, latest versions per stage.
client.transition_model_version_stage(name, "1", "staging")
client.transition_model_version_stage(name, "2", "Production")
moved = client.transition_model_version_stage(name, "3", "Production", archive_existing_versions=True)
check(moved.current_stage == "Production", "transition_model_version_stage moves a version (stage names in any case)")
check(client.get_model_version(name, "2").current_stage == "Archived", "archive_existing_versions archives the other Production version")
check(client.get_model_version(name, "1").current_stage == "Staging", "archive_existing_versions leaves other stages alone")
check([v.version for v in client.get_latest_versions(name, stages=["Production"])] == ["3"], "get_latest_versions for one stage")
latest = {v.current_stage: v.version for v in client.get_latest_versions(name)}
check(latest == {"Staging": "1", "Archived": "2", "Production": "3"}, "get_latest_versions for every stage")
check(error_code(lambda: client.transition_model_version_stage(name, "1", "Shipped")) == "INVALID_PARAMETER_VALUE", "an unknown stage is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.transition_model_version_stage(name, "1", "Archived", archive_existing_versions=True)) == "INVALID_PARAMETER_VALUE", "archive_existing_versions needs Staging or Production")
check(error_code(lambda: client.get_latest_versions(name, stages=["Shipped"])) == "INVALID_PARAMETER_VALUE", "get_latest_versions refuses an unknown stage")

# Searches: filters, order_by, pages, limits.
check([m.name for m in client.search_registered_models(f"name = '{name}'")] == [name], "search_registered_models by name")
check([m.name for m in client.search_registered_models(f"name LIKE 'fraud-{suffix}%' AND tags.team = 'risk'")] == [name], "search_registered_models by pattern and tag")
check(client.search_registered_models(f"name ILIKE 'FRAUD-{suffix}'")[0].name == name, "ILIKE ignores case")
check(client.search_registered_models(f"name LIKE 'FRAUD-{suffix}'") == [], "LIKE does not")
found = client.search_registered_models(f"name = '{name}'")[0]
check({v.version for v in found.latest_versions} == {"1", "2", "3"}, "search results carry the latest version of each stage")
mine = [name, spaced]
ordered = [m.name for m in client.search_registered_models(order_by=["name DESC"]) if m.name in mine]
check(ordered == sorted(mine, reverse=True), "search_registered_models orders by name")
first = client.search_registered_models(filter_string=f"name IN ('{name}', '{spaced}')", max_results=1)
second = client.search_registered_models(filter_string=f"name IN ('{name}', '{spaced}')", max_results=1, page_token=first.token)
check(len(first) == 1 and first.token and len(second) == 1 and second.token in (None, "") and first[0].name != second[0].name, "search_registered_models pages with max_results and page_token")
check(error_code(lambda: client.search_registered_models(max_results=1001)) == "INVALID_PARAMETER_VALUE", "max_results over 1000 is INVALID_PARAMETER_VALUE")
check(error_code(lambda: client.search_registered_models("name = ")) == "INVALID_PARAMETER_VALUE", "a bad filter is INVALID_PARAMETER_VALUE")
versions = client.search_model_versions(f"name = '{name}'")
check([v.version for v in versions] == ["3", "2", "1"], "search_model_versions lists the newest update first")
check([v.version for v in client.search_model_versions(f"name = '{name}'", order_by=["version_number ASC"])] == ["1", "2", "3"], "search_model_versions orders by version_number")
check([v.version for v in client.search_model_versions(f"run_id = '{run_id}' AND name = '{name}'")] == ["2", "1"], "search_model_versions by run_id")
check([v.version for v in client.search_model_versions(f"name = '{name}' AND tags.validated = 'yes'")] == ["1"], "search_model_versions by tag")
check([v.version for v in client.search_model_versions(f"name = '{name}' AND version_number >= 2", order_by=["version_number DESC"])] == ["3", "2"], "search_model_versions by version_number")
check([v.version for v in client.search_model_versions(f"source_path = 's3://models/fraud/3'")] == ["3"], "search_model_versions by source_path")
page_one = client.search_model_versions(f"name = '{name}'", max_results=2)
page_two = client.search_model_versions(f"name = '{name}'", max_results=2, page_token=page_one.token)
check([v.version for v in page_one] + [v.version for v in page_two] == ["3", "2", "1"], "search_model_versions pages")

# Copy a version by alias into another model: it keeps the source version's run and files.
copy_name = f"{name}-copy"
copied = client.copy_model_version(f"models:/{name}@champion", copy_name)
check(copied.name == copy_name and copied.version == "1", "copy_model_version creates version 1 of the new model")
copied = client.get_model_version(copy_name, "1")
check(copied.source == f"models:/{name}/1" and copied.run_id == run_id, "the copy's source names the version it came from and keeps its run")
check(client.get_model_version_download_uri(copy_name, "1") == f"runs:/{run_id}/model", "the copy downloads the same files")

# Rename: the versions, tags and aliases move; the old name is gone.
renamed = f"{name}-renamed"
client.rename_registered_model(name, renamed)
check(error_code(lambda: client.get_registered_model(name)) == "RESOURCE_DOES_NOT_EXIST", "after rename the old name is gone")
moved_model = client.get_registered_model(renamed)
check(moved_model.aliases == {"champion": "1"} and moved_model.tags.get("owner") == "fraud-team", "rename keeps tags and aliases")
check([v.version for v in client.search_model_versions(f"name = '{renamed}'", order_by=["version_number ASC"])] == ["1", "2", "3"], "rename moves every version")
check(error_code(lambda: client.rename_registered_model(renamed, copy_name)) == "RESOURCE_ALREADY_EXISTS", "renaming onto a taken name is RESOURCE_ALREADY_EXISTS")

# Delete a version: its number is never given again, and its aliases go with it.
client.set_registered_model_alias(renamed, "doomed", "3")
client.delete_model_version(renamed, "3")
check(error_code(lambda: client.get_model_version(renamed, "3")) == "RESOURCE_DOES_NOT_EXIST", "a deleted version is gone")
check(client.get_registered_model(renamed).aliases == {"champion": "1"}, "a deleted version's aliases are gone")
check(error_code(lambda: client.delete_model_version(renamed, "3")) == "RESOURCE_DOES_NOT_EXIST", "deleting it again is RESOURCE_DOES_NOT_EXIST")
v4 = client.create_model_version(renamed, "s3://models/fraud/4")
check(v4.version == "4", "the next version is 4: a deleted number is not reused")

# Delete a registered model: its versions and aliases go too.
client.delete_registered_model(copy_name)
check(error_code(lambda: client.get_registered_model(copy_name)) == "RESOURCE_DOES_NOT_EXIST", "delete_registered_model")
check(client.search_model_versions(f"name = '{copy_name}'") == [], "deleting a model deletes its versions")
check(error_code(lambda: client.delete_registered_model(copy_name)) == "RESOURCE_DOES_NOT_EXIST", "deleting it again is RESOURCE_DOES_NOT_EXIST")

# A model applied through Trellis is a registered model like any other.
if applied:
    model = client.get_registered_model(applied)
    check([v.version for v in model.latest_versions] == ["1"], "a model applied with trellis appears with its whole-number version only")
    applied_v1 = client.get_model_version(applied, "1")
    check(applied_v1.source.startswith("https://") and applied_v1.description == "applied with trellis", "its version shows the asset's path and description")
    check(applied in [m.name for m in client.search_registered_models(f"name = '{applied}'")], "search_registered_models finds it")
    check(error_code(lambda: client.create_registered_model(applied)) == "RESOURCE_ALREADY_EXISTS", "its name is taken for MLflow too")
    client.set_registered_model_alias(applied, "prod", "1")
    client.transition_model_version_stage(applied, "1", "Production")
    check(client.get_model_version_by_alias(applied, "prod").current_stage == "Production", "aliases and stages work on it")
    registered = client.create_model_version(applied, f"runs:/{run_id}/model", run_id)
    check(registered.version == "2", "a version registered through MLflow follows the Trellis versions")

print("LINEAGE " + json.dumps({"name": renamed, "registered_as": name, "spaced": spaced, "run_id": run_id, "experiment_id": experiment_id, "job": f"train-fraud-{suffix}", "artifact_uri": run.info.artifact_uri}), flush=True)
done()
