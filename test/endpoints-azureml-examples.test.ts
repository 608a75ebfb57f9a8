import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { DeploymentBody, EndpointBody } from '../src/client/trellis-client.js';
import {
  assertAllSucceeded,
  callsOf,
  createAzShell,
  firstCurl,
  invokeAnswer,
  only,
  optionValue,
  type AzCall,
  type AzShell,
  type CurlCall,
} from './support/az-shim.js';
import { score } from './support/endpoints.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// The online endpoint examples of Azure/azureml-examples (commit 085cd6e), kept byte for byte in
// test/fixtures/azureml-examples (see the NOTICE there), deployed by running their own `cli/*.sh`
// scripts unchanged, with `az` standing for the trellis CLI (test/support/az-shim.ts). What each
// script's own commands got back is what is checked. docs/azureml-examples.md lists every endpoint
// example and whether it runs.
const examples = join(repositoryRoot, 'test', 'fixtures', 'azureml-examples', 'cli');
// Built virtualenvs are kept across runs, like a machine's image cache: each distinct conda file is one.
const environmentCache = join(repositoryRoot, '.cache', 'environments');
// A cold environment cache builds eight virtualenvs with pip on a 2-core machine.
const timeout = 30 * 60_000;

/** model-2's score.py answers this whatever it is sent, so that a rollout is easy to see. */
const model2Answer = [0.5, 0.5];
// inference-schema's models/iris.pkl is a scikit-learn 1.0.2 random forest that scikit-learn 1.3 and
// later cannot unpickle (its trees lack missing_go_to_left), so this was computed once with
// scikit-learn 1.2.2, the version its env.yml pins, on Python 3.10: predict_proba of the two sample
// rows is [0, 0.06, 0.94] and [0.5, 0.27, 0.23].
const irisCategories = { Category: ['Virginica', 'Setosa'] };
// The LightGBM model's class probabilities for sample-request-lightgbm.json, computed once with
// lightgbm 4.6.0 (as its conda.yaml pins): lightgbm.Booster(model_file="model.lgb").predict(<the rows>).
const lightgbmProbabilities = [
  [0.6537724440218525, 0.17880280139283433, 0.16742475458531322],
  [0.047420494345148216, 0.06112452452109818, 0.8914549811337537],
];
const irisColumns = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** What the scikit-learn models answer for the examples' sample requests, computed from the same files with the test venv's scikit-learn. */
interface Expected {
  /** model-1's LinearRegression on model-1/sample-request.json. */
  model1: number[];
  /** The ncd sklearn-diabetes MLflow model on sample-request-sklearn.json. */
  diabetes: number[];
}

const expectedScript = `
import json, pickle, sys, warnings
import joblib, numpy, pandas
warnings.simplefilter("ignore")  # the pickles were made by older scikit-learn versions
online = sys.argv[1]
model1 = joblib.load(f"{online}/model-1/model/sklearn_regression_model.pkl")
request = json.load(open(f"{online}/model-1/sample-request.json"))["data"]
with open(f"{online}/ncd/sklearn-diabetes/model/model.pkl", "rb") as file:
    diabetes = pickle.load(file)
rows = json.load(open(f"{online}/ncd/sample-request-sklearn.json"))["input_data"]
print(json.dumps({
    "model1": model1.predict(numpy.array(request)).tolist(),
    "diabetes": diabetes.predict(pandas.DataFrame(rows["data"], columns=rows["columns"])).tolist(),
}))
`;

