import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ownerTokenPath } from '../src/config/owner-token-file.js';
import { bearerCall } from './support/bearer-call.js';
import { waitFor } from './support/wait-for.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli');
// Built virtualenvs are kept across runs and shared with the other endpoint tests (the curated sklearn-1.5 one here).
const environmentCache = join(repositoryRoot, '.cache', 'environments');
const registry = 'DemoRegistry';

/**
 * Azure ML registries over real HTTP with authentication on: a registry made from Azure's own
 * registry.yml, a dev model shared into it with its provenance (az ml model share), a model whose
 * evaluation failed refused with its numbers, a principal without a role at the registry refused
 * (403), and a prod deployment of the registry's model that answers, whose lineage reaches the
 * dev run that made it.
 */
describe('registries: promote from dev to prod with provenance (authentication on)', { timeout: 30 * 60_000 }, () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let owner: string;
  let releaser: string;
  let scientist: string;
  let devRun: string;

  const call = (method: string, path: string, token: string, body?: unknown) => bearerCall(trellis.url, method, path, token, body);
  const asOwner = (method: string, path: string, body?: unknown) => call(method, path, owner, body);
  const cli = (args: string[], token = owner) => runCli(args, { url: trellis.url, cwd: scratch, env: { TRELLIS_TOKEN: token } });
  const cliJson = async <T = Record<string, unknown>>(args: string[], token = owner): Promise<T> => {
    const result = await cli([...args, '-o', 'json'], token);
    assert.equal(result.code, 0, `trellis ${args.join(' ')}: ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as T;
  };
  const mlflow = (path: string, body: unknown) => asOwner('POST', `/workspaces/dev/mlflow/api/2.0/mlflow/${path}`, body);
  const servicePrincipal = async (name: string, roles: Array<{ role: string; scope: string }>) => {
    assert.equal((await asOwner('POST', '/api/v1/principals', { name, kind: 'servicePrincipal' })).status, 201);
    for (const { role, scope } of roles) {
      const assigned = await asOwner('POST', '/api/v1/role-assignments', { role, assignee: name, scope });
      assert.equal(assigned.status, 201, assigned.text);
    }
    const token = await asOwner('POST', '/api/v1/tokens', { name: 'test', principal: name });
    assert.equal(token.status, 201, token.text);
    return String(token.json.token);
  };
  /** A dev model from model-1's files, tagged with the MLflow run that "trained" it. */
  const devModel = async (version: string, run: string) => {
    const file = join(scratch, `model-v${version}.yml`);
    await writeFile(file, `name: sk\nversion: "${version}"\npath: model-1/model\ntags:\n  mlflow.run_id: ${run}\n`);
    const created = await cli(['-w', 'dev', 'model', 'create', '--file', file]);
    assert.equal(created.code, 0, created.stderr);
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-registries-'));
    await cp(join(examples, 'endpoints', 'online', 'model-1'), join(scratch, 'model-1'), { recursive: true });
    trellis = await startTrellis({ env: { TRELLIS_DISABLE_LOCAL_AUTH: 'true', TRELLIS_ENV_CACHE: environmentCache } });
    owner = (await readFile(ownerTokenPath(trellis.home), 'utf8')).trim();
    for (const name of ['dev', 'prod']) assert.equal((await asOwner('POST', '/api/v1/workspaces', { name })).status, 201);

    // The dev run that trained the model: its metrics, and the evaluation's verdict.
    const experiment = await mlflow('experiments/create', { name: 'churn' });
    assert.equal(experiment.status, 200, experiment.text);
    const run = await mlflow('runs/create', { experiment_id: experiment.json.experiment_id, run_name: 'train' });
    devRun = String((run.json.run as { info: { run_id: string } }).info.run_id);
    assert.equal((await mlflow('runs/log-metric', { run_id: devRun, key: 'r2', value: 0.41, timestamp: 1, step: 0 })).status, 200);
    assert.equal((await mlflow('runs/set-tag', { run_id: devRun, key: 'trellis.evaluation.passed', value: 'true' })).status, 200);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it("creates a registry from Azure's registry.yml unchanged, refuses a bad file by field and a second one by name", async () => {
    const file = join(examples, 'resources', 'registry', 'registry.yml');
    const created = await cliJson(['registry', 'create', '--file', file]);
    assert.equal(created.name, registry);
    assert.equal(created.location, 'eastus');
    assert.deepEqual(
      (created.replication_locations as Array<{ location: string }>).map((entry) => entry.location),
      ['eastus', 'eastus2', 'westus', 'westus2'],
    );
    assert.deepEqual(created.tags, { foo: 'bar', description: 'Basic registry with one primary region and to additional regions' });
    const storage = await cliJson([
      'registry',
      'create',
      '--file',
      join(examples, 'resources', 'registry', 'registry-storage-options.yml'),
    ]);
    assert.equal((storage.replication_locations as Array<{ storage_config?: unknown }>)[0]?.storage_config !== undefined, true);

    const again = await cli(['registry', 'create', '--file', file]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /registry 'DemoRegistry' already exists/);
    const bad = await asOwner('POST', '/api/v1/registries', { name: 'bad', location: 'eastus', replication_location: [] });
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.text, /replication_location.*did you mean 'replication_locations'/);
    assert.equal((await asOwner('GET', '/api/v1/registries/bad')).status, 404, 'a refused file makes nothing');

    const listed = (await asOwner('GET', '/api/v1/registries')).json.items as Array<{ name: string }>;
    assert.deepEqual(listed.map((item) => item.name).sort(), ['DemoRegistry', 'DemoRegistry2']);
    // A registry is not a workspace: the workspace list leaves its storage space out, and it runs no jobs.
    const workspaces = (await asOwner('GET', '/api/v1/workspaces')).json.items as Array<{ name: string }>;
    assert.deepEqual(workspaces.map((item) => item.name).sort(), ['default', 'dev', 'prod']);
    const jobs = await asOwner('GET', `/api/v1/workspaces/@${registry}/jobs`);
    assert.equal(jobs.status, 404, jobs.text);
    assert.equal(jobs.json.code, 'NotARegistryOperation');

    releaser = await servicePrincipal('release-bot', [
      { role: 'AzureML Data Scientist', scope: '/workspaces/dev' },
      { role: 'AzureML Data Scientist', scope: '/workspaces/prod' },
      { role: 'AzureML Registry User', scope: `/registries/${registry}` },
    ]);
    scientist = await servicePrincipal('scientist-bot', [
      { role: 'AzureML Data Scientist', scope: '/workspaces/dev' },
      { role: 'AzureML Data Scientist', scope: '/workspaces/prod' },
    ]);
    const nowhere = await asOwner('POST', '/api/v1/role-assignments', {
      role: 'Reader',
      assignee: 'scientist-bot',
      scope: '/registries/nope',
    });
    assert.equal(nowhere.status, 400, nowhere.text);
    assert.match(nowhere.text, /registry 'nope', which does not exist/);
  });

  it('shares a dev model into the registry with its provenance; the copy stands on its own', async () => {
    await devModel('1', devRun);
    const shared = await cliJson(['-w', 'dev', 'model', 'share', '--name', 'sk', '--version', '1', '--registry-name', registry], releaser);
    assert.equal(shared.workspace, `@${registry}`);
    const provenance = (shared.status as { provenance: Record<string, unknown> }).provenance;
    assert.equal(provenance.sharedFrom, 'azureml://workspaces/dev/models/sk/versions/1');
    assert.equal(provenance.sharedBy, 'servicePrincipal:release-bot');
    assert.equal((provenance.run as { id: string; workspace: string }).id, devRun);
    assert.equal((provenance.run as { id: string; workspace: string }).workspace, 'dev');

    const shown = await cliJson(['model', 'show', '--name', 'sk', '--version', '1', '--registry-name', registry], releaser);
    assert.equal(shown.etag, shared.etag);
    const listed = await cliJson<Array<{ name: string }>>(['model', 'list', '--registry-name', registry], releaser);
    assert.deepEqual(
      listed.map((item) => item.name),
      ['sk'],
    );
    const twice = await cli(['-w', 'dev', 'model', 'share', '--name', 'sk', '--version', '1', '--registry-name', registry], releaser);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /already has model sk version 1/);
  });

  it('refuses a principal with no role at the registry (403) and a model whose evaluation failed (409, with the numbers)', async () => {
    const denied = await call('POST', '/api/v1/workspaces/dev/models/sk/versions/1/share', scientist, {
      registryName: registry,
      shareWithVersion: '9',
    });
    assert.equal(denied.status, 403, denied.text);
    assert.match(String(denied.json.detail), /registries\/assets\/write at scope '\/registries\/DemoRegistry'/);
    const readDenied = await call('GET', `/api/v1/workspaces/@${registry}/models/sk/versions/1`, scientist);
    assert.equal(readDenied.status, 403, readDenied.text);

    const run = await mlflow('runs/create', { experiment_id: '0', run_name: 'worse' });
    const failedRun = String((run.json.run as { info: { run_id: string } }).info.run_id);
    await mlflow('runs/log-metric', { run_id: failedRun, key: 'r2', value: 0.12, timestamp: 1, step: 0 });
    await mlflow('runs/set-tag', { run_id: failedRun, key: 'trellis.evaluation.passed', value: 'false' });
    await devModel('2', failedRun);
    const refused = await call('POST', '/api/v1/workspaces/dev/models/sk/versions/2/share', releaser, { registryName: registry });
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.json.code, 'PromotionRefused');
    assert.match(String(refused.json.detail), /did not pass its evaluation .*r2=0\.12/);
    assert.equal((await asOwner('GET', `/api/v1/workspaces/@${registry}/models/sk/versions/2`)).status, 404, 'nothing was shared');
  });

  it('deploys the registry model in prod: it answers, and its lineage reaches the dev run', async () => {
    const modelId = `azureml://registries/${registry}/models/sk/versions/1`;
    await writeFile(join(scratch, 'endpoint.yml'), 'name: churn-prod\nauth_mode: key\n');
    await writeFile(
      join(scratch, 'blue.yml'),
      [
        'name: blue',
        'endpoint_name: churn-prod',
        `model: ${modelId}`,
        'code_configuration:',
        '  code: model-1/onlinescoring/',
        '  scoring_script: score.py',
        'environment: azureml://registries/azureml/environments/sklearn-1.5/labels/latest',
        'instance_type: Standard_DS3_v2',
        'instance_count: 1',
        '',
      ].join('\n'),
    );
    const endpoint = await cli(['-w', 'prod', 'online-endpoint', 'create', '--file', 'endpoint.yml'], releaser);
    assert.equal(endpoint.code, 0, endpoint.stderr);

    // Using a registry's model needs a role at the registry, wherever the deployment is made.
    const refused = await cli(['-w', 'prod', 'online-deployment', 'create', '--file', 'blue.yml', '--all-traffic'], scientist);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /registries\/assets\/read at scope '\/registries\/DemoRegistry'/, trellis.output().slice(-4000));

    // Azure's built-in policy for registry models sees the deployment's model by its registry asset id.
    const policy = await cli([
      'policy',
      'assignment',
      'create',
      '--name',
      'only-demo2',
      '--definition',
      'OnlyDeployAllowedRegistryModels_Deny',
      '--scope',
      '/workspaces/prod',
      '--param',
      'allowedRegistryName=DemoRegistry2',
      '--effect',
      'Deny',
    ]);
    assert.equal(policy.code, 0, policy.stderr);
    const denied = await cli(['-w', 'prod', 'online-deployment', 'create', '--file', 'blue.yml', '--all-traffic'], releaser);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Model Registry Deployments are restricted except for the allowed Registry/);
    assert.match(denied.stderr, /azureml:\/\/registries\/DemoRegistry\/models\/sk\/versions\/1/);
    assert.equal((await cli(['policy', 'assignment', 'delete', '--name', 'only-demo2'])).code, 0);

    const created = await cli(['-w', 'prod', 'online-deployment', 'create', '--file', 'blue.yml', '--all-traffic'], releaser);
    assert.equal(created.code, 0, created.stderr);
    const deployment = await waitFor(
      async () => (await call('GET', '/api/v1/workspaces/prod/online-endpoints/churn-prod/deployments/blue', releaser)).json,
      {
        what: 'the prod deployment to settle',
        until: (body) => body.state === 'Succeeded' || body.state === 'Failed',
        timeoutMs: 25 * 60_000,
      },
    );
    assert.equal(deployment.state, 'Succeeded', String(deployment.reason));
    const lineage = deployment.lineage as { model: { name: string; version: string; registry?: string } };
    assert.deepEqual(lineage.model, { name: 'sk', version: '1', type: 'custom_model', registry });

    const invoked = await cli(
      ['-w', 'prod', 'online-endpoint', 'invoke', '--name', 'churn-prod', '--request-file', 'model-1/sample-request.json'],
      releaser,
    );
    assert.equal(invoked.code, 0, invoked.stderr);
    const answer = JSON.parse(invoked.stdout) as unknown;
    const predictions = (typeof answer === 'string' ? JSON.parse(answer) : answer) as number[];
    assert.equal(predictions.length, 2);
    assert.ok(predictions.every((value) => Number.isFinite(value)));

    // From the prod deployment to the dev run: the deployment names the registry's model, which names where it came from.
    const model = await call('GET', `/api/v1/workspaces/@${registry}/models/sk/versions/1`, releaser);
    const provenance = (model.json.status as { provenance: { sharedFrom: string; run: { id: string } } }).provenance;
    assert.equal(provenance.sharedFrom, 'azureml://workspaces/dev/models/sk/versions/1');
    const devRunRecord = await asOwner('GET', `/workspaces/dev/mlflow/api/2.0/mlflow/runs/get?run_id=${provenance.run.id}`);
    assert.equal(devRunRecord.status, 200, devRunRecord.text);
    assert.equal((devRunRecord.json.run as { info: { run_name: string } }).info.run_name, 'train');
  });

  it('keeps a registry with assets from being deleted unless forced', async () => {
    const refused = await asOwner('DELETE', `/api/v1/registries/${registry}`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.json.code, 'RegistryNotEmpty');
    const emptyOne = await asOwner('DELETE', '/api/v1/registries/DemoRegistry2');
    assert.equal(emptyOne.status, 200, emptyOne.text);
    assert.equal((await asOwner('GET', '/api/v1/registries/DemoRegistry2')).status, 404);
  });
});
