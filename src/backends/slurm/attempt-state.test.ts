import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attemptStateFromSlurm, isActiveSlurmState, shellExitCode } from './attempt-state.js';
import type { SlurmJobInfo } from './slurm-output.js';

const job = (state: string, exitStatus = 0, exitSignal = 0, reason?: string): SlurmJobInfo => ({
  jobId: '7',
  state,
  reason,
  exitStatus,
  exitSignal,
});

describe('attemptStateFromSlurm', () => {
  it('is running while the job is queued, starting, running or finishing', () => {
    for (const state of ['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED']) {
      assert.deepEqual(attemptStateFromSlurm('7', job(state)), { state: 'running' }, state);
    }
  });

  it('has exited with the script’s code when the job completed or failed', () => {
    assert.deepEqual(attemptStateFromSlurm('7', job('COMPLETED')), { state: 'exited', exitCode: 0 });
    assert.deepEqual(attemptStateFromSlurm('7', job('FAILED', 3, 0, 'NonZeroExitCode')), { state: 'exited', exitCode: 3 });
    assert.deepEqual(attemptStateFromSlurm('7', job('FAILED', 0, 0, 'NonZeroExitCode')), { state: 'exited', exitCode: 1 });
  });

  it('has exited with 128 + the signal when Slurm killed it at its time limit or for memory', () => {
    assert.deepEqual(attemptStateFromSlurm('7', job('TIMEOUT', 0, 9, 'TimeLimit')), { state: 'exited', exitCode: 137 });
    assert.deepEqual(attemptStateFromSlurm('7', job('OUT_OF_MEMORY', 0, 0)), { state: 'exited', exitCode: 137 });
  });

  it('is lost, with the reason, when Slurm’s side ended the job', () => {
    assert.deepEqual(attemptStateFromSlurm('7', job('CANCELLED', 0, 0, 'PartitionConfig')), {
      state: 'lost',
      reason: 'canceled in Slurm (PartitionConfig): job 7 was canceled with scancel by a user or an administrator',
    });
    for (const [state, words] of [
      ['NODE_FAIL', /node .* failed/],
      ['PREEMPTED', /preempted/],
      ['BOOT_FAIL', /failed to boot/],
      ['DEADLINE', /deadline/],
      ['REVOKED', /state REVOKED/],
    ] as const) {
      const attempt = attemptStateFromSlurm('7', job(state));
      assert.equal(attempt.state, 'lost', state);
      assert.match(attempt.state === 'lost' ? attempt.reason : '', words);
    }
  });

  it('is lost when Slurm has forgotten the job', () => {
    const attempt = attemptStateFromSlurm('7', undefined);
    assert.equal(attempt.state, 'lost');
    assert.match(attempt.state === 'lost' ? attempt.reason : '', /no longer knows job 7/);
  });
});

describe('isActiveSlurmState and shellExitCode', () => {
  it('agree with Slurm’s names and bash’s convention', () => {
    assert.ok(isActiveSlurmState('PENDING'));
    assert.ok(!isActiveSlurmState('COMPLETED'));
    assert.equal(shellExitCode({ exitStatus: 0, exitSignal: 15 }), 143);
    assert.equal(shellExitCode({ exitStatus: 2, exitSignal: 0 }), 2);
  });
});
