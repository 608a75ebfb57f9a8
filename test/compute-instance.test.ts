import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { runNotebookCells } from './support/jupyter-kernel.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';
import { bearerCall } from './support/bearer-call.js';

const computeFiles = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli', 'resources', 'compute');
// The JupyterLab environment is built once into the shared cache and reused by every later run.
const environmentCache = join(repositoryRoot, '.cache', 'environments');

/**
 * Compute instances end to end with authentication on: Azure's instance-basic.yml and
 * instance-schedule.yml as they are, JupyterLab reached through Trellis's URL with the assigned
 * user's token (401 without one, 403 for another user), a notebook run on its kernel that logs to
 * MLflow with the instance's pre-configured environment, start/stop/restart from the CLI, and
 * idle shutdown.
 */
describe('compute instances: JupyterLab for its user, through Trellis (authentication on)', { timeout: 15 * 60_000 }, () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let owner: string;
  let alice: string;
  let bob: string;

  const call = (method: string, path: string, token: string | undefined, body?: unknown) =>
    bearerCall(trellis.url, method, path, token, body);
  const cli = (args: string[], token = alice) =>
    runCli(['-w', 'dev', ...args], { url: trellis.url, cwd: scratch, env: { TRELLIS_TOKEN: token } });
  const cliJson = async (args: string[], token = alice) => {
    const result = await cli([...args, '-o', 'json'], token);
    assert.equal(result.code, 0, `trellis ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };
  const instance = async (name: string) => (await call('GET', `/api/v1/workspaces/dev/computes/${name}/instance`, alice)).json;
  const waitForState = (name: string, state: string, timeoutMs = 240_000) =>
    waitFor(() => instance(name), { what: `${name} ${state}`, until: (view) => view.state === state, timeoutMs, intervalMs: 250 });
  const user = async (name: string) => {
    // Service principals: the owner can make their tokens here (a user's come from OpenID Connect); assignment works alike.
    assert.equal((await call('POST', '/api/v1/principals', owner, { name, kind: 'servicePrincipal' })).status, 201);
    // Contributor: may create computes, is no Owner (who could enter anyone's instance).
    const assigned = await call('POST', '/api/v1/role-assignments', owner, {
      role: 'Contributor',
      assignee: name,
      scope: '/workspaces/dev',
    });
    assert.equal(assigned.status, 201, assigned.text);
    const token = await call('POST', '/api/v1/tokens', owner, { name: 'test', principal: name });
    assert.equal(token.status, 201, token.text);
    return String(token.json.token);
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-compute-instance-'));
    trellis = await startTrellis({
      env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true', TRELLIS_ENV_CACHE: environmentCache, TRELLIS_COMPUTE_INSTANCE_TICK_MS: '500' },
    });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    assert.equal((await call('POST', '/api/v1/workspaces', owner, { name: 'dev' })).status, 201);
    alice = await user('alice');
    bob = await user('bob');
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("creates both of Azure's instance files unchanged; each starts for its creator", async () => {
    for (const file of ['instance-basic.yml', 'instance-schedule.yml']) {
      const created = await cli(['compute', 'create', '--file', join(computeFiles, file)]);
      assert.equal(created.code, 0, created.stderr);
    }
    const basic = await waitForState('basic-example-i', 'Running');
    assert.equal(basic.assignedUser, 'alice');
    assert.equal(basic.labUrl, `${trellis.url}/compute-instances/dev/basic-example-i/lab/`);
    await waitForState('schedule-example-i', 'Running');
    // trellis compute show reports the state and the lab URL.
    const shown = await cli(['compute', 'show', '--name', 'basic-example-i']);
    assert.match(shown.stdout, /state: +Running/);
    assert.match(shown.stdout, /lab: +http:\/\/127\.0\.0\.1:\d+\/compute-instances\/dev\/basic-example-i\/lab\//);
    // The schedule instance is not needed running for the rest: stopped from the CLI.
    assert.equal((await cliJson(['compute', 'stop', '--name', 'schedule-example-i', '--wait'])).state, 'Stopped');
  });

  it("answers through Trellis's URL with the assigned user's token only: 401 without one, 403 for another user", async () => {
    const lab = '/compute-instances/dev/basic-example-i/lab';
    const status = await call('GET', `${lab}/api/status`, alice);
    assert.equal(status.status, 200, status.text);
    assert.equal(typeof status.json.last_activity, 'string');
    const page = await call('GET', `${lab}/lab`, alice);
    assert.equal(page.status, 200);
    assert.match(page.text, /JupyterLab/);
    assert.equal((await call('GET', `${lab}/api/status`, undefined)).status, 401);
    const refused = await call('GET', `${lab}/api/status`, bob);
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /assigned to alice/);
    assert.equal((await call('GET', `${lab}/api/status`, owner)).status, 200, 'an Owner may enter');
    // Jupyter's own token is never needed, nor accepted in place of Trellis's credentials.
    assert.equal((await call('GET', `${lab}/api/status?token=guess`, undefined)).status, 401);
  });

  it('runs a notebook headless on its kernel; the notebook logs to MLflow with the pre-configured environment', async () => {
    const notebook = {
      cells: [
        { cell_type: 'markdown', source: '# Train on a compute instance' },
        {
          cell_type: 'code',
          source: [
            'import os, mlflow\n',
            "print(os.environ['TRELLIS_WORKSPACE'], os.environ['MLFLOW_TRACKING_URI'])\n",
            "mlflow.set_experiment('notebook-on-instance')\n",
            'with mlflow.start_run() as run:\n',
            "    mlflow.log_metric('accuracy', 0.93)\n",
            "print('RUN_ID=' + run.info.run_id)\n",
          ],
        },
      ],
    };
    await writeFile(join(scratch, 'train.ipynb'), JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, ...notebook }));
    const lab = `${trellis.url}/compute-instances/dev/basic-example-i/lab/`;
    const result = await runNotebookCells(lab, { authorization: `Bearer ${alice}` }, notebook);
    assert.deepEqual(result.errors, [], result.outputs.join(''));
    const printed = result.outputs.join('');
    assert.match(printed, new RegExp(`dev ${trellis.url}/workspaces/dev/mlflow`));
    const runId = /RUN_ID=(\w+)/.exec(printed)?.[1];
    assert.ok(runId, printed);
    const run = await call('GET', `/workspaces/dev/mlflow/api/2.0/mlflow/runs/get?run_id=${runId}`, owner);
    assert.equal(run.status, 200, run.text);
    const metrics = (run.json.run as { data: { metrics: Array<{ key: string; value: number }> } }).data.metrics;
    assert.deepEqual(
      metrics.map(({ key, value }) => ({ key, value })),
      [{ key: 'accuracy', value: 0.93 }],
    );
  });

  it('stops, starts and restarts from the CLI', async () => {
    const lab = '/compute-instances/dev/basic-example-i/lab/api/status';
    assert.equal((await cliJson(['compute', 'stop', '--name', 'basic-example-i', '--wait'])).state, 'Stopped');
    const stopped = await call('GET', lab, alice);
    assert.equal(stopped.status, 409, stopped.text);
    assert.match(stopped.text, /trellis compute start/);
    assert.equal((await cliJson(['compute', 'start', '--name', 'basic-example-i', '--wait'])).state, 'Running');
    assert.equal((await call('GET', lab, alice)).status, 200);
    const before = await instance('basic-example-i');
    const restarted = await cliJson(['compute', 'restart', '--name', 'basic-example-i', '--wait']);
    assert.equal(restarted.state, 'Running');
    assert.equal((await call('GET', lab, alice)).status, 200);
    assert.notEqual((await instance('basic-example-i')).lastActivity, null);
    assert.ok(before.labUrl);
    assert.equal((await cliJson(['compute', 'stop', '--name', 'basic-example-i', '--wait'])).state, 'Stopped');
  });

  it('stops an instance idle past idle_time_before_shutdown', async () => {
    const file = join(scratch, 'idle.yml');
    await writeFile(file, 'name: idle-i\ntype: computeinstance\nsize: STANDARD_DS3_v2\nidle_time_before_shutdown: PT3S\n');
    assert.equal((await cli(['compute', 'create', '--file', file])).code, 0);
    await waitForState('idle-i', 'Running');
    const stopped = await waitForState('idle-i', 'Stopped', 30_000);
    assert.match(String(stopped.reason), /idle for PT3S/);
    assert.equal(stopped.desiredState, 'Stopped');
  });
});
