"""Drives Trellis's artifact proxy (mlflow-artifacts:) with the real MLflow Python client:
MLFLOW_TRACKING_URI is set by the Node test that starts the server, TRELLIS_ROOT_URL is the
server root, to check that a workspace's artifacts cannot be read from another. Prints one line
per check, and 'ALL CHECKS PASSED' at the end; any failed assertion exits non-zero."""
import filecmp
import os
import tempfile
import time

import mlflow
import requests
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

from checks import check, done


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def same_tree(left, right):
    """True when two folders hold the same names and the same bytes, all the way down."""
    comparison = filecmp.dircmp(left, right)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(left, right, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(left, d), os.path.join(right, d)) for d in comparison.common_dirs)


tracking_uri = os.environ["MLFLOW_TRACKING_URI"].rstrip("/")
root_url = os.environ.get("TRELLIS_ROOT_URL", tracking_uri).rstrip("/")
suffix = os.environ.get("TRELLIS_TEST_SUFFIX", str(int(time.time() * 1000)))
client = MlflowClient()
work = tempfile.mkdtemp()

# A folder to log: nested folders, a name with spaces, a non-ASCII name, a few MB of binary.
source = os.path.join(work, "source")
write(os.path.join(source, "a.txt"), "top level")
write(os.path.join(source, "sub", "b.json"), '{"b": 1}')
write(os.path.join(source, "sub", "with space.txt"), "spaced out")
write(os.path.join(source, "sub", "données é.csv"), "x,y\n1,2\n")
payload = os.urandom(3 * 1024 * 1024 + 17)
write(os.path.join(source, "sub", "deeper", "weights.bin"), payload)
write(os.path.join(source, "sub", "deeper", "empty.bin"), b"")
single = os.path.join(work, "read me.txt")
write(single, "hello trellis")

experiment_id = client.create_experiment(f"artifacts-{suffix}")
check(client.get_experiment(experiment_id).artifact_location == f"mlflow-artifacts:/{experiment_id}", "experiments keep artifacts at mlflow-artifacts:/<experiment id>")

with mlflow.start_run(experiment_id=experiment_id) as run:
    mlflow.log_artifact(single)
    mlflow.log_artifact(single, artifact_path="docs")
    mlflow.log_artifacts(source, artifact_path="tree")
    mlflow.log_text("some notes", "notes/notes.txt")
    mlflow.log_dict({"alpha": 0.5, "layers": [1, 2]}, "config.json")
    mlflow.log_dict({"alpha": 0.5}, "config.yaml")
run_id = run.info.run_id
artifact_uri = run.info.artifact_uri
check(artifact_uri == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", "a run's artifact_uri is under its experiment's location")

# Listing: one level at a time, folders marked, sizes of files, paths relative to the run root.
top = {f.path: (f.is_dir, f.file_size) for f in client.list_artifacts(run_id)}
check(set(top) == {"read me.txt", "docs", "tree", "notes", "config.json", "config.yaml"}, f"list_artifacts of the run root shows its files and folders: {sorted(top)}")
check(top["read me.txt"] == (False, 13) and top["tree"] == (True, None) and top["config.json"][1] > 0, "files come with their sizes, folders marked and without one")
tree = [(f.path, f.is_dir) for f in client.list_artifacts(run_id, "tree")]
check(tree == [("tree/a.txt", False), ("tree/sub", True)], "list_artifacts of a folder lists it one level deep, sorted")
sub = {f.path: f.file_size for f in client.list_artifacts(run_id, "tree/sub")}
check(sub == {"tree/sub/b.json": 8, "tree/sub/deeper": None, "tree/sub/données é.csv": 8, "tree/sub/with space.txt": 10}, f"names with spaces and accents list as written: {sub}")
deeper = [(f.path, f.file_size) for f in client.list_artifacts(run_id, "tree/sub/deeper")]
check(deeper == [("tree/sub/deeper/empty.bin", 0), ("tree/sub/deeper/weights.bin", len(payload))], "a nested folder lists its files with their sizes, an empty file included")
check(client.list_artifacts(run_id, "tree/a.txt") == [], "list_artifacts of a file is empty, as in MLflow")
check(client.list_artifacts(run_id, "no/such/folder") == [], "list_artifacts of a missing folder is empty")

# Downloads: a folder, a file, the whole run; every byte as logged.
downloaded = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="tree", dst_path=os.path.join(work, "download-tree"))
check(same_tree(source, downloaded), "a downloaded folder holds the same names and bytes as the logged one")
check(read(os.path.join(downloaded, "sub", "deeper", "weights.bin")) == payload, "a few MB of random bytes round-trip exactly")
one = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="read me.txt", dst_path=os.path.join(work, "download-one"))
check(read(one) == b"hello trellis" and os.path.basename(one) == "read me.txt", "a single file with a space in its name downloads")
everything = mlflow.artifacts.download_artifacts(run_id=run_id, dst_path=os.path.join(work, "download-all"))
check(sorted(os.listdir(everything)) == ["config.json", "config.yaml", "docs", "notes", "read me.txt", "tree"], "download_artifacts of a run fetches its whole tree")
check(same_tree(source, os.path.join(everything, "tree")), "the whole-run download holds the logged folder byte for byte")
check(mlflow.artifacts.load_text(f"{artifact_uri}/notes/notes.txt") == "some notes", "log_text round-trips")
check(mlflow.artifacts.load_dict(f"{artifact_uri}/config.json") == {"alpha": 0.5, "layers": [1, 2]}, "log_dict round-trips as JSON")
check(mlflow.artifacts.load_text(f"{artifact_uri}/config.yaml").strip() == "alpha: 0.5", "log_dict to a .yaml path writes YAML")

