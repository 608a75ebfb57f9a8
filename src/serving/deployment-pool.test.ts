import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fixturesDir } from '../../test/fixtures/serving/helpers.js';
import { DeploymentPool, type DeploymentPoolOptions } from './deployment-pool.js';
import type { InstanceSpec, ScoringCall } from './scoring-instance.js';
import { DeploymentUnavailableError, InstanceUnavailableError, QueueFullError, TimeoutError } from './serving-errors.js';
import { waitFor } from '../../test/support/wait-for.js';

const scratch = mkdtempSync(join(tmpdir(), 'trellis-pool-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const json = (value: unknown): ScoringCall => ({
  protocol: 'score',
  contentType: 'application/json',
  body: Buffer.from(JSON.stringify(value)),
});
/** Polls until `check` holds, or fails after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(check, { what, timeoutMs, intervalMs: 20 });
}

// A warning about an instance's surroundings is shown in the test's output.
const logger = { warn: (_details: Record<string, unknown>, message: string) => void process.stderr.write(`${message}\n`) };

let pools = 0;
function pool(runtime: 'onnx' | 'node-script', settings: DeploymentPoolOptions['settings'], scoringScript = 'score.mjs'): DeploymentPool {
  const name = `ep/pool-${pools++}`;
  const spec = (index: number): InstanceSpec => ({
    id: `${name}/${index}`,
    runtime,
    modelDir: runtime === 'onnx' ? join(fixturesDir, 'iris-logreg.onnx') : fixturesDir,
    codeDir: runtime === 'onnx' ? undefined : join(fixturesDir, 'node-scoring'),
    scoringScript: runtime === 'onnx' ? undefined : scoringScript,
    env: {},
    logFile: join(scratch, `${name.replaceAll('/', '-')}-${index}.log`),
    logger,
  });
  const created = new DeploymentPool({ name, instanceSpec: spec, settings: { stopGraceMs: 2_000, ...settings } });
  created.start();
  after(() => created.drain(1_000));
  return created;
}

const ready = (target: DeploymentPool, count: number) =>
  eventually(() => target.readyInstances().length === count, `${count} ready instance(s)`);

describe('deployment pool', () => {
  it('routes calls to the least-loaded of its ready instances', async () => {
    const target = pool('node-script', { instanceCount: 2, maxConcurrentRequestsPerInstance: 4 });
    assert.equal(target.status().state, 'starting');
    await ready(target, 2);
    assert.equal(target.status().state, 'ready');
    const calls = Array.from({ length: 6 }, () => target.call(json({ sleep: 300 })));
    await eventually(() => target.status().inFlight === 6, 'the six calls to be in flight', 5_000);
    assert.deepEqual(
      target.readyInstances().map((instance) => instance.inFlight),
      [3, 3],
    );
    assert.equal(target.status().inFlight, 6);
    const answers = await Promise.all(calls);
    const pids = new Set(answers.map((answer) => (JSON.parse(answer.body.toString()) as { pid: number }).pid));
    assert.equal(pids.size, 2, 'both instances answered');
    assert.deepEqual(
      target.readyInstances().map((instance) => instance.inFlight),
      [0, 0],
    );
  });

  it('restarts an instance whose worker is killed', async () => {
    const target = pool('onnx', { instanceCount: 2, backoff: { initialMs: 50, maxMs: 1_000, resetAfterMs: 60_000 } });
    await ready(target, 2);
    const [victim] = target.readyInstances();
    process.kill(victim!.pid!, 'SIGKILL');
    await eventually(() => target.readyInstances().length === 1, 'the killed instance to leave the ready set', 5_000);
    const restarting = target.status();
    assert.equal(restarting.state, 'degraded');
    assert.match(restarting.reason ?? '', /killed by SIGKILL/);
    assert.equal((await target.call(json({ data: [[5.1, 3.5, 1.4, 0.2]] }))).status, 200, 'the other instance serves meanwhile');
    await ready(target, 2);
    const status = target.status();
    assert.equal(status.state, 'ready');
    const restarted = status.instances.find((instance) => instance.id === victim!.id)!;
    assert.equal(restarted.restarts, 1);
    assert.notEqual(restarted.pid, victim!.pid);
    assert.equal(restarted.failure, undefined);
  });

  it('queues calls past max_concurrent_requests_per_instance, then fails them with QueueFullError', async () => {
    const target = pool('node-script', { instanceCount: 1, maxConcurrentRequestsPerInstance: 2, maxQueueWaitMs: 150 });
    await ready(target, 1);
    const outcomes = Array.from({ length: 5 }, () =>
      target.call(json({ sleep: 600 })).then(
        (answer) => answer.status,
        (error: Error) => error,
      ),
    );
    await eventually(() => target.status().inFlight + target.status().queued === 5, 'the five calls to be in flight or queued', 5_000);
    const status = target.status();
    assert.equal(status.inFlight, 2);
    assert.equal(status.queued, 3);
    const results = await Promise.all(outcomes);
    assert.deepEqual(results.slice(0, 2), [200, 200]);
    for (const result of results.slice(2)) {
      assert.ok(result instanceof QueueFullError, String(result));
      assert.equal(result.status, 429);
      assert.equal(result.retryAfterSeconds, 1);
      assert.match(result.message, /max_concurrent_requests_per_instance 2/);
    }
  });

  it('gives a freed slot to the oldest queued call', async () => {
    const target = pool('node-script', { instanceCount: 1, maxConcurrentRequestsPerInstance: 1, maxQueueWaitMs: 5_000 });
    await ready(target, 1);
    const order: string[] = [];
    await Promise.all(
      ['first', 'second', 'third'].map((echo) =>
        target.call(json({ echo, sleep: 100 })).then((answer) => order.push((JSON.parse(answer.body.toString()) as { echo: string }).echo)),
      ),
    );
    assert.deepEqual(order, ['first', 'second', 'third']);
    assert.equal(target.status().queued, 0);
  });

  it('fails a call with QueueFullError at once when max_queue_wait_ms is 0', async () => {
    const target = pool('node-script', { instanceCount: 1, maxConcurrentRequestsPerInstance: 1, maxQueueWaitMs: 0 });
    await ready(target, 1);
    const busy = target.call(json({ sleep: 300 }));
    await assert.rejects(target.call(json({})), QueueFullError);
    assert.equal((await busy).status, 200);
  });

  it('times out a call after request_timeout_ms with TimeoutError, and frees its slot', async () => {
    const target = pool('node-script', { instanceCount: 1, maxConcurrentRequestsPerInstance: 1, requestTimeoutMs: 150 });
    await ready(target, 1);
    await assert.rejects(target.call(json({ sleep: 2_000 })), (error: Error) => error instanceof TimeoutError && error.status === 504);
    assert.equal(target.status().inFlight, 0);
    assert.equal((await target.call(json({ echo: 'after' }))).status, 200);
  });

  it('never routes to a model that cannot load, keeps retrying with backoff, and says why', async () => {
    const target = pool(
      'node-script',
      { instanceCount: 1, backoff: { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 } },
      'failing-init.mjs',
    );
    await eventually(() => target.status().instances[0]!.restarts >= 2, 'two restarts', 30_000);
    const status = target.status();
    assert.equal(status.state, 'failed');
    assert.equal(status.readyInstances, 0);
    assert.match(status.reason ?? '', /the model could not load: the weights file is corrupt/);
    assert.deepEqual(target.readyInstances(), []);
    await assert.rejects(
      target.call(json({})),
      (error: Error) =>
        error instanceof DeploymentUnavailableError && error.status === 503 && /weights file is corrupt/.test(error.message),
    );
  });

  it('restarts an instance that fails its liveness probe', async () => {
    const target = pool('node-script', {
      instanceCount: 1,
      livenessProbe: { initialDelayMs: 0, periodMs: 100, timeoutMs: 100, failureThreshold: 3 },
      backoff: { initialMs: 50, maxMs: 1_000, resetAfterMs: 60_000 },
    });
    await ready(target, 1);
    const [stuck] = target.readyInstances();
    // The worker blocks its event loop for 10 s: pings go unanswered.
    const call = target.call(json({ block: 10_000 })).then(
      () => 'answered',
      (error: Error) => error,
    );
    await eventually(
      () => target.status().instances[0]!.restarts === 1 && target.readyInstances().length === 1,
      'a restart after failed probes',
    );
    assert.notEqual(target.readyInstances()[0]!.pid, stuck!.pid);
    const outcome = await call;
    assert.ok(outcome instanceof InstanceUnavailableError, String(outcome));
  });

  it('scales up and down', async () => {
    const target = pool('onnx', { instanceCount: 1 });
    await ready(target, 1);
    await target.scaleTo(3);
    await ready(target, 3);
    const pids = target.readyInstances().map((instance) => instance.pid!);
    await target.scaleTo(1);
    assert.equal(target.readyInstances().length, 1);
    assert.equal(target.status().desiredInstances, 1);
    for (const pid of pids.slice(1)) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });

  it('drains: finishes the calls in flight and queued, refuses new ones, stops every worker', async () => {
    const target = pool('node-script', { instanceCount: 2, maxConcurrentRequestsPerInstance: 1, maxQueueWaitMs: 5_000 });
    await ready(target, 2);
    const pids = target.readyInstances().map((instance) => instance.pid!);
    const calls = Array.from({ length: 3 }, () => target.call(json({ sleep: 300 })));
    await eventually(() => target.status().inFlight + target.status().queued === 3, 'the three calls to be in flight or queued', 5_000);
    const drained = target.drain(10_000);
    assert.equal(target.status().state, 'draining');
    await assert.rejects(
      target.call(json({})),
      (error: Error) => error instanceof DeploymentUnavailableError && /draining/.test(error.message),
    );
    assert.deepEqual(
      (await Promise.all(calls)).map((answer) => answer.status),
      [200, 200, 200],
    );
    await drained;
    assert.equal(target.status().state, 'stopped');
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
  });
});
