import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { DeploymentBody, EndpointBody } from '../src/client/trellis-client.js';
import { issueToken } from '../src/core/endpoints/endpoint-keys.js';
import { createTestDatabase, testDialects, type TestDatabase } from './support/databases.js';
import { answeredBy, cli, cliJson, score, slowestSecond, startLoad, waitForDeployment } from './support/endpoints.js';
import { removeHome, repositoryRoot, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

// Built virtualenvs are kept across runs, like a machine's image cache.
const environmentCache = join(repositoryRoot, '.cache', 'environments');
const iris = JSON.stringify({
  data: [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ],
});
const irisV2 = JSON.stringify({ inputs: [{ name: 'X', shape: [2, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5] }] });
type Keys = { primaryKey: string; secondaryKey: string };
type Token = { accessToken: string; tokenType: string; expiryTimeUtc: number };
type Refusal = { status: number; code: string; message: string; problems: Array<{ path: string; message: string }> };
const refusal = (error: unknown) => error as Refusal;

describe('online endpoints end to end on sqlite: blue/green under load, mirror, bad input, keys, lineage', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let startedAt: number;
  /** The keys of iris-endpoint and of iris-mirror. */
  let keys: Keys;
  let mirrorKeys: Keys;
  const recorderFile = () => join(scratch, 'recorder-calls.log');
  const recorderCalls = async () => (await readFile(recorderFile(), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  const scoringUrl = (endpoint: string) => `${trellis.url}/endpoints/${endpoint}/score`;
  const getEndpoint = (name: string) => trellis.client.getOnlineEndpoint('default', name);

  before(async () => {
    startedAt = Date.now();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-endpoints-'));
    trellis = await startTrellis({ env: { TRELLIS_ENV_CACHE: environmentCache } });
    const url = trellis.url;
    // iris-endpoint: blue (a local model folder) takes all traffic, green (registered iris-onnx:2) none yet.
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(url, ['model', 'create', '--file', 'model-v2.yml']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'green.yml']);
    // iris-mirror: blue again, and a recorder that writes a line per call it gets.
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'iris-mirror']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'iris-mirror', '--all-traffic']);
    await cliJson(url, [
      'online-deployment',
      'create',
      '--file',
      'recorder.yml',
      '--endpoint-name',
      'iris-mirror',
      '--set',
      `environment_variables.RECORDER_FILE=${recorderFile()}`,
    ]);
    // iris-token: aml_token auth.
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint-token.yml']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'iris-token', '--all-traffic']);
    for (const [endpoint, deployment] of [
      ['iris-endpoint', 'blue'],
      ['iris-endpoint', 'green'],
      ['iris-mirror', 'blue'],
      ['iris-mirror', 'recorder'],
      ['iris-token', 'blue'],
    ] as const) {
      const ready = await waitForDeployment(trellis.client, endpoint, deployment);
      assert.equal(ready.state, 'Succeeded', `${endpoint}/${deployment}: ${ready.reason}\n${trellis.output()}`);
    }
    keys = await cliJson<Keys>(url, ['online-endpoint', 'get-credentials', '--name', 'iris-endpoint']);
    mirrorKeys = await cliJson<Keys>(url, ['online-endpoint', 'get-credentials', '--name', 'iris-mirror']);
  });

  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('moves traffic from blue to green in steps under a steady load from another process, failing none', async (t) => {
    const warm = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: iris });
    assert.equal(warm.status, 200, warm.text);
    assert.equal(warm.headers.get('azureml-model-deployment'), 'blue');

    const load = startLoad({
      url: scoringUrl('iris-endpoint'),
      key: keys.primaryKey,
      body: iris,
      rate: 800,
      connections: 64,
      out: join(scratch, 'load.json'),
    });
    await load.started;
    // Blue alone answers a good window of requests before the first step.
    await load.waitForAnswered(600, 'blue alone, before the first step');
    const steps = [
      { traffic: 'blue=75 green=25', green: 25 },
      { traffic: 'blue=50 green=50', green: 50 },
      { traffic: 'blue=25 green=75', green: 75 },
      { traffic: 'blue=0 green=100', green: 100 },
    ];
    // Each step: when the CLI started (the old split holds before) and when it returned (the new one holds after).
    const times: Array<{ start: number; done: number; green: number }> = [];
    for (const step of steps) {
      const start = Date.now();
      const updated = await cliJson<EndpointBody>(trellis.url, [
        'online-endpoint',
        'update',
        '--name',
        'iris-endpoint',
        '--traffic',
        step.traffic,
      ]);
      times.push({ start, done: Date.now(), green: step.green });
      assert.equal(updated.traffic.green, step.green);
      // Each split holds for a window of requests (the assertions below need over 100 in each, and 300 after the last).
      await load.waitForAnswered(load.answered() + 500, `green at ${step.green}%`);
    }
    const result = await load.stop();

    const nonOk = result.requests - (result.statuses['200'] ?? 0);
    t.diagnostic(
      `${result.requests} requests in ${(result.durationMs / 1000).toFixed(1)} s from ${result.connections} keep-alive connections: ${result.ratePerSecond} requests/s (slowest whole second ${slowestSecond(result)}), ${nonOk} not 200, latency p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms max ${result.latencyMs.max} ms`,
    );
    assert.equal(nonOk, 0, `statuses ${JSON.stringify(result.statuses)}; first failures: ${JSON.stringify(result.failures.slice(0, 5))}`);
    // The rate it reached and how steady it was are figures of `npm run bench` (serving: traffic moved under load), not asserted here.

    // Before the first step only blue answered; after the last only green.
    const first = times[0]!;
    const last = times.at(-1)!;
    assert.deepEqual(Object.keys(answeredBy(result, result.startedAt, first.start)), ['blue']);
    const afterLast = answeredBy(result, last.done);
    assert.deepEqual(Object.keys(afterLast), ['green'], JSON.stringify(afterLast));
    assert.ok(afterLast.green! > 300, `only ${afterLast.green} requests after the last step`);
    // In between, both answered, each step in its proportion (± 15 points).
    const during = answeredBy(result, first.done, last.start);
    assert.ok(during.blue! > 0 && during.green! > 0, JSON.stringify(during));
    for (const [index, step] of times.slice(0, -1).entries()) {
      const window = answeredBy(result, step.done, times[index + 1]!.start);
      const total = (window.blue ?? 0) + (window.green ?? 0);
      const greenShare = ((window.green ?? 0) * 100) / total;
      t.diagnostic(`green=${step.green}%: ${window.green ?? 0} of ${total} requests went to green (${greenShare.toFixed(1)}%)`);
      assert.ok(total > 100 && Math.abs(greenShare - step.green) <= 15, `step green=${step.green}: ${JSON.stringify(window)}`);
    }
  });

  it('mirrors a share of the requests to a deployment whose answers the client never sees', async () => {
    const body = JSON.stringify({ data: [[5.9, 3.0, 5.1, 1.8]] });
    assert.equal(await recorderCalls(), 0);
    await cliJson(trellis.url, ['online-endpoint', 'update', '--name', 'iris-mirror', '--mirror-traffic', 'recorder=50']);
    const answers = [];
    for (let batch = 0; batch < 10; batch++)
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, () => score(scoringUrl('iris-mirror'), { credential: mirrorKeys.primaryKey, body })),
        )),
      );
    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.headers.get('azureml-model-deployment'), 'blue');
      assert.deepEqual((answer.json() as { label: number[] }).label, [2]);
    }
    // The copies are answered in their own time, the client's answer does not wait for them: let them land
    // (until two reads 100 ms apart agree).
    let previous = -1;
    const mirrored = await waitFor(recorderCalls, {
      what: 'the mirrored copies to land',
      until: (now) => {
        const settled = now === previous && now > 0;
        previous = now;
        return settled;
      },
      timeoutMs: 5_000,
    });
    assert.ok(mirrored >= 60 && mirrored <= 140, `${mirrored} of 200 requests were mirrored at 50%`);

    // A deployment that gets mirrored traffic cannot be deleted either.
    const deleteMirrored = refusal(
      await trellis.client.deleteOnlineDeployment('default', 'iris-mirror', 'recorder').catch((error: unknown) => error),
    );
    assert.equal(deleteMirrored.status, 409);
    assert.match(deleteMirrored.message, /and 50% mirrored/);

    // Mirror off: the recorder gets nothing more.
    await cliJson(trellis.url, ['online-endpoint', 'update', '--name', 'iris-mirror', '--mirror-traffic', 'recorder=0']);
    for (let index = 0; index < 50; index++)
      assert.equal(
        (await score(scoringUrl('iris-mirror'), { credential: mirrorKeys.primaryKey, body })).headers.get('azureml-model-deployment'),
        'blue',
      );
    // Proof that any copy would have landed by now: a call sent to the recorder itself, after the 50, is its only new line
    // (a copy is sent to the recorder before the client's answer, so ahead of this call).
    const direct = await score(scoringUrl('iris-mirror'), { credential: mirrorKeys.primaryKey, body, deployment: 'recorder' });
    assert.equal(direct.status, 200, direct.text);
    assert.equal(await recorderCalls(), mirrored + 1);
  });

  it('refuses bad traffic, deletes, credentials and payloads with a 4xx naming the field, and changes nothing', async () => {
    const endpointBefore = await getEndpoint('iris-endpoint');
    assert.deepEqual(endpointBefore.traffic, { blue: 0, green: 100 });

    // Traffic that does not add up to 100: the CLI says which numbers, the API names the field.
    const notHundred = await cli(trellis.url, ['online-endpoint', 'update', '--name', 'iris-endpoint', '--traffic', 'blue=50 green=40']);
    assert.notEqual(notHundred.code, 0);
    assert.match(notHundred.stderr, /traffic: the percentages add up to 90/);
    const viaApi = refusal(
      await trellis.client.setTraffic('default', 'iris-endpoint', { traffic: { blue: 50, green: 40 } }).catch((error: unknown) => error),
    );
    assert.equal(viaApi.status, 422);
    assert.deepEqual(
      viaApi.problems.map((problem) => problem.path),
      ['traffic'],
    );
    // The same split in an endpoint file.
    const inFile = refusal(
      await trellis.client
        .applyOnlineEndpoint('default', {
          fileName: 'endpoint.yml',
          text: 'name: iris-endpoint\nauth_mode: key\ntraffic:\n  blue: 30\n  green: 60\n',
        })
        .catch((error: unknown) => error),
    );
    assert.equal(inFile.status, 422, JSON.stringify(inFile));
    assert.ok(
      inFile.problems.some((problem) => problem.path === 'traffic'),
      JSON.stringify(inFile.problems),
    );
    // A deployment that does not exist.
    const unknown = await cli(trellis.url, ['online-endpoint', 'update', '--name', 'iris-endpoint', '--traffic', 'green=50 purple=50']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /traffic\.purple: there is no deployment 'purple'.*blue, green/);
    // Deleting a deployment that still takes traffic.
    const deleteLive = refusal(
      await trellis.client.deleteOnlineDeployment('default', 'iris-endpoint', 'green').catch((error: unknown) => error),
    );
    assert.equal(deleteLive.status, 409);
    assert.equal(deleteLive.code, 'DeploymentHasTraffic');
    assert.match(deleteLive.message, /'green' still gets 100% of live traffic/);
    const deleteCli = await cli(trellis.url, ['online-deployment', 'delete', '--name', 'green', '--endpoint-name', 'iris-endpoint']);
    assert.notEqual(deleteCli.code, 0);
    assert.match(deleteCli.stderr, /move it first/);

    // A model that cannot load: Failed, with the reason in show and get-logs, and no traffic for it
    // (--no-wait: the test watches it fail; without it the command would exit non-zero).
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'broken.yml', '--no-wait']);
    const broken = await waitForDeployment(trellis.client, 'iris-endpoint', 'broken');
    assert.equal(broken.state, 'Failed');
    assert.match(broken.reason ?? '', /must be an MLflow model .* or one \.onnx file; it holds model\.pkl/);
    const shown = await cli(trellis.url, ['online-deployment', 'show', '--name', 'broken', '--endpoint-name', 'iris-endpoint']);
    assert.match(shown.stdout, /deployment broken of iris-endpoint: Failed — with no code_configuration/);
    const logs = await cli(trellis.url, ['online-deployment', 'get-logs', '--name', 'broken', '--endpoint-name', 'iris-endpoint']);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /prepare\.log <==[\s\S]*failed: with no code_configuration the model must be an MLflow model/);
    const toBroken = await cli(trellis.url, ['online-endpoint', 'update', '--name', 'iris-endpoint', '--traffic', 'green=90 broken=10']);
    assert.notEqual(toBroken.code, 0);
    assert.match(
      toBroken.stderr,
      /traffic\.broken: deployment 'broken' is Failed \(with no code_configuration.*\) and cannot take traffic/,
    );
    const mirrorBroken = refusal(
      await trellis.client.setTraffic('default', 'iris-endpoint', { mirrorTraffic: { broken: 10 } }).catch((error: unknown) => error),
    );
    assert.equal(mirrorBroken.status, 422);
    assert.deepEqual(
      mirrorBroken.problems.map((problem) => problem.path),
      ['mirror_traffic.broken'],
    );
    const targeted = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: iris, deployment: 'broken' });
    assert.equal(targeted.status, 503);
    assert.match(targeted.text, /deployment 'broken' cannot take calls: it is Failed: with no code_configuration/);
    // A model that its runtime cannot load: the instances start, fail, and are retried; the deployment is Failed meanwhile.
    await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'corrupt.yml', '--no-wait']);
    const corrupt = await waitForDeployment(trellis.client, 'iris-endpoint', 'corrupt');
    assert.equal(corrupt.state, 'Failed');
    assert.match(corrupt.reason ?? '', /the model could not load: .*Protobuf parsing failed/);
    const corruptLogs = await cli(trellis.url, ['online-deployment', 'get-logs', '--name', 'corrupt', '--endpoint-name', 'iris-endpoint']);
    assert.match(corruptLogs.stdout, /logs\/instance-0\.log <==[\s\S]*the model could not load/);
    const toCorrupt = refusal(
      await trellis.client.setTraffic('default', 'iris-endpoint', { traffic: { green: 50, corrupt: 50 } }).catch((error: unknown) => error),
    );
    assert.equal(toCorrupt.status, 422);
    assert.deepEqual(
      toCorrupt.problems.map((problem) => problem.path),
      ['traffic.corrupt'],
    );
    const atCorrupt = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: iris, deployment: 'corrupt' });
    assert.equal(atCorrupt.status, 503);
    assert.match(atCorrupt.text, /cannot take calls/);

    // Nothing above changed the endpoint.
    const endpointAfter = await getEndpoint('iris-endpoint');
    assert.deepEqual(endpointAfter.traffic, endpointBefore.traffic);
    assert.deepEqual(endpointAfter.mirrorTraffic, endpointBefore.mirrorTraffic);
    assert.equal(endpointAfter.etag, endpointBefore.etag);
    assert.deepEqual((await trellis.client.listOnlineDeployments('default', 'iris-endpoint')).items.map((item) => item.name).sort(), [
      'blue',
      'broken',
      'corrupt',
      'green',
    ]);
    // Deployments without traffic can go.
    for (const name of ['broken', 'corrupt'])
      assert.equal((await cli(trellis.url, ['online-deployment', 'delete', '--name', name, '--endpoint-name', 'iris-endpoint'])).code, 0);

    // No key, or a wrong one: 401, and the model is never called (the recorder counts its calls).
    const calls = await recorderCalls();
    const noKey = await score(scoringUrl('iris-mirror'), { body: iris, deployment: 'recorder' });
    assert.equal(noKey.status, 401);
    assert.match((noKey.json() as { detail: string }).detail, /needs a key in the Authorization header/);
    assert.equal(noKey.headers.get('azureml-model-deployment'), null);
    const wrongKey = await score(scoringUrl('iris-mirror'), {
      credential: mirrorKeys.primaryKey.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      body: iris,
      deployment: 'recorder',
    });
    assert.equal(wrongKey.status, 401);
    assert.match((wrongKey.json() as { detail: string }).detail, /not a key of endpoint 'iris-mirror'/);
    const otherEndpointsKey = await score(scoringUrl('iris-mirror'), { credential: keys.secondaryKey, body: iris, deployment: 'recorder' });
    assert.equal(otherEndpointsKey.status, 401);
    // The recorder writes its line before it answers: a call that does reach it shows as the only new line.
    const allowed = await score(scoringUrl('iris-mirror'), { credential: mirrorKeys.primaryKey, body: iris, deployment: 'recorder' });
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(await recorderCalls(), calls + 1);

    // A payload of the wrong shape, and one that is not JSON: 400 naming what the model takes.
    const wrongShape = await score(scoringUrl('iris-endpoint'), {
      credential: keys.primaryKey,
      body: JSON.stringify({ data: [[5.1, 3.5, 1.4]] }),
    });
    assert.equal(wrongShape.status, 400);
    assert.match((wrongShape.json() as { error: string }).error, /shape \[1, 3\]; the model expects 'X' FP32 \[-1, 4\]/);
    const wrongShapeV2 = await score(`${trellis.url}/v2/models/iris-endpoint/infer`, {
      credential: keys.primaryKey,
      body: JSON.stringify({ inputs: [{ name: 'X', shape: [1, 3], datatype: 'FP32', data: [5.1, 3.5, 1.4] }] }),
    });
    assert.equal(wrongShapeV2.status, 400);
    assert.match(wrongShapeV2.text, /'X'.*\[-1, 4\]/);
    const notJson = await score(scoringUrl('iris-endpoint'), {
      credential: keys.primaryKey,
      body: 'sepal_length=5.1',
      contentType: 'text/plain',
    });
    assert.equal(notJson.status, 400);
    assert.match((notJson.json() as { error: string }).error, /the body is not JSON/);
    const truncated = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: '{"data": [[5.1, 3.5' });
    assert.equal(truncated.status, 400);
    assert.match(truncated.text, /not JSON/);
  });

  it('regenerates one key while the other keeps working; aml_token endpoints take fresh tokens only', async () => {
    const original = mirrorKeys;
    const body = iris;
    for (const key of [original.primaryKey, original.secondaryKey])
      assert.equal((await score(scoringUrl('iris-mirror'), { credential: key, body })).status, 200);
    // iris-endpoint's key is not iris-mirror's.
    assert.equal((await score(scoringUrl('iris-mirror'), { credential: keys.primaryKey, body })).status, 401);

    const regenerated = await cli(trellis.url, ['online-endpoint', 'regenerate-keys', '--name', 'iris-mirror', '--key-type', 'primary']);
    assert.equal(regenerated.code, 0, regenerated.stderr);
    const renewed = await cliJson<Keys>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-mirror']);
    assert.notEqual(renewed.primaryKey, original.primaryKey);
    assert.equal(renewed.secondaryKey, original.secondaryKey);
    const old = await score(scoringUrl('iris-mirror'), { credential: original.primaryKey, body });
    assert.equal(old.status, 401);
    assert.match(old.text, /it may have been regenerated/);
    assert.equal((await score(scoringUrl('iris-mirror'), { credential: original.secondaryKey, body })).status, 200);
    assert.equal((await score(scoringUrl('iris-mirror'), { credential: renewed.primaryKey, body })).status, 200);
    await cli(trellis.url, ['online-endpoint', 'regenerate-keys', '--name', 'iris-mirror', '--key-type', 'secondary']);
    assert.equal((await score(scoringUrl('iris-mirror'), { credential: original.secondaryKey, body })).status, 401);
    assert.equal((await score(scoringUrl('iris-mirror'), { credential: renewed.primaryKey, body })).status, 200);
    // iris-endpoint's keys did not change.
    assert.equal((await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body })).status, 200);

    // aml_token: the token from get-credentials works (with the CLI's invoke too); a garbled, expired, or key credential does not.
    const token = await cliJson<Token>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-token']);
    assert.equal(token.tokenType, 'Bearer');
    assert.ok(token.expiryTimeUtc > Date.now() / 1000 + 50 * 60, `expires ${token.expiryTimeUtc}`);
    const withToken = await score(scoringUrl('iris-token'), { credential: token.accessToken, body });
    assert.equal(withToken.status, 200, withToken.text);
    const invoked = await cli(trellis.url, ['online-endpoint', 'invoke', '--name', 'iris-token', '--request-file', 'request.json']);
    assert.equal(invoked.code, 0, invoked.stderr);
    assert.match(invoked.stderr, /answered by deployment blue/);
    const garbled = await score(scoringUrl('iris-token'), { credential: `${token.accessToken.slice(0, -4)}AAAA`, body });
    assert.equal(garbled.status, 401);
    assert.match(garbled.text, /the token is not valid/);
    // A genuine token past its expiry: signed with the endpoint's own secret (read from the store), issued two hours ago.
    const database = new Database(join(trellis.home, 'trellis.db'), { readonly: true });
    const { token_secret: secret } = database
      .prepare("select token_secret from endpoint_secrets where workspace = 'default' and endpoint = 'iris-token'")
      .get() as { token_secret: string };
    database.close();
    const expired = issueToken({ endpoint: 'iris-token', workspace: 'default', now: Date.now() - 2 * 3_600_000, secrets: secret });
    const withExpired = await score(scoringUrl('iris-token'), { credential: expired.accessToken, body });
    assert.equal(withExpired.status, 401);
    assert.match(withExpired.text, /the token is expired for endpoint 'iris-token'/);
    const fresh = issueToken({ endpoint: 'iris-token', workspace: 'default', now: Date.now(), secrets: secret });
    assert.equal((await score(scoringUrl('iris-token'), { credential: fresh.accessToken, body })).status, 200);
    // A token of one endpoint does not open another; a key does not open a token endpoint.
    const forOther = issueToken({ endpoint: 'iris-endpoint', workspace: 'default', now: Date.now(), secrets: secret });
    assert.equal((await score(scoringUrl('iris-token'), { credential: forOther.accessToken, body })).status, 401);
    assert.equal((await score(scoringUrl('iris-token'), { credential: keys.primaryKey, body })).status, 401);
    assert.equal((await score(scoringUrl('iris-endpoint'), { credential: token.accessToken, body })).status, 401);
    const noKeys = await cli(trellis.url, ['online-endpoint', 'regenerate-keys', '--name', 'iris-token']);
    assert.notEqual(noKeys.code, 0);
    assert.match(noKeys.stderr, /uses aml_token; only key endpoints have keys/);
  });

  it('shows what each deployment serves, who deployed it and when, and every answer names it', async () => {
    const green = await cliJson<DeploymentBody>(trellis.url, [
      'online-deployment',
      'show',
      '--name',
      'green',
      '--endpoint-name',
      'iris-endpoint',
    ]);
    assert.deepEqual(green.lineage.model, { name: 'iris-onnx', version: '2', type: 'custom_model' });
    assert.match(green.lineage.deployedBy, /^local:/);
    assert.ok(green.lineage.deployedAt >= startedAt && green.lineage.deployedAt <= Date.now(), `deployedAt ${green.lineage.deployedAt}`);
    assert.equal(green.readyInstances, 1);
    assert.equal(green.instances[0]?.state, 'ready');
    const blue = await cliJson<DeploymentBody>(trellis.url, [
      'online-deployment',
      'show',
      '--name',
      'blue',
      '--endpoint-name',
      'iris-endpoint',
    ]);
    // A local model folder became a content-addressed model asset.
    assert.match(blue.lineage.model?.name ?? '', /^input-[0-9a-f]{16}$/);
    assert.equal(blue.lineage.model?.version, '1');
    const asset = await trellis.client.get('default', 'model', blue.lineage.model!.name, '1');
    assert.match(String(asset.spec.path), /^trellis:\/\//);
    const table = await cli(trellis.url, ['online-endpoint', 'show', '--name', 'iris-endpoint']);
    assert.match(table.stdout, /green\s+Succeeded\s+100%\s+1\/1\s+iris-onnx:2\s+local:\S+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);

    // Every answer names the deployment and model version that made it: /score, v2 infer, targeted at blue.
    const scored = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: iris });
    assert.equal(scored.headers.get('azureml-model-deployment'), 'green');
    assert.equal(scored.headers.get('x-trellis-model'), 'iris-onnx:2');
    assert.deepEqual((scored.json() as { label: number[] }).label, [0, 2]);
    const inferred = await score(`${trellis.url}/v2/models/iris-endpoint/infer`, { credential: keys.primaryKey, body: irisV2 });
    assert.equal(inferred.status, 200, inferred.text);
    assert.equal(inferred.headers.get('x-trellis-model'), 'iris-onnx:2');
    const v2 = inferred.json() as { model_name: string; model_version: string; outputs: Array<{ name: string; data: number[] }> };
    assert.equal(v2.model_name, 'iris-onnx');
    assert.equal(v2.model_version, '2');
    assert.deepEqual(v2.outputs.find((output) => output.name === 'label')?.data, [0, 2]);
    const toBlue = await score(scoringUrl('iris-endpoint'), { credential: keys.primaryKey, body: iris, deployment: 'blue' });
    assert.equal(toBlue.headers.get('azureml-model-deployment'), 'blue');
    assert.equal(toBlue.headers.get('x-trellis-model'), `${blue.lineage.model!.name}:1`);
    // The CLI says it too.
    const invoked = await cli(trellis.url, ['online-endpoint', 'invoke', '--name', 'iris-endpoint', '--request-file', 'request.json']);
    assert.equal(invoked.code, 0, invoked.stderr);
    assert.deepEqual((JSON.parse(invoked.stdout) as { label: number[] }).label, [0, 2]);
    assert.match(invoked.stderr, /answered by deployment green, model iris-onnx:2/);
  });
});

