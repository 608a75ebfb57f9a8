import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { LocalArtifactStore } from '../../artifacts/local/local-artifact-store.js';
import type { AttemptState, ComputeBackend } from '../../backends/compute-backend.js';
import type { Context } from '../../services/context.js';
import { submitJob } from '../../services/jobs/submit-job.js';
import { getRun } from '../../services/tracking/run-service.js';
import { ensureDefaultWorkspace } from '../../services/workspace-service.js';
import { Store } from '../../store/store.js';
import { SystemMetricsSampler } from '../../services/jobs/system-metrics-sampler.js';
import { JobRunner, type JobRunnerOptions } from '../job-runner.js';
import { AttemptCompletion } from './attempt-completion.js';
import { CheckpointSaving } from './checkpoints.js';
import { recoverAfterRestart } from './restart-recovery.js';
import { RunnerState } from './runner-state.js';

const now = Date.parse('2026-06-01T00:00:00.000Z');

/** A backend whose every attempt has ended with `state`; it launches nothing; `adopted` is what adopt answers. */
function endedBackend(state: AttemptState, adopted?: string): ComputeBackend & { stops: number } {
  return {
    stops: 0,
    adopt: () => Promise.resolve(adopted),
    launch: () => Promise.reject(new Error('this backend launches nothing')),
    poll: () => Promise.resolve(state),
    stop() {
      this.stops += 1;
      return Promise.resolve();
    },
  };
}

describe('jobs a killed server left Finalizing or Preparing', () => {
  let home: string;
  let store: Store;
  let context: Context;

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'trellis-attempt-completion-'));
    store = Store.open({ home });
    await store.migrate();
    context = {
      store,
      artifactsFor: () => new LocalArtifactStore(join(home, 'artifacts')),
      clock: () => new Date(now),
      logger: pino({ level: 'silent' }),
    };
    await ensureDefaultWorkspace(context, { actor: 'user:alice', requestId: null });
  });

  after(async () => {
    await store.close();
    await rm(home, { recursive: true, force: true });
  });

  /** A job as the first commit of its finish leaves it: Finalizing, exit code 0, its node time counted, its nodes freed, its handle kept. */
  const finalizingJob = async (name: string) => {
    const job = await submitJob(
      context,
      { actor: 'user:alice', requestId: null },
      {
        workspace: 'default',
        fileName: 'job.yml',
        text: `name: ${name}\ncommand: echo hello\nenvironment: azureml:trellis-python-sklearn@latest\n`,
        uploads: {},
        inlined: {},
      },
    );
    await store.repositories.jobs.update(
      'default',
      job.name,
      { state: 'Finalizing', exitCode: 0, handle: `ended:${name}`, startedAt: now - 60_000, nodeSeconds: 60, nodes: [] },
      now,
    );
    return job;
  };

  const optionsFor = (backend: ComputeBackend): JobRunnerOptions => ({
    jobsRoot: join(home, 'jobs'),
    environmentCache: join(home, 'environments'),
    tickMs: 60_000,
    graceSeconds: 1,
    maxInfrastructureRetries: 3,
    checkpointIntervalSeconds: 600,
    quotas: {},
    systemMetricsIntervalSeconds: 600,
    simulatedEvictionsPerNodeHour: 0,
    trackingUriFor: () => 'http://127.0.0.1:1',
    backendFor: () => backend,
  });

  const runOnce = async (backend: ComputeBackend) => {
    const runner = new JobRunner(context, optionsFor(backend));
    await runner.start();
    runner.wake();
    await runner.idle();
    await runner.close();
  };

  for (const [name, what, state] of [
    ['finalizing-exited', 'its processes polled as exited with 0', { state: 'exited', exitCode: 0 }],
    ['finalizing-lost', 'its processes polled as lost (their records gone)', { state: 'lost', reason: 'no process record' }],
  ] as const) {
    it(`completes once a new server's runner polls it, ${what}, counting its node time once`, async () => {
      const job = await finalizingJob(name);
      const backend = endedBackend(state);
      await runOnce(backend);
      const ended = await store.repositories.jobs.get('default', job.name);
      assert.equal(ended?.state, 'Completed', ended?.reason ?? '');
      assert.equal(ended?.exitCode, 0);
      assert.equal(ended?.nodeSeconds, 60, 'the node time was counted by the first commit, before the kill');
      assert.equal(ended?.handle, null);
      assert.equal(ended?.endedAt, now);
      assert.equal(backend.stops, 0, 'nothing is stopped: the attempt had ended');
      assert.equal((await getRun(context, 'default', job.runId)).info.status, 'FINISHED');
    });
  }

  /** A job as AttemptPreparation.start leaves it: Preparing on its attempt, no handle yet. */
  const preparingJob = async (name: string) => {
    const job = await finalizingJob(name);
    await store.repositories.jobs.update(
      'default',
      job.name,
      { state: 'Preparing', handle: null, startedAt: null, exitCode: null, attempt: 1 },
      now,
    );
    return job;
  };

  /** What a new server's runner does first, alone: its recovery pass (no scheduling after it). */
  const recoverOnce = async (backend: ComputeBackend) => {
    const state = new RunnerState(context, optionsFor(backend), () => {});
    const systemMetrics = new SystemMetricsSampler(context, { intervalMs: 600_000 });
    await recoverAfterRestart(state, new AttemptCompletion(state, new CheckpointSaving(state), systemMetrics));
  };

  it('adopts a preparing attempt whose processes the backend had started, instead of launching it again', async () => {
    const job = await preparingJob('launched-before-the-kill');
    await recoverOnce(endedBackend({ state: 'running' }, 'local:/attempt'));
    const adopted = await store.repositories.jobs.get('default', job.name);
    assert.equal(adopted?.state, 'Running');
    assert.equal(adopted?.handle, 'local:/attempt');
    assert.match(adopted?.reason ?? '', /adopted after a restart/);
    assert.equal((await getRun(context, 'default', job.runId)).info.status, 'RUNNING');
  });

  it('requeues a preparing attempt the backend never started', async () => {
    const job = await preparingJob('never-launched');
    await recoverOnce(endedBackend({ state: 'running' }, undefined));
    const requeued = await store.repositories.jobs.get('default', job.name);
    assert.equal(requeued?.state, 'Queued');
    assert.match(requeued?.reason ?? '', /requeued: the server restarted while the job was being prepared/);
    assert.equal(requeued?.handle, null);
  });
});
