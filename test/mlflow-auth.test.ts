import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { runPython } from './support/python.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The real MLflow Python client against a Trellis that wants credentials (local authentication
 * off): MLflow's own MLFLOW_TRACKING_TOKEN (a bearer token) and MLFLOW_TRACKING_USERNAME /
 * MLFLOW_TRACKING_PASSWORD (basic auth, a Trellis token as the password) both work end to end;
 * no credentials is MLflow's UNAUTHENTICATED; a Reader reads but its writes are PERMISSION_DENIED.
 */
const flow = `
import os
import tempfile

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from checks import check, done

expect = os.environ["TRELLIS_EXPECT"]
suffix = os.environ["TRELLIS_TEST_SUFFIX"]
client = MlflowClient()


def failure(call):
    try:
        call()
    except MlflowException as error:
        return error
    return None


if expect == "write":
    experiment = mlflow.set_experiment(f"auth-{suffix}")
    check(client.get_experiment_by_name(f"auth-{suffix}").experiment_id == experiment.experiment_id, "set_experiment creates it")
    with mlflow.start_run() as run:
        mlflow.log_params({"lr": 0.1, "epochs": 3})
        mlflow.log_metric("loss", 0.5, step=0)
        mlflow.log_metric("loss", 0.25, step=1)
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "notes.txt")
            with open(path, "w") as file:
                file.write(f"written by {suffix}")
            mlflow.log_artifact(path)
    back = client.get_run(run.info.run_id)
    check(back.data.params == {"lr": "0.1", "epochs": "3"}, "the params read back")
    check(back.data.metrics == {"loss": 0.25}, "the latest metric reads back")
    check([m.value for m in client.get_metric_history(run.info.run_id, "loss")] == [0.5, 0.25], "the metric history reads back")
    check([a.path for a in client.list_artifacts(run.info.run_id)] == ["notes.txt"], "the artifact is listed")
    with open(mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="notes.txt")) as file:
        check(file.read() == f"written by {suffix}", "the artifact downloads")
    print(f"RUN_ID={run.info.run_id}", flush=True)
elif expect == "unauthenticated":
    error = failure(lambda: mlflow.set_experiment(f"auth-{suffix}"))
    check(error is not None and error.error_code == "UNAUTHENTICATED", f"set_experiment without credentials is UNAUTHENTICATED: {error}")
    error = failure(lambda: client.log_metric(os.environ["TRELLIS_RUN_ID"], "loss", 1.0))
    check(error is not None and error.error_code == "UNAUTHENTICATED", f"log_metric without credentials is UNAUTHENTICATED: {error}")
    check(error.get_http_status_code() == 401, f"which MLflow maps to HTTP 401: {error.get_http_status_code()}")
elif expect == "read-only":
    run_id = os.environ["TRELLIS_RUN_ID"]
    check(client.get_run(run_id).data.metrics == {"loss": 0.25}, "a Reader reads the run")
    error = failure(lambda: client.log_metric(run_id, "loss", 1.0))
    check(error is not None and error.error_code == "PERMISSION_DENIED", f"a Reader's log_metric is PERMISSION_DENIED: {error}")
    check(error.get_http_status_code() == 403, f"which MLflow maps to HTTP 403: {error.get_http_status_code()}")
    check(client.get_run(run_id).data.metrics == {"loss": 0.25}, "and the run is unchanged")
done()
`;

describe('the real MLflow Python client with credentials (local authentication off)', () => {
  let trellis: TrellisProcess;
  let scripts: string;
  let script: string;
  let owner: string;
  let runId: string;

  const asOwner = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${trellis.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${owner}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  /** A service principal with `role` on the default workspace, and a token for it. */
  const principalWith = async (name: string, role: string): Promise<string> => {
    await asOwner('POST', '/api/v1/principals', { name, kind: 'servicePrincipal' });
    await asOwner('POST', '/api/v1/role-assignments', { role, assignee: name, scope: '/workspaces/default' });
    return (await asOwner('POST', '/api/v1/tokens', { name: 'mlflow', principal: name })).token as string;
  };
  /** Runs the flow with only the given credentials (none of the caller's MLFLOW_TRACKING_* leak in). */
  const runFlow = async (expect: string, suffix: string, credentials: Record<string, string>) => {
    const env: Record<string, string> = {
      MLFLOW_TRACKING_URI: trellis.url,
      MLFLOW_TRACKING_TOKEN: '',
      MLFLOW_TRACKING_USERNAME: '',
      MLFLOW_TRACKING_PASSWORD: '',
      PYTHONPATH: join(repositoryRoot, 'test', 'python'),
      TRELLIS_EXPECT: expect,
      TRELLIS_TEST_SUFFIX: suffix,
      ...(runId ? { TRELLIS_RUN_ID: runId } : {}),
      ...credentials,
    };
    const result = await runPython(script, env);
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /ALL CHECKS PASSED \(\d+\)/);
    return result.output;
  };

  before(async () => {
    scripts = await mkdtemp(join(tmpdir(), 'trellis-mlflow-auth-'));
    script = join(scripts, 'mlflow_auth_flow.py');
    await writeFile(script, flow);
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true' } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    await rm(scripts, { recursive: true, force: true });
  });

  it('creates an experiment, logs params, metrics and an artifact, and reads the run back with MLFLOW_TRACKING_TOKEN', async () => {
    const output = await runFlow('write', 'token', { MLFLOW_TRACKING_TOKEN: owner });
    runId = /RUN_ID=(\w+)/.exec(output)?.[1] ?? '';
    assert.ok(runId, output);
  });

  it('does the same with MLFLOW_TRACKING_USERNAME (the principal) and MLFLOW_TRACKING_PASSWORD (its token)', async () => {
    const token = await principalWith('mlflow-basic', 'AzureML Data Scientist');
    await runFlow('write', 'basic', { MLFLOW_TRACKING_USERNAME: 'mlflow-basic', MLFLOW_TRACKING_PASSWORD: token });
  });

  it('answers a client without credentials with UNAUTHENTICATED (401)', async () => {
    assert.ok(runId, 'the token test made a run');
    await runFlow('unauthenticated', 'anonymous', {});
  });

  it('lets a Reader of the workspace read the run and refuses its log_metric with PERMISSION_DENIED (403)', async () => {
    assert.ok(runId, 'the token test made a run');
    const token = await principalWith('mlflow-reader', 'Reader');
    await runFlow('read-only', 'reader', { MLFLOW_TRACKING_TOKEN: token });
  });
});