for (const dialect of testDialects()) {
  describe(`online endpoints on ${dialect}: the basic flow, and a deployment updated in place under load`, () => {
    let database: TestDatabase;
    let trellis: TrellisProcess;
    let scratch: string;
    let primaryKey: string;
    const scoringUrl = () => `${trellis.url}/endpoints/iris-endpoint/score`;

    before(async () => {
      database = await createTestDatabase(dialect);
      scratch = await mkdtemp(join(tmpdir(), 'trellis-endpoints-'));
      trellis = await startTrellis({ databaseUrl: database.url, env: { TRELLIS_ENV_CACHE: environmentCache } });
    });

    after(async () => {
      await trellis?.stop();
      if (trellis) await removeHome(trellis.home);
      if (scratch) await rm(scratch, { recursive: true, force: true });
      await database?.drop();
    });

    it('creates an endpoint and deployments, scores with a key over /score and v2, refuses no key, and shifts traffic', async () => {
      await cliJson(trellis.url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
      await cliJson(trellis.url, ['model', 'create', '--file', 'model-v2.yml']);
      await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic']);
      await cliJson(trellis.url, ['online-deployment', 'create', '--file', 'green.yml']);
      for (const name of ['blue', 'green'])
        assert.equal((await waitForDeployment(trellis.client, 'iris-endpoint', name)).state, 'Succeeded');
      primaryKey = (await cliJson<Keys>(trellis.url, ['online-endpoint', 'get-credentials', '--name', 'iris-endpoint'])).primaryKey;
      const scored = await score(scoringUrl(), { credential: primaryKey, body: iris });
      assert.equal(scored.status, 200, scored.text);
      assert.equal(scored.headers.get('azureml-model-deployment'), 'blue');
      assert.deepEqual((scored.json() as { label: number[] }).label, [0, 2]);
      assert.equal((await score(`${trellis.url}/v2/models/iris-endpoint/infer`, { credential: primaryKey, body: irisV2 })).status, 200);
      assert.equal((await score(scoringUrl(), { body: iris })).status, 401);
      await cliJson(trellis.url, ['online-endpoint', 'update', '--name', 'iris-endpoint', '--traffic', 'blue=0 green=100']);
      const moved = await score(scoringUrl(), { credential: primaryKey, body: iris });
      assert.equal(moved.headers.get('x-trellis-model'), 'iris-onnx:2');
      const green = await cliJson<DeploymentBody>(trellis.url, [
        'online-deployment',
        'show',
        '--name',
        'green',
        '--endpoint-name',
        'iris-endpoint',
      ]);
      assert.deepEqual(green.lineage.model, { name: 'iris-onnx', version: '2', type: 'custom_model' });
    });

    it('updates the live deployment in place (more instances, then a new model version) under load, failing no request', async (t) => {
      await cliJson(trellis.url, ['model', 'create', '--file', 'model-v2.yml', '--set', 'version=3']);
      const load = startLoad({
        url: scoringUrl(),
        key: primaryKey,
        body: iris,
        rate: 700,
        connections: 64,
        out: join(scratch, 'load.json'),
      });
      await load.started;
      await load.waitForAnswered(300, 'version 2 alone, before the updates');
      const scaleStart = Date.now();
      await cliJson(trellis.url, ['online-deployment', 'update', '--file', 'green.yml', '--set', 'instance_count=2']);
      const scaled = await waitForDeployment(
        trellis.client,
        'iris-endpoint',
        'green',
        (deployment) => deployment.state === 'Succeeded' && deployment.readyInstances === 2,
      );
      assert.equal(scaled.instanceCount, 2);
      // Over 500 requests answered by version 2 between the two updates (asserted below), 64 of them perhaps still in flight.
      await load.waitForAnswered(load.answered() + 700, 'version 2 on two instances, before the model update');
      const modelStart = Date.now();
      await cliJson(trellis.url, [
        'online-deployment',
        'update',
        '--file',
        'green.yml',
        '--set',
        'instance_count=2',
        '--set',
        'model=azureml:iris-onnx:3',
      ]);
      const updated = await waitForDeployment(
        trellis.client,
        'iris-endpoint',
        'green',
        (deployment) => deployment.state === 'Succeeded' && deployment.lineage.model?.version === '3',
      );
      // Once the new version is Succeeded, the previous one is retired: every request sent after answers from it.
      const swappedAt = Date.now();
      assert.equal(updated.readyInstances, 2);
      await load.waitForAnswered(load.answered() + 500, 'version 3 after the swap');
      const result = await load.stop();

      const nonOk = result.requests - (result.statuses['200'] ?? 0);
      t.diagnostic(
        `${result.requests} requests at ${result.ratePerSecond} requests/s across two in-place updates: ${nonOk} not 200, latency p99 ${result.latencyMs.p99} ms`,
      );
      assert.equal(nonOk, 0, `statuses ${JSON.stringify(result.statuses)}; first failures: ${JSON.stringify(result.failures.slice(0, 5))}`);
      // Before the model update only version 2 answered (through the instance_count update too), after it only version 3.
      assert.deepEqual(Object.keys(answeredBy(result, result.startedAt, modelStart, 'model')), ['iris-onnx:2']);
      assert.ok(answeredBy(result, scaleStart, modelStart, 'model')['iris-onnx:2']! > 500);
      assert.deepEqual(Object.keys(answeredBy(result, swappedAt, Number.POSITIVE_INFINITY, 'model')), ['iris-onnx:3']);
      assert.deepEqual(result.models.sort(), ['iris-onnx:2', 'iris-onnx:3']);
    });

    it('refuses to delete the deployment with traffic, deletes the others and the endpoint, which then answers 404', async () => {
      const refused = await cli(trellis.url, ['online-deployment', 'delete', '--name', 'green', '--endpoint-name', 'iris-endpoint']);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /'green' still gets 100% of live traffic/);
      assert.equal((await cli(trellis.url, ['online-deployment', 'delete', '--name', 'blue', '--endpoint-name', 'iris-endpoint'])).code, 0);
      assert.equal((await cli(trellis.url, ['online-endpoint', 'delete', '--name', 'iris-endpoint'])).code, 0);
      const gone = await score(scoringUrl(), { credential: primaryKey, body: iris });
      assert.equal(gone.status, 404);
      assert.match(gone.text, /online endpoint 'iris-endpoint' does not exist/);
    });
  });
}