# Download headers, as MLflow's server sends them.
proxy = f"{tracking_uri}/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts"
response = requests.get(f"{proxy}/read me.txt")
check(response.status_code == 200 and response.headers["Content-Type"] == "text/plain", "a .txt downloads as text/plain")
check(response.headers["Content-Disposition"] == 'attachment; filename="read me.txt"', "downloads are attachments named after the file")
check(requests.get(f"{proxy}/tree/sub/deeper/weights.bin").headers["Content-Type"] == "application/octet-stream", "an unknown extension downloads as application/octet-stream")
ranged = requests.get(f"{proxy}/tree/sub/deeper/weights.bin", headers={"Range": "bytes=100-199"})
check(ranged.status_code == 206 and ranged.content == payload[100:200] and ranged.headers["Content-Range"] == f"bytes 100-199/{len(payload)}", "a Range request gets 206 and those bytes")

# Multipart upload and download, which the client uses when told to (forced small here).
os.environ.update({
    "MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD": "true",
    "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE": str(1024 * 1024),
    "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE": str(1024 * 1024),
})
big = os.path.join(work, "big model.bin")
big_payload = os.urandom(5 * 1024 * 1024 + 123)
write(big, big_payload)
try:
    client.log_artifact(run_id, big, artifact_path="multipart")
finally:
    for name in ("MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD", "MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"):
        del os.environ[name]
check([(f.path, f.file_size) for f in client.list_artifacts(run_id, "multipart")] == [("multipart/big model.bin", len(big_payload))], "a multipart upload of 6 parts becomes one file of the right size")
os.environ.update({"MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD": "true", "MLFLOW_MULTIPART_DOWNLOAD_CHUNK_SIZE": str(1024 * 1024)})
try:
    fetched = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="multipart/big model.bin", dst_path=os.path.join(work, "download-big"))
finally:
    for name in ("MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD", "MLFLOW_MULTIPART_DOWNLOAD_CHUNK_SIZE"):
        del os.environ[name]
check(read(fetched) == big_payload, "the multipart upload, downloaded in ranged chunks, is byte for byte the file")
root_listing = requests.get(f"{tracking_uri}/api/2.0/mlflow-artifacts/artifacts").json().get("files", [])
check([f["path"] for f in root_listing] == sorted(f["path"] for f in root_listing) and all(not f["path"].startswith("mlflow-artifact-uploads") for f in root_listing), "no part of an upload is left in the proxy's listing")

# Delete through the proxy (MLflow's DELETE), a folder and a file.
repository = get_artifact_repository(artifact_uri)
repository.delete_artifacts("docs")
repository.delete_artifacts("tree/sub/deeper/empty.bin")
check(not any(f.path == "docs" for f in client.list_artifacts(run_id)), "delete_artifacts removes a folder")
check([f.path for f in client.list_artifacts(run_id, "tree/sub/deeper")] == ["tree/sub/deeper/weights.bin"], "delete_artifacts removes one file")

# Errors in MLflow's words.
try:
    mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="no-such-file.txt", dst_path=os.path.join(work, "missing"))
    check(False, "a missing artifact is refused")
except MlflowException as error:
    check("404" in str(error) or error.error_code == "RESOURCE_DOES_NOT_EXIST", f"a missing artifact is 404: {error}")
try:
    client.list_artifacts(run_id, "../other-run")
    check(False, "listing outside the run root is refused")
except requests.HTTPError as error:
    check(error.response.status_code == 400 and error.response.json()["error_code"] == "INVALID_PARAMETER_VALUE", "listing outside the run root is 400 INVALID_PARAMETER_VALUE")

# Another workspace sees none of it: not the run, not its files, not through the raw proxy.
if root_url != tracking_uri:
    outsider = MlflowClient(tracking_uri=root_url)
    try:
        outsider.list_artifacts(run_id)
        check(False, "the server root does not know this workspace's run")
    except MlflowException as error:
        check(error.error_code == "RESOURCE_DOES_NOT_EXIST", "the server root does not know this workspace's run")
    from_root = requests.get(f"{root_url}/api/2.0/mlflow-artifacts/artifacts/{experiment_id}/{run_id}/artifacts/read me.txt")
    check(from_root.status_code == 404 and from_root.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", "the same artifact path at the server root is RESOURCE_DOES_NOT_EXIST")
    listed = requests.get(f"{root_url}/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{experiment_id}/{run_id}/artifacts"}).json()
    check(listed.get("files", []) == [], "the server root's proxy lists nothing of this workspace's run")
    try:
        mlflow.artifacts.download_artifacts(artifact_uri=f"{artifact_uri}/read me.txt", tracking_uri=root_url, dst_path=os.path.join(work, "outsider"))
        check(False, "the artifact URI resolved against the server root finds nothing")
    except MlflowException as error:
        check("404" in str(error) or error.error_code == "RESOURCE_DOES_NOT_EXIST", "the artifact URI resolved against the server root finds nothing")

print(f"RUN_ARTIFACT_PATH={experiment_id}/{run_id}/artifacts", flush=True)
done()
