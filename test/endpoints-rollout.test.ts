import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RolloutBody } from '../src/client/trellis-client.js';
import { answeredBy, cli, cliJson, startLoad, waitForDeployment } from './support/endpoints.js';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Safe rollout under a steady load from a second process: a healthy candidate is moved to 100%
 * step by step; a broken one (every call fails) is rolled back on its own, and traffic returns to
 * exactly what it was. Every step is in the audit log.
 */

/** The deployments that get a share of live traffic, and their shares. */
const liveShares = (traffic: Record<string, number>) => Object.fromEntries(Object.entries(traffic).filter(([, percent]) => percent > 0));
const iris = JSON.stringify({
  data: [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ],
});

describe('safe rollout of an online endpoint on sqlite', () => {
  let trellis: TrellisProcess;
  let scratch: string;
  let key: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-rollout-'));
    trellis = await startTrellis();
    const url = trellis.url;
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint.yml']);
    await cliJson(url, ['model', 'create', '--file', 'model-v2.yml']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--all-traffic']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'green.yml']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'faulty.yml']);
    // iris-refusals: the endpoint of the test that leaves a rollout running (there is no way to stop one), so none of the others meets it.
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'iris-refusals']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'iris-refusals', '--all-traffic']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'green.yml', '--endpoint-name', 'iris-refusals']);
    for (const [endpoint, name] of [
      ['iris-endpoint', 'blue'],
      ['iris-endpoint', 'green'],
      ['iris-endpoint', 'faulty'],
      ['iris-refusals', 'blue'],
      ['iris-refusals', 'green'],
    ] as const)
      assert.equal((await waitForDeployment(trellis.client, endpoint, name)).state, 'Succeeded', `${endpoint}/${name}`);
    key = (await cliJson<{ primaryKey: string }>(url, ['online-endpoint', 'get-credentials', '--name', 'iris-endpoint'])).primaryKey;
  });

  after(async () => {
    await trellis.stop();
    await removeHome(trellis.home);
    await rm(scratch, { recursive: true, force: true });
  });

  it('moves live traffic to a healthy candidate step by step and finishes at 100%', async () => {
    // It starts from blue alone, whichever test ran before it (the rollback test leaves the traffic as it found it).
    await cliJson(trellis.url, ['online-endpoint', 'update', '--name', 'iris-endpoint', '--traffic', 'blue=100 green=0']);
    const load = startLoad({
      url: `${trellis.url}/endpoints/iris-endpoint/score`,
      key,
      body: iris,
      rate: 100,
      connections: 8,
      out: join(scratch, 'healthy.json'),
    });
    await load.started;
    const rollout = await cli(trellis.url, [
      'online-endpoint',
      'rollout',
      '--name',
      'iris-endpoint',
      '--to',
      'green',
      '--steps',
      '30,100',
      '--interval',
      '1500ms',
      '--max-error-rate',
      '1%',
      '--min-requests',
      '5',
      '-o',
      'json',
    ]);
    const result = await load.stop();
    assert.equal(rollout.code, 0, rollout.stderr);
    const body = JSON.parse(rollout.stdout) as RolloutBody;
    assert.equal(body.phase, 'done');
    assert.deepEqual(body.weights, { blue: 0, green: 100 });
    assert.deepEqual(
      body.audit.map((record) => record.decision),
      ['set-traffic', 'set-traffic', 'done'],
    );
    // Each step was judged on the candidate's own requests.
    assert.ok(
      body.audit.slice(1).every((record) => (record.observation?.requests ?? 0) >= 5),
      JSON.stringify(body.audit),
    );
    assert.deepEqual((await trellis.client.getOnlineEndpoint('default', 'iris-endpoint')).traffic, { blue: 0, green: 100 });
    assert.deepEqual(result.statuses, { '200': result.requests }, JSON.stringify(result.failures.slice(0, 3)));
    const both = answeredBy(result, result.startedAt);
    assert.ok((both.blue ?? 0) > 0 && (both.green ?? 0) > 0, JSON.stringify(both));
    // Every traffic change of the rollout is in the audit log, with the numbers it was made on.
    const audit = (await (
      await fetch(`${trellis.url}/api/v1/workspaces/default/audit?kind=online-endpoint&name=iris-endpoint`)
    ).json()) as { items: Array<{ actor: string; summary: string | null }> };
    const steps = audit.items.filter((item) => item.summary?.startsWith('rollout to green'));
    assert.equal(steps.length, 3, JSON.stringify(audit.items.map((item) => item.summary)));
    assert.ok(steps.every((item) => item.actor.startsWith('rollout:')));
  });

  it('rolls a failing candidate back on its own, to exactly the traffic it started from', async () => {
    const before = (await trellis.client.getOnlineEndpoint('default', 'iris-endpoint')).traffic;
    const load = startLoad({
      url: `${trellis.url}/endpoints/iris-endpoint/score`,
      key,
      body: iris,
      rate: 100,
      connections: 8,
      out: join(scratch, 'broken.json'),
    });
    await load.started;
    const rollout = await cli(trellis.url, [
      'online-endpoint',
      'rollout',
      '--name',
      'iris-endpoint',
      '--to',
      'faulty',
      '--steps',
      '10,50,100',
      '--interval',
      '3s',
      '--max-error-rate',
      '1%',
      '--min-requests',
      '3',
      '-o',
      'json',
    ]);
    const rolledBackAt = Date.now();
    // A window of requests after the rollback, to show the failures stopped with it (100 requests/s).
    await load.waitForAnswered(load.answered() + 100, 'after the rollback');
    const result = await load.stop();
    assert.equal(rollout.code, 1, 'a rolled-back rollout exits with 1');
    const body = JSON.parse(rollout.stdout) as RolloutBody;
    assert.equal(body.phase, 'rolled-back');
    assert.match(body.rollbackReason ?? '', /error rate/);
    // It never got past the first step, and the traffic is what it was, deployment by deployment.
    assert.deepEqual(
      body.audit.map((record) => record.decision),
      ['set-traffic', 'rollback'],
    );
    // (the candidate is listed at 0%, which is what it had: no share)
    assert.deepEqual(liveShares((await trellis.client.getOnlineEndpoint('default', 'iris-endpoint')).traffic), liveShares(before));
    assert.equal((await trellis.client.getOnlineEndpoint('default', 'iris-endpoint')).traffic.faulty ?? 0, 0);
    // The failures came from the candidate only, and stopped with the rollback.
    const failures = result.rows.filter((row) => row[2] !== 200);
    assert.ok(failures.length > 0);
    assert.ok(
      failures.every((row) => result.deployments[row[3]] === 'faulty'),
      JSON.stringify(failures.slice(0, 3)),
    );
    assert.ok(result.rows.filter((row) => row[0] > rolledBackAt + 500).every((row) => row[2] === 200));
    const status = await cli(trellis.url, ['online-endpoint', 'rollout-status', '--name', 'iris-endpoint']);
    assert.match(status.stdout, /rolled back: .*error rate/);
  });

  it('refuses a rollout to a deployment that does not exist, or while one runs, and changes nothing', async () => {
    const traffic = (await trellis.client.getOnlineEndpoint('default', 'iris-refusals')).traffic;
    const unknown = await cli(trellis.url, ['online-endpoint', 'rollout', '--name', 'iris-refusals', '--to', 'purple', '--no-wait']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /purple/);
    const badRate = await cli(trellis.url, [
      'online-endpoint',
      'rollout',
      '--name',
      'iris-refusals',
      '--to',
      'blue',
      '--max-error-rate',
      'lots',
    ]);
    assert.notEqual(badRate.code, 0);
    assert.match(badRate.stderr, /--max-error-rate/);
    assert.deepEqual((await trellis.client.getOnlineEndpoint('default', 'iris-refusals')).traffic, traffic);
    const started = await cli(trellis.url, [
      'online-endpoint',
      'rollout',
      '--name',
      'iris-refusals',
      '--to',
      'green',
      '--steps',
      '50,100',
      '--interval',
      '60s',
      '--no-wait',
    ]);
    assert.equal(started.code, 0, started.stderr);
    const again = await cli(trellis.url, ['online-endpoint', 'rollout', '--name', 'iris-refusals', '--to', 'green', '--no-wait']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already rolling out/);
    // The running rollout gave green its first step, and the refused one changed nothing more.
    const status = JSON.parse(
      (await cli(trellis.url, ['online-endpoint', 'rollout-status', '--name', 'iris-refusals', '-o', 'json'])).stdout,
    ) as RolloutBody;
    assert.equal(status.to, 'green');
    assert.deepEqual((await trellis.client.getOnlineEndpoint('default', 'iris-refusals')).traffic, status.weights);
  });
});
