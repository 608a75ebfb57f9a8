import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { attemptState, hasFailed, timeoutExitCode } from './job-status.js';

function job(
  conditions: Array<{ type: string; reason?: string; message?: string }>,
  status: Partial<NonNullable<V1Job['status']>> = {},
): V1Job {
  return {
    spec: { completions: 2, template: {} },
    status: { ...status, conditions: conditions.map((condition) => ({ status: 'True', ...condition })) },
  };
}

function pod(name: string, status: NonNullable<V1Pod['status']>): V1Pod {
  return { metadata: { name }, status };
}

function exited(name: string, exitCode: number, finishedAt: string): V1Pod {
  return pod(name, {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    containerStatuses: [
      {
        name: 'main',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode, finishedAt: new Date(finishedAt) } },
      },
    ],
  });
}

describe('attemptState', () => {
  it('is running while the Job has not finished', () => {
    assert.deepEqual(attemptState(job([], { active: 2 }), []), { state: 'running' });
    assert.deepEqual(attemptState(job([{ type: 'FailureTarget' }]), []), { state: 'running' });
  });

  it('exits 0 when the Job completed', () => {
    assert.deepEqual(attemptState(job([{ type: 'Complete' }]), []), { state: 'exited', exitCode: 0 });
    assert.deepEqual(attemptState(job([], { succeeded: 2 }), []), { state: 'exited', exitCode: 0 });
  });

  it("exits with the first failing process's code", () => {
    const failed = job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]);
    assert.equal(hasFailed(failed), true);
    const pods = [
      exited('a-1', 143, '2026-01-01T00:00:09Z'),
      exited('a-0', 3, '2026-01-01T00:00:05Z'),
      exited('a-2', 0, '2026-01-01T00:00:01Z'),
    ];
    assert.deepEqual(attemptState(failed, pods), { state: 'exited', exitCode: 3 });
  });

  it('is lost when the platform evicted or preempted a pod, even if its peers then failed', () => {
    const failed = job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]);
    const preempted = pod('a-0', {
      phase: 'Failed',
      conditions: [
        {
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
        },
      ],
    });
    assert.deepEqual(attemptState(failed, [exited('a-1', 1, '2026-01-01T00:00:05Z'), preempted]), {
      state: 'lost',
      reason: 'pod a-0 was ended by the platform (DeletionByTaintManager: Taint manager: deleting due to NoExecute taint)',
    });
    const evicted = pod('a-1', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
    assert.deepEqual(attemptState(failed, [evicted]), {
      state: 'lost',
      reason: 'pod a-1 was ended by the platform (Evicted: The node was low on resource: memory.)',
    });
  });

  it("is lost when the job's processes succeeded but their results never reached Trellis", () => {
    const failed = job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]);
    const status = (name: string, exitCode: number) => ({
      name,
      image: 'x',
      imageID: '',
      ready: false,
      restartCount: 0,
      state: { terminated: { exitCode } },
    });
    const uploadFailed = pod('a-0', { phase: 'Failed', containerStatuses: [status('main', 0), status('upload-results', 1)] });
    const state = attemptState(failed, [uploadFailed]);
    assert.equal(state.state, 'lost');
    assert.match(
      (state as { reason: string }).reason,
      /pod a-0 could not send the attempt's logs, outputs and checkpoints to Trellis \(container upload-results exited with 1\)/,
    );
    // The job's own failure wins: its exit code is the attempt's.
    const bothFailed = pod('a-0', { phase: 'Failed', containerStatuses: [status('main', 2), status('upload-results', 1)] });
    assert.deepEqual(attemptState(failed, [bothFailed]), { state: 'exited', exitCode: 2 });
  });

  it('is lost when the Job was deleted', () => {
    assert.equal(attemptState(undefined, []).state, 'lost');
  });

  it('reports a timeout as an exit, never as lost, so it is not requeued', () => {
    const timedOut = job([{ type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]);
    assert.deepEqual(attemptState(timedOut, []), { state: 'exited', exitCode: timeoutExitCode });
    assert.deepEqual(attemptState(timedOut, [exited('a-0', 137, '2026-01-01T00:00:05Z')]), { state: 'exited', exitCode: 137 });
  });

  it("is lost, saying so, when the attempt's folder could not be downloaded", () => {
    const failed = job([{ type: 'Failed', reason: 'BackoffLimitExceeded' }]);
    const fetchFailed = pod('a-0', {
      phase: 'Failed',
      initContainerStatuses: [
        { name: 'fetch-bundle', image: 'curl', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 22 } } },
      ],
    });
    assert.deepEqual(attemptState(failed, [fetchFailed]), {
      state: 'lost',
      reason: "pod a-0 could not download the attempt's folder (init container fetch-bundle exited with 22)",
    });
  });

  it('is lost when a failed Job left no pod to explain it', () => {
    assert.deepEqual(
      attemptState(job([{ type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]), []),
      {
        state: 'lost',
        reason: 'the Kubernetes Job failed without an exit code (BackoffLimitExceeded: Job has reached the specified backoff limit)',
      },
    );
  });
});