async function computeExpected(): Promise<Expected> {
  const python = process.env.TRELLIS_TEST_PYTHON;
  if (!python)
    throw new Error(
      'TRELLIS_TEST_PYTHON is not set: run the suite with npm test (or scripts/run-tests.mjs), which makes the Python environment',
    );
  const child = spawn(python, ['-c', expectedScript, join(examples, 'endpoints', 'online')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  assert.equal(code, 0, output);
  return JSON.parse(output.trim().split('\n').at(-1)!) as Expected;
}

describe('the online endpoint examples of azureml-examples, deployed by their own scripts', { concurrency: true }, () => {
  let trellis: TrellisProcess;
  let scratch: string;
  /** The copy of the fixtures' cli/ folder the scripts run in (they write next to the examples: model.yml_, output.jpg). */
  let cliFolder: string;
  let expected: Expected;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-azureml-endpoints-'));
    cliFolder = join(scratch, 'cli');
    await cp(examples, cliFolder, { recursive: true });
    // First, so that a missing test venv fails before a server is started.
    expected = await computeExpected();
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache } });
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A fresh az/curl shim with its own call records, one per example. */
  const shell = (name: string) => createAzShell(join(scratch, 'shells', name), trellis.url);

  /** Runs a script of cli/ unchanged; it must exit 0 with every az command it ran succeeding. */
  async function runExample(t: TestContext, shellOf: AzShell, script: string): Promise<AzCall[]> {
    const startedAt = Date.now();
    const { code, output } = await shellOf.runScript(script, cliFolder).exited;
    t.diagnostic(`${script}: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    const calls = await shellOf.azCalls();
    if (code !== 0) assert.fail(`${script} exited with ${code}:\n${output}\n${await deploymentLogs(calls)}`);
    assertAllSucceeded(calls, output);
    return calls;
  }

  /** The logs of every deployment the calls name, to show why one failed (the scripts stop before deleting their endpoint). */
  async function deploymentLogs(calls: AzCall[]): Promise<string> {
    const endpoints = new Set<string>();
    for (const { args } of calls) {
      const named =
        args[0] === 'online-endpoint' ? ['--name', '-n', '--endpoint', '--endpoint-name', '-e'] : ['--endpoint', '--endpoint-name', '-e'];
      for (const [index, arg] of args.entries()) {
        if (named.includes(arg) && args[index + 1]) endpoints.add(args[index + 1]!);
        if (arg.startsWith('endpoint_name=')) endpoints.add(arg.slice('endpoint_name='.length));
      }
    }
    const logs: string[] = [];
    for (const endpoint of endpoints) {
      const deployments = await trellis.client.listOnlineDeployments('default', endpoint).catch(() => ({ items: [] as DeploymentBody[] }));
      for (const deployment of deployments.items) {
        const log = await trellis.client
          .onlineDeploymentLogs('default', endpoint, deployment.name, 60)
          .catch((error: Error) => error.message);
        logs.push(`--- ${endpoint}/${deployment.name} (${deployment.state}: ${deployment.reason ?? ''}) ---\n${log}`);
      }
    }
    return logs.join('\n');
  }

  /** `az ml <args>` through the shim from the cli/ folder, as a script line; fails the test on a non-zero exit (with the deployments' logs); returns stdout. */
  function azOf(sh: AzShell) {
    return async (...args: string[]): Promise<string> => {
      const result = await sh.az(['ml', ...args], cliFolder);
      if (result.code !== 0)
        assert.fail(
          `az ml ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}\n${await deploymentLogs(await sh.azCalls())}`,
        );
      return result.stdout;
    };
  }

  it("cli/deploy-managed-online-endpoint.sh: blue answers model-1's predictions, with its name in azureml-model-deployment", {
    timeout,
  }, async (t) => {
    const sh = await shell('managed');
    const calls = await runExample(t, sh, 'deploy-managed-online-endpoint.sh');
    const endpoint = optionValue(calls[0]!);
    assertClose(invokeAnswer(only(calls, 'online-endpoint', 'invoke').stdout), expected.model1);
    // The script's curl to the scoring URI, with the key from get-credentials.
    const curl = firstCurl(await sh.curlCalls());
    assert.equal(curl.status, 200, curl.text());
    assert.equal(curl.headers.get('azureml-model-deployment'), 'blue');
    assertClose(curl.json(), expected.model1);
    // score.py's own logging.info lines (init, and each call the script made) are in get-logs, as on Azure.
    const logs = only(calls, 'online-deployment', 'get-logs').stdout;
    assert.match(logs, /Init complete/, logs.slice(-3000));
    assert.match(logs, /model 1: request received/, logs.slice(-3000));
    await assertDeleted(trellis, endpoint);
  });

  it('cli/deploy-safe-rollout-online-endpoints.sh: blue scaled to 2, green tested alone, mirrored, then given all traffic', {
    timeout,
  }, async (t) => {
    const sh = await shell('safe-rollout');
    const startedAt = Date.now();
    // The script ends by deleting blue and the endpoint; it is held before the delete so the test can
    // see where the traffic moves left the endpoint.
    const run = sh.runScript('deploy-safe-rollout-online-endpoints.sh', cliFolder, { pauseBefore: ['online-deployment delete'] });
    await run.paused();
    let endpoint = '';
    try {
      const sofar = await sh.azCalls();
      // The last one is the held delete.
      assertAllSucceeded(sofar.slice(0, -1), '');
      endpoint = optionValue(sofar[0]!);
      const shown = await trellis.client.getOnlineEndpoint('default', endpoint);
      assert.equal(shown.traffic.green, 100, JSON.stringify(shown.traffic));
      assert.equal(shown.traffic.blue ?? 0, 0, JSON.stringify(shown.traffic));
      assert.equal(shown.mirrorTraffic.green ?? 0, 0, JSON.stringify(shown.mirrorTraffic));
      const blue = await trellis.client.getOnlineDeployment('default', endpoint, 'blue');
      assert.equal(blue.instanceCount, 2, 'update --set instance_count=2 did not scale blue');
      assert.equal(blue.readyInstances, 2, JSON.stringify(blue.instances));
      const key = await primaryKey(trellis, endpoint);
      const request = await readFile(join(cliFolder, 'endpoints', 'online', 'model-1', 'sample-request.json'), 'utf8');
      for (let call = 0; call < 10; call++) {
        const scored = await score(shown.scoringUri, { credential: key, body: request });
        assert.equal(scored.status, 200, scored.text);
        assert.equal(scored.headers.get('azureml-model-deployment'), 'green');
        assert.deepEqual(scored.json(), model2Answer);
      }
    } finally {
      // Held or failed, the script goes on: it deletes blue and the endpoint and exits.
      await run.resume();
    }

    const { code, output } = await run.exited;
    t.diagnostic(`deploy-safe-rollout-online-endpoints.sh: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    assert.equal(code, 0, `${output}\n${trellis.output()}`);
    const calls = await sh.azCalls();
    assertAllSucceeded(calls, output);
    const [blueAnswer, greenAnswer] = callsOf(calls, 'online-endpoint', 'invoke');
    assertClose(invokeAnswer(blueAnswer!.stdout), expected.model1);
    // `invoke --deployment-name green` goes to green though it has no traffic yet.
    assert.deepEqual(
      greenAnswer!.args.slice(greenAnswer!.args.indexOf('--deployment-name'), greenAnswer!.args.indexOf('--deployment-name') + 2),
      ['--deployment-name', 'green'],
    );
    assert.deepEqual(invokeAnswer(greenAnswer!.stdout), model2Answer);
    // `show --query traffic` right after green was created: blue still has it all.
    const traffic = JSON.parse(callsOf(calls, 'online-endpoint', 'show').find((call) => call.args.includes('traffic'))!.stdout) as Record<
      string,
      number
    >;
    assert.equal(traffic.blue, 100, JSON.stringify(traffic));
    assert.equal(traffic.green ?? 0, 0, JSON.stringify(traffic));
    // The script's curl with `azureml-model-deployment: green`.
    const curl = firstCurl(await sh.curlCalls());
    assert.equal(curl.status, 200, curl.text());
    assert.equal(curl.headers.get('azureml-model-deployment'), 'green');
    assert.deepEqual(curl.json(), model2Answer);
    await assertDeleted(trellis, endpoint);
  });

  it('cli/deploy-moe-minimal-single-model-registered.sh: a registered model and an inline conda environment answer as model-1', {
    timeout,
  }, async (t) => {
    const sh = await shell('minimal');
    const calls = await runExample(t, sh, 'deploy-moe-minimal-single-model-registered.sh');
    const endpoint = optionValue(calls[0]!);
    const registered = JSON.parse(only(calls, 'model', 'create').stdout) as { name: string };
    assert.equal(registered.name, 'minimalregistered');
    const curl = firstCurl(await sh.curlCalls());
    assert.equal(curl.status, 200, curl.text());
    assert.equal(curl.headers.get('azureml-model-deployment'), 'smr');
    assertClose(curl.json(), expected.model1);
    await assertDeleted(trellis, endpoint);
  });

  it('cli/deploy-moe-inference-schema.sh: standard, numpy and pandas inference-schema scripts answer their sample inputs and serve their swagger', {
    timeout,
  }, async (t) => {
    const sh = await shell('inference-schema');
    const calls = await runExample(t, sh, 'deploy-moe-inference-schema.sh');
    const endpoint = optionValue(calls[0]!);
    const curls = await sh.curlCalls();
    assert.equal(curls.length, 6, curls.map((curl) => curl.args.join(' ')).join('\n'));
    // Each deployment takes all traffic in turn; each is scored, then its swagger.json is read.
    for (const [index, kind] of ['standard', 'numpy', 'pandas'].entries()) {
      const answer = curls[index * 2]!;
      const swagger = curls[index * 2 + 1]!;
      assert.equal(answer.status, 200, `${kind}: ${answer.text()}`);
      assert.equal(answer.headers.get('azureml-model-deployment'), `infsrv-${kind}`);
      assert.deepEqual(answer.json(), irisCategories, kind);
      assert.equal(swagger.status, 200, `${kind} swagger: ${swagger.text()}`);
      const document = swagger.json() as SwaggerDocument;
      assert.equal(document.swagger, '2.0');
      assert.deepEqual(document.definitions.ServiceOutput.example, { Category: ['Virginica'] }, `${kind}: ${swagger.text()}`);
      const input = document.definitions.ServiceInput;
      if (kind === 'standard') {
        assert.deepEqual(Object.keys(input.properties ?? {}).sort(), [...irisColumns].sort(), swagger.text());
        assert.deepEqual(input.example, { sepal_length: [7.2], sepal_width: [3.2], petal_length: [6.0], petal_width: [1.8] });
      } else {
        assert.deepEqual(Object.keys(input.properties ?? {}), ['iris'], swagger.text());
        if (kind === 'numpy') assert.deepEqual(input.example, { iris: [[7.2, 3.2, 6.0, 1.8]] });
        else for (const column of irisColumns) assert.match(JSON.stringify(input.properties!.iris), new RegExp(column), swagger.text());
      }
    }
    await assertDeleted(trellis, endpoint);
  });

  it('cli/deploy-moe-binary-payloads.sh: a @rawhttp script takes an uploaded image, answers a resized JPEG, then the sizes of two uploads', {
    timeout,
  }, async (t) => {
    const sh = await shell('binary-payloads');
    const calls = await runExample(t, sh, 'deploy-moe-binary-payloads.sh');
    // ACR_NAME=$(az ml workspace show --query container_registry -o tsv | cut ...): a pipeline, so
    // set -e would not stop the script had it failed; there is no registry here, and nothing else reads it.
    assert.equal(calls[0]!.args.slice(0, 2).join(' '), 'workspace show');
    const endpoint = optionValue(only(calls, 'online-endpoint', 'create'));
    const folder = join(cliFolder, 'endpoints', 'online', 'managed', 'binary-payloads');
    const curls = await sh.curlCalls();
    assert.equal(curls.length, 2, curls.map((curl) => curl.args.join(' ')).join('\n'));
    const [single, multiple] = curls as [CurlCall, CurlCall];
    // curl -F file=@input.jpg ... -o output.jpg: single-file-to-file-score.py resizes it to 128x128.
    assert.equal(single.status, 200, single.text());
    assert.equal(single.headers.get('azureml-model-deployment'), 'binary-payload');
    const resized = await readFile(join(folder, 'output.jpg'));
    assert.deepEqual(jpegSize(resized), [128, 128]);
    // After update --set code_configuration.scoring_script=multi-file-to-json-score.py: the sizes of both files.
    assert.equal(multiple.status, 200, multiple.text());
    const input = await readFile(join(folder, 'input.jpg'));
    assert.deepEqual(multiple.json(), {
      response: [
        { filename: 'input.jpg', size: jpegSize(input) },
        { filename: 'output.jpg', size: [128, 128] },
      ],
    });
    await assertDeleted(trellis, endpoint);
  });

  it("cli/deploy-moe-openapi.sh: the decorated script's swagger is generated, the custom one's swagger2.json is served", {
    timeout,
  }, async (t) => {
    const sh = await shell('openapi');
    // This script has `#set -e`: it goes on after a failed command, so every command's exit code is checked.
    const calls = await runExample(t, sh, 'deploy-moe-openapi.sh');
    const endpoint = optionValue(calls[0]!);
    const curls = await sh.curlCalls();
    assert.equal(curls.length, 4, curls.map((curl) => curl.args.join(' ')).join('\n'));
    const [decorated, generated, custom, served] = curls as [CurlCall, CurlCall, CurlCall, CurlCall];
    for (const call of curls) {
      assert.equal(call.status, 200, `${call.args.join(' ')}: ${call.text()}`);
    }
    assert.equal(decorated.headers.get('azureml-model-deployment'), 'openapi');
    const output = decorated.json() as { output: number[] };
    assertClose(output.output, expected.model1);
    const document = generated.json() as SwaggerDocument;
    assert.equal(document.swagger, '2.0');
    assert.deepEqual(document.definitions.ServiceInput.example, { data: [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] }, generated.text());
    assert.deepEqual(document.definitions.ServiceOutput.example, { output: [1.0, 1.0] });
    // update -f deployment.yml --set code_configuration.code=code-custom: the undecorated model-1 script, and its own swagger2.json.
    assertClose(custom.json(), expected.model1);
    const swagger2 = JSON.parse(
      await readFile(join(examples, 'endpoints', 'online', 'managed', 'openapi', 'code-custom', 'swagger2.json'), 'utf8'),
    ) as unknown;
    assert.deepEqual(served.json(), swagger2);
    await assertDeleted(trellis, endpoint);
  });

  it('cli/deploy-managed-online-endpoint-ncd.sh (its az ml lines, run by the test): no-code MLflow sklearn and lightgbm models answer their sample requests', {
    timeout,
  }, async (t) => {
    // The script begins and ends by deleting models through Azure's model-management REST API
    // (curl to ml.azure.com with an `az account get-access-token` token and `az configure` defaults):
    // that has no meaning here, and under its set -e it stops the script. Its az ml lines run here
    // instead, in the script's order, through the same az.
    const sh = await shell('ncd');
    const startedAt = Date.now();
    const az = azOf(sh);
    const endpoint = `endpt-ncd-${Math.floor(Math.random() * 32768)}`;
    await az('online-endpoint', 'create', '--name', endpoint, '-f', 'endpoints/online/ncd/create-endpoint.yaml');
    assert.equal(
      (await az('online-endpoint', 'show', '--name', endpoint, '--query', 'provisioning_state', '-o', 'tsv')).trim(),
      'Succeeded',
    );
    await az(
      'online-deployment',
      'create',
      '--name',
      'sklearn-deployment',
      '--endpoint',
      endpoint,
      '-f',
      'endpoints/online/ncd/sklearn-deployment.yaml',
      '--all-traffic',
    );
    assert.equal(
      (
        await az(
          'online-deployment',
          'show',
          '--name',
          'sklearn-deployment',
          '--endpoint',
          endpoint,
          '--query',
          'provisioning_state',
          '-o',
          'tsv',
        )
      ).trim(),
      'Succeeded',
    );
    assertClose(
      invokeAnswer(
        await az('online-endpoint', 'invoke', '--name', endpoint, '--request-file', 'endpoints/online/ncd/sample-request-sklearn.json'),
      ),
      expected.diabetes,
    );
    await az(
      'online-deployment',
      'create',
      '--name',
      'lightgbm-deployment',
      '--endpoint',
      endpoint,
      '-f',
      'endpoints/online/ncd/lightgbm-deployment.yaml',
    );
    assert.equal(
      (
        await az(
          'online-deployment',
          'show',
          '--name',
          'lightgbm-deployment',
          '--endpoint',
          endpoint,
          '--query',
          'provisioning_state',
          '-o',
          'tsv',
        )
      ).trim(),
      'Succeeded',
    );
    assertClose(
      invokeAnswer(
        await az(
          'online-endpoint',
          'invoke',
          '--name',
          endpoint,
          '--deployment',
          'lightgbm-deployment',
          '--request-file',
          'endpoints/online/ncd/sample-request-lightgbm.json',
        ),
      ),
      lightgbmProbabilities,
    );
    // lightgbm-deployment was created without traffic: the endpoint's own answers still come from sklearn.
    const shown = await trellis.client.getOnlineEndpoint('default', endpoint);
    const scored = await score(shown.scoringUri, {
      credential: await primaryKey(trellis, endpoint),
      body: await readFile(join(cliFolder, 'endpoints', 'online', 'ncd', 'sample-request-sklearn.json'), 'utf8'),
    });
    assert.equal(scored.status, 200, scored.text);
    assert.equal(scored.headers.get('azureml-model-deployment'), 'sklearn-deployment');
    assertClose(scored.json(), expected.diabetes);
    await az('online-endpoint', 'delete', '--name', endpoint, '--yes');
    t.diagnostic(`ncd: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    await assertDeleted(trellis, endpoint);
  });

  it("managed/sample *-with-curated-env.yml (the scripts' commands, run by the test): Azure's sklearn-1.5 curated environment, blue then green", {
    timeout,
  }, async (t) => {
    const sh = await shell('curated');
    const startedAt = Date.now();
    const { blue, green } = await followSample(sh, 'blue-deployment-with-curated-env.yml', 'green-deployment-with-curated-env.yml');
    t.diagnostic(`curated-env: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    // azureml://registries/azureml/environments/sklearn-1.5/labels/latest runs as Trellis's build of that image (scikit-learn 1.5, pandas 1.5).
    for (const deployment of [blue, green]) {
      assert.equal(deployment.lineage.environment?.name, 'trellis-python-sklearn-1.5', JSON.stringify(deployment.lineage));
      assert.equal(deployment.lineage.environment?.curated, true);
    }
  });

  it("managed/sample *-with-registered-assets.yml (the scripts' commands, run by the test): my-model:1, my-model:2 and my-env:1 registered first", {
    timeout,
  }, async (t) => {
    const sh = await shell('registered');
    const startedAt = Date.now();
    // These files name azureml:my-model:1, azureml:my-model:2 and azureml:my-env:1, which no script of
    // the repository registers: they are made first with az ml model create / environment create, from
    // the folders and the conda file the other sample deployments use.
    const az = azOf(sh);
    await az('model', 'create', '-n', 'my-model', '-v', '1', '-p', 'endpoints/online/model-1/model', '--type', 'custom_model');
    await az('model', 'create', '-n', 'my-model', '-v', '2', '-p', 'endpoints/online/model-2/model', '--type', 'custom_model');
    await az(
      'environment',
      'create',
      '-n',
      'my-env',
      '-v',
      '1',
      '--conda-file',
      'endpoints/online/model-1/environment/conda.yaml',
      '--image',
      'mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest',
    );
    const { blue, green } = await followSample(
      sh,
      'blue-deployment-with-registered-assets.yml',
      'green-deployment-with-registered-assets.yml',
    );
    t.diagnostic(`registered-assets: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    assert.deepEqual(blue.lineage.model, { name: 'my-model', version: '1', type: 'custom_model' });
    assert.deepEqual(green.lineage.model, { name: 'my-model', version: '2', type: 'custom_model' });
    for (const deployment of [blue, green])
      assert.deepEqual(deployment.lineage.environment, { name: 'my-env', version: '1', curated: false });
  });

  /**
   * The commands of deploy-managed-online-endpoint.sh, then those of deploy-safe-rollout-online-endpoints.sh,
   * with another pair of sample files (the variants have no script of their own); returns the two
   * deployments as shown before the endpoint is deleted.
   */
  async function followSample(sh: AzShell, blueFile: string, greenFile: string): Promise<{ blue: DeploymentBody; green: DeploymentBody }> {
    const az = azOf(sh);
    const sample = 'endpoints/online/managed/sample';
    const endpoint = `endpt-moe-${Math.floor(Math.random() * 32768)}`;
    await az('online-endpoint', 'create', '--name', endpoint, '-f', `${sample}/endpoint.yml`);
    await az('online-deployment', 'create', '--name', 'blue', '--endpoint', endpoint, '-f', `${sample}/${blueFile}`, '--all-traffic');
    assert.equal(
      (await az('online-endpoint', 'show', '--name', endpoint, '--query', 'provisioning_state', '-o', 'tsv')).trim(),
      'Succeeded',
    );
    assert.equal(
      (
        await az('online-deployment', 'show', '--name', 'blue', '--endpoint', endpoint, '--query', 'provisioning_state', '-o', 'tsv')
      ).trim(),
      'Succeeded',
    );
    assertClose(
      invokeAnswer(
        await az('online-endpoint', 'invoke', '--name', endpoint, '--request-file', 'endpoints/online/model-1/sample-request.json'),
      ),
      expected.model1,
    );
    const key = (await az('online-endpoint', 'get-credentials', '-n', endpoint, '-o', 'tsv', '--query', 'primaryKey')).trim();
    const scoringUri = (await az('online-endpoint', 'show', '-n', endpoint, '-o', 'tsv', '--query', 'scoring_uri')).trim();
    const request = await readFile(join(cliFolder, 'endpoints', 'online', 'model-1', 'sample-request.json'), 'utf8');
    const blueScored = await score(scoringUri, { credential: key, body: request });
    assert.equal(blueScored.status, 200, blueScored.text);
    assert.equal(blueScored.headers.get('azureml-model-deployment'), 'blue');
    assertClose(blueScored.json(), expected.model1);

    await az('online-deployment', 'create', '--name', 'green', '--endpoint-name', endpoint, '-f', `${sample}/${greenFile}`);
    const traffic = JSON.parse(await az('online-endpoint', 'show', '-n', endpoint, '--query', 'traffic')) as Record<string, number>;
    assert.equal(traffic.blue, 100, JSON.stringify(traffic));
    assert.equal(traffic.green ?? 0, 0, JSON.stringify(traffic));
    assert.deepEqual(
      invokeAnswer(
        await az(
          'online-endpoint',
          'invoke',
          '--name',
          endpoint,
          '--deployment-name',
          'green',
          '--request-file',
          'endpoints/online/model-2/sample-request.json',
        ),
      ),
      model2Answer,
    );
    await az('online-endpoint', 'update', '--name', endpoint, '--traffic', 'blue=90 green=10');
    await az('online-endpoint', 'update', '--name', endpoint, '--traffic', 'blue=0 green=100');
    for (let call = 0; call < 5; call++) {
      const scored = await score(scoringUri, { credential: key, body: request });
      assert.equal(scored.status, 200, scored.text);
      assert.equal(scored.headers.get('azureml-model-deployment'), 'green');
      assert.deepEqual(scored.json(), model2Answer);
    }
    const blue = JSON.parse(await az('online-deployment', 'show', '--name', 'blue', '--endpoint', endpoint)) as DeploymentBody;
    const green = JSON.parse(await az('online-deployment', 'show', '--name', 'green', '--endpoint', endpoint)) as DeploymentBody;
    await az('online-deployment', 'delete', '--name', 'blue', '--endpoint', endpoint, '--yes', '--no-wait');
    await az('online-endpoint', 'delete', '--name', endpoint, '--yes', '--no-wait');
    await assertDeleted(trellis, endpoint);
    return { blue, green };
  }
});

interface SwaggerDocument {
  swagger: string;
  definitions: Record<'ServiceInput' | 'ServiceOutput', { properties?: Record<string, unknown>; example?: unknown }>;
}

/** Numbers (or nested lists of them) equal to 1e-9, relative: the server's scikit-learn and numpy may round the last digit differently. */
function assertClose(actual: unknown, expectedValue: unknown, path = 'answer'): void {
  if (typeof expectedValue === 'number') {
    assert.equal(typeof actual, 'number', `${path}: ${JSON.stringify(actual)} is not a number`);
    assert.ok(
      Math.abs((actual as number) - expectedValue) <= 1e-9 * Math.max(1, Math.abs(expectedValue)),
      `${path}: ${String(actual)} is not ${expectedValue}`,
    );
    return;
  }
  assert.ok(
    Array.isArray(actual) && Array.isArray(expectedValue) && actual.length === expectedValue.length,
    `${path}: ${JSON.stringify(actual)} is not like ${JSON.stringify(expectedValue)}`,
  );
  (expectedValue as unknown[]).forEach((item, index) => {
    assertClose((actual as unknown[])[index], item, `${path}[${index}]`);
  });
}

async function primaryKey(trellis: TrellisProcess, endpoint: string): Promise<string> {
  const credentials = await trellis.client.endpointCredentials('default', endpoint);
  assert.ok('primaryKey' in credentials);
  return credentials.primaryKey;
}

/** The scripts delete their endpoint with --no-wait: it is gone soon after. */
async function assertDeleted(trellis: TrellisProcess, endpoint: string): Promise<void> {
  await waitFor(
    () =>
      trellis.client.getOnlineEndpoint('default', endpoint).then(
        (found: EndpointBody) => `still there (${found.name})`,
        (error: { status?: number }) => {
          if (error.status === 404) return 'gone';
          throw error;
        },
      ),
    {
      what: `endpoint ${endpoint} to be gone after the script deleted it`,
      until: (state) => state === 'gone',
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
}

/** [width, height] from a JPEG's start-of-frame segment, as PIL's Image.size gives them. */
function jpegSize(bytes: Buffer): [number, number] {
  assert.ok(bytes[0] === 0xff && bytes[1] === 0xd8, 'not a JPEG (no start-of-image marker)');
  let at = 2;
  while (at + 9 < bytes.length) {
    const marker = bytes[at + 1]!;
    // SOF0..SOF15, except DHT (c4), JPG (c8) and DAC (cc), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return [bytes.readUInt16BE(at + 7), bytes.readUInt16BE(at + 5)];
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  throw new Error('no start-of-frame segment in the JPEG');
}
