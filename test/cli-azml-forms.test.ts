import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli, score } from './support/endpoints.js';
import { once } from './support/once.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * The `az ml` command forms of the Azure ML example scripts (azureml-examples cli/*.sh), run with
 * `trellis` in place of `az ml` against a real server: a script that pipes `--query x -o tsv`
 * into a variable, waits on a deployment, or deletes with `--yes --no-wait` works unchanged.
 * ONNX models only, so no Python environment is built.
 */
describe('the az ml forms of the Azure ML example scripts, on sqlite', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  /** Runs `trellis <args>` from the endpoint fixtures folder (table output unless -o says otherwise); asserts exit 0. */
  const ok = async (...args: string[]) => {
    const result = await cli(trellis.url, args);
    assert.equal(result.code, 0, `trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
    return result;
  };
  /** What `$(trellis <args> -o tsv)` gives a script. */
  const tsv = async (...args: string[]) => (await ok(...args, '-o', 'tsv')).stdout.trim();
  // Each test works on endpoints and assets of its own names, or on these, made once by the first test that needs them
  // (whichever runs first) and not changed in a way another test can see.
  /** azml-two: blue with all the traffic, and green. */
  const twoDeployments = once(async () => {
    await ok('online-endpoint', 'create', '-n', 'azml-two');
    await ok('online-deployment', 'create', '--name', 'blue', '--endpoint', 'azml-two', '-f', 'blue.yml', '--all-traffic');
    await ok('online-deployment', 'create', '--name', 'green', '--endpoint-name', 'azml-two', '-f', 'blue.yml');
  });
  /** azml-model:7, a custom model. */
  const registeredModel = once(async () => {
    await ok('model', 'create', '-n', 'azml-model', '-v', '7', '-p', 'models/iris-onnx-v1', '--type', 'custom_model');
  });

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-azml-forms-'));
    trellis = await startTrellis();
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('creates an endpoint from -n alone, and answers --query provisioning_state, scoring_uri, openapi_uri with -o tsv', async () => {
    await ok('online-endpoint', 'create', '-n', 'azml-iris');
    assert.equal(await tsv('online-endpoint', 'show', '--name', 'azml-iris', '--query', 'provisioning_state'), 'Succeeded');
    assert.equal(
      await tsv('online-endpoint', 'show', '-n', 'azml-iris', '--query', 'scoring_uri'),
      `${trellis.url}/endpoints/azml-iris/score`,
    );
    assert.equal(
      await tsv('online-endpoint', 'show', '-n', 'azml-iris', '--query', 'openapi_uri'),
      `${trellis.url}/endpoints/azml-iris/swagger.json`,
    );
    const record = await trellis.client.getOnlineEndpoint('default', 'azml-iris');
    assert.equal(record.authMode, 'key');
    assert.equal(record.auth_mode, 'key');
    // Azure's names sit beside the camelCase ones; -o json is still the REST API's record.
    assert.equal(record.scoring_uri, record.scoringUri);
  });

  it('waits for online-deployment create (--endpoint, --all-traffic) to end Succeeded, so the next line finds it up', async () => {
    await ok('online-endpoint', 'create', '-n', 'azml-wait');
    const created = await ok('online-deployment', 'create', '--name', 'blue', '--endpoint', 'azml-wait', '-f', 'blue.yml', '--all-traffic');
    assert.match(created.stderr, /deployment blue: Creating[\s\S]*deployment blue: Succeeded/);
    assert.equal(
      await tsv('online-deployment', 'show', '--name', 'blue', '--endpoint', 'azml-wait', '--query', 'provisioning_state'),
      'Succeeded',
    );
    assert.deepEqual(JSON.parse((await ok('online-endpoint', 'show', '-n', 'azml-wait', '--query', 'traffic')).stdout), { blue: 100 });

    const key = await tsv('online-endpoint', 'get-credentials', '-n', 'azml-wait', '--query', 'primaryKey');
    assert.match(key, /^\S{20,}$/);
    const request = JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] });
    const scored = await score(await tsv('online-endpoint', 'show', '-n', 'azml-wait', '--query', 'scoring_uri'), {
      credential: key,
      body: request,
    });
    assert.equal(scored.status, 200, scored.text);
  });

  it('exits non-zero with the reason when the deployment fails, and returns at once with --no-wait', async () => {
    await ok('online-endpoint', 'create', '-n', 'azml-fail');
    const traffic = (await trellis.client.getOnlineEndpoint('default', 'azml-fail')).traffic;
    const failed = await cli(trellis.url, ['online-deployment', 'create', '-e', 'azml-fail', '-f', 'broken.yml']);
    assert.equal(failed.code, 1, failed.stdout);
    assert.match(
      failed.stderr,
      /deployment 'broken' of endpoint 'azml-fail' failed: with no code_configuration the model must be an MLflow model/,
    );
    assert.match(failed.stderr, /trellis online-deployment get-logs --name broken --endpoint-name azml-fail/);
    const returned = await ok(
      'online-deployment',
      'create',
      '-e',
      'azml-fail',
      '-f',
      'broken.yml',
      '--set',
      'name=broken-2',
      '--no-wait',
      '--query',
      'provisioning_state',
      '-o',
      'tsv',
    );
    assert.equal(returned.stdout.trim(), 'Creating');
    assert.doesNotMatch(returned.stderr, /Succeeded|Failed/);
    assert.deepEqual((await trellis.client.getOnlineEndpoint('default', 'azml-fail')).traffic, traffic);
  });

  it('invokes one deployment with --deployment, --deployment-name or -d', async () => {
    await twoDeployments();
    for (const flag of ['--deployment', '--deployment-name', '-d']) {
      const invoked = await ok('online-endpoint', 'invoke', '--name', 'azml-two', flag, 'green', '--request-file', 'request.json');
      assert.match(invoked.stderr, /answered by deployment green/, flag);
    }
    assert.match(
      (await ok('online-endpoint', 'invoke', '--name', 'azml-two', '--request-file', 'request.json')).stderr,
      /answered by deployment blue/,
    );
  });

  it('updates the stored deployment with --set and no file: more instances, then a registered model, the rest as it was', async () => {
    await twoDeployments();
    const before = await trellis.client.getOnlineDeployment('default', 'azml-two', 'blue');
    await ok('online-deployment', 'update', '--name', 'blue', '--endpoint-name', 'azml-two', '--set', 'instance_count=2');
    const scaled = await trellis.client.getOnlineDeployment('default', 'azml-two', 'blue');
    assert.equal(scaled.provisioning_state, 'Succeeded');
    assert.equal(scaled.spec.instance_count, 2);
    assert.equal(scaled.instanceCount, 2);
    assert.deepEqual(scaled.lineage.model, before.lineage.model);
    assert.deepEqual(scaled.spec.request_settings, before.spec.request_settings);

    await registeredModel();
    await ok('online-deployment', 'update', '-e', 'azml-two', '-n', 'green', '--set', 'model=azureml:azml-model:7');
    assert.deepEqual((await trellis.client.getOnlineDeployment('default', 'azml-two', 'green')).lineage.model, {
      name: 'azml-model',
      version: '7',
      type: 'custom_model',
    });

    const renamed = await cli(trellis.url, ['online-deployment', 'update', '-n', 'blue', '-e', 'azml-two', '--set', 'name=red']);
    assert.equal(renamed.code, 1);
    assert.match(renamed.stderr, /name: a deployment cannot be renamed/);
    const local = await cli(trellis.url, [
      'online-deployment',
      'update',
      '-n',
      'blue',
      '-e',
      'azml-two',
      '--set',
      'model.path=models/corrupt-onnx',
    ]);
    assert.equal(local.code, 1);
    assert.match(local.stderr, /model\.path: 'models\/corrupt-onnx' is a local path, and local files are uploaded from a deployment file/);
  });

  it('registers models and environments from flags: -n -v -p --type, the next version without -v, --conda-file --image', async () => {
    await ok('model', 'create', '-n', 'azml-flag-model', '-v', '7', '-p', 'models/iris-onnx-v1', '--type', 'custom_model');
    assert.equal(await tsv('model', 'show', '-n', 'azml-flag-model', '--query', 'spec.type'), 'custom_model');
    await ok('model', 'create', '--name', 'azml-flag-model', '--type', 'mlflow_model', '--path', 'models/iris-onnx-v1');
    assert.equal(await tsv('model', 'show', '-n', 'azml-flag-model', '--query', '[version, spec.type]'), '8\nmlflow_model');
    const badType = await cli(trellis.url, ['model', 'create', '-n', 'azml-flag-model', '-p', 'models/iris-onnx-v1', '--type', 'pickle']);
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /--type: must be one of custom_model, mlflow_model, triton_model; got 'pickle'/);
    const missing = await cli(trellis.url, ['model', 'create', '-n', 'azml-flag-model', '-p', 'no-such-model']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--path: 'no-such-model' does not exist/);

    await writeFile(join(scratch, 'conda.yml'), 'name: scoring\ndependencies:\n  - python=3.11\n  - pip:\n    - scikit-learn==1.5.2\n');
    await ok(
      'environment',
      'create',
      '--name',
      'azml-env',
      '--version',
      '1',
      '--conda-file',
      join(scratch, 'conda.yml'),
      '--image',
      'python:3.11-slim',
    );
    const environment = await trellis.client.get('default', 'environment', 'azml-env', '1');
    assert.equal(environment.spec.image, 'python:3.11-slim');
    assert.match(JSON.stringify(environment.spec.conda_file), /scikit-learn==1\.5\.2/);
  });

  it('makes a batch deployment the default with --set-default, and moves it with batch-endpoint update --set defaults.deployment_name', async () => {
    await registeredModel();
    await ok('compute', 'create', '-n', 'batch-cluster', '--type', 'amlcompute', '--min-instances', '0', '--max-instances', '1');
    await ok('batch-endpoint', 'create', '-n', 'azml-batch');
    for (const name of ['first', 'second']) {
      const file = join(scratch, `${name}.yml`);
      await writeFile(
        file,
        `name: ${name}\nendpoint_name: elsewhere\ntype: model\nmodel: azureml:azml-model:7\ncompute: azureml:batch-cluster\n`,
      );
      await ok('batch-deployment', 'create', '--file', file, '--endpoint-name', 'azml-batch', '--set-default');
      assert.equal(await tsv('batch-endpoint', 'show', '--name', 'azml-batch', '--query', 'defaults.deployment_name'), name);
    }
    await ok('batch-endpoint', 'update', '--name', 'azml-batch', '--set', 'defaults.deployment_name=first');
    assert.equal(await tsv('batch-endpoint', 'show', '--name', 'azml-batch', '--query', 'defaults.deployment_name'), 'first');
    assert.equal(
      await tsv('batch-endpoint', 'show', '--name', 'azml-batch', '--query', 'scoring_uri'),
      `${trellis.url}/api/v1/workspaces/default/batch-endpoints/azml-batch/invoke`,
    );
    const unknown = await cli(trellis.url, ['batch-endpoint', 'update', '--name', 'azml-batch', '--set', 'defaults.deployment_name=third']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /defaults\.deployment_name: endpoint 'azml-batch' has no deployment 'third'; deployments: first, second/);

    assert.equal(
      await tsv('batch-deployment', 'show', '--name', 'second', '--endpoint-name', 'azml-batch', '--query', 'provisioning_state'),
      'Succeeded',
    );
    assert.deepEqual(
      JSON.parse(
        (await ok('batch-deployment', 'list-jobs', '--name', 'first', '--endpoint-name', 'azml-batch', '--query', '[].name')).stdout,
      ),
      [],
    );
    // -o json is the REST API's record, Azure's names included.
    const shown = JSON.parse(
      (await ok('batch-deployment', 'show', '--name', 'first', '--endpoint', 'azml-batch', '-o', 'json')).stdout,
    ) as Record<string, unknown>;
    assert.deepEqual(shown, await trellis.client.getBatchDeployment('default', 'azml-batch', 'first'));
    assert.equal(shown.endpoint_name, 'azml-batch');
  });

  it('names the flag when one is missing or wrong, and changes nothing', async () => {
    const noEndpoint = await cli(trellis.url, ['online-deployment', 'show', '--name', 'blue']);
    assert.equal(noEndpoint.code, 1);
    assert.match(noEndpoint.stderr, /--endpoint-name <name> \(or -e, --endpoint\)/);
    const badQuery = await cli(trellis.url, ['online-endpoint', 'create', '-n', 'never-made', '--query', 'deployments[']);
    assert.equal(badQuery.code, 1);
    assert.match(badQuery.stderr, /--query 'deployments\[' is not a JMESPath expression/);
    assert.equal(await tsv('online-endpoint', 'list', '--query', "[?name=='never-made'].name"), '');
    const noFile = await cli(trellis.url, ['online-deployment', 'update', '--name', 'blue', '--endpoint', 'azml-iris']);
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /give --file <deployment\.yml>, or --name, --endpoint-name and --set field=value/);
  });

  it('deletes with --yes and --no-wait (-y too)', async () => {
    // Its own endpoints: an online one with a deployment (one that fails, so nothing is left running), and a batch one.
    await ok('online-endpoint', 'create', '-n', 'azml-gone');
    await cli(trellis.url, ['online-deployment', 'create', '-e', 'azml-gone', '-f', 'broken.yml', '--set', 'name=green']);
    await ok('batch-endpoint', 'create', '-n', 'azml-gone-batch');
    await ok('online-deployment', 'delete', '--name', 'green', '--endpoint', 'azml-gone', '--yes', '--no-wait');
    await ok('online-endpoint', 'delete', '-y', '-n', 'azml-gone', '--no-wait');
    const gone = await cli(trellis.url, ['online-endpoint', 'show', '-n', 'azml-gone']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /endpoint 'azml-gone' does not exist/);
    await ok('batch-endpoint', 'delete', '--name', 'azml-gone-batch', '--yes');
    assert.equal(await tsv('batch-endpoint', 'list', '--query', "length([?name=='azml-gone-batch'])"), '0');
  });
});
