import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobState } from '../jobs/job-lifecycle.js';
import { bestTrial, planSweep, type SweepPlanInput, type TrialStatus } from './plan-sweep.js';

function trial(index: number, jobState: JobState, values: number[] = [], extra: Partial<TrialStatus> = {}): TrialStatus {
  return {
    index,
    job: `s_${index}`,
    parameters: { x: index },
    jobState,
    isStopping: false,
    reports: values.map((value, step) => ({ step: step + 1, value })),
    stopReason: null,
    ...extra,
  };
}

const base: SweepPlanInput = {
  state: 'Running',
  stopRequest: null,
  startedAt: 0,
  now: 1000,
  goal: 'minimize',
  policy: undefined,
  totalTrials: 4,
  maxConcurrentTrials: 2,
  timeoutSeconds: 3600,
  isExhausted: false,
  trials: [],
};

describe('planSweep', () => {
  it('starts max_concurrent_trials trials and moves a queued sweep to Running', () => {
    const plan = planSweep({ ...base, state: 'Queued', startedAt: null });
    assert.equal(plan.submit, 2);
    assert.equal(plan.next?.state, 'Running');
  });

  it('fills the free slots only, and never more than max_total_trials in all', () => {
    assert.equal(planSweep({ ...base, trials: [trial(0, 'Running'), trial(1, 'Completed', [1])] }).submit, 1);
    assert.equal(planSweep({ ...base, trials: [trial(0, 'Completed', [1]), trial(1, 'Completed', [2]), trial(2, 'Running')] }).submit, 1);
    assert.equal(planSweep({ ...base, trials: [0, 1, 2].map((i) => trial(i, 'Completed', [i])).concat(trial(3, 'Running')) }).submit, 0);
  });

  it('completes with the last trial, naming the best; fails when no trial completed', () => {
    const done = planSweep({
      ...base,
      trials: [trial(0, 'Completed', [3]), trial(1, 'Completed', [1, 2]), trial(2, 'Failed'), trial(3, 'Completed', [5])],
    });
    assert.equal(done.next?.state, 'Completed');
    assert.equal(
      done.next?.reason,
      '4 trials: 3 completed, 1 failed, 1 without an objective (never logged the primary metric); best trial s_1 (2)',
    );
    const failed = planSweep({ ...base, totalTrials: 2, trials: [trial(0, 'Failed'), trial(1, 'Canceled')] });
    assert.equal(failed.next?.state, 'Failed');
    assert.match(failed.next?.reason ?? '', /^no trial completed with an objective; /);
    const silent = planSweep({ ...base, totalTrials: 1, trials: [trial(0, 'Completed')] });
    assert.equal(silent.next?.state, 'Failed', 'a trial that completed without the primary metric gives no best trial');
  });

  it('cancels every running trial on a cancel or after the timeout, and ends Canceled once they ended', () => {
    const running = [trial(0, 'Running'), trial(1, 'Completed', [1]), trial(2, 'Running', [], { isStopping: true })];
    const canceled = planSweep({ ...base, stopRequest: 'cancel:alice', trials: running });
    assert.deepEqual(
      canceled.cancel.map((cancel) => cancel.job),
      ['s_0'],
      'a trial already stopping is not asked again',
    );
    assert.equal(canceled.submit, 0);
    assert.equal(canceled.next, undefined, 'not ended while trials still run');
    const timedOut = planSweep({ ...base, now: 3_600_000, trials: running });
    assert.match(timedOut.cancel[0]?.reason ?? '', /timeout of 3600 s passed/);
    const over = planSweep({ ...base, stopRequest: 'cancel:alice', trials: [trial(0, 'Canceled'), trial(1, 'Completed', [1])] });
    assert.equal(over.next?.state, 'Canceled');
    assert.match(over.next?.reason ?? '', /^canceled by alice; 2 trials/);
  });

  it("cancels the trials the policy stops, with the policy's reason", () => {
    const plan = planSweep({
      ...base,
      totalTrials: 3,
      maxConcurrentTrials: 3,
      policy: { type: 'bandit', slack_amount: 1, evaluation_interval: 1 },
      trials: [trial(0, 'Running', [1, 1]), trial(1, 'Running', [5, 5]), trial(2, 'Completed', [1.5, 1.5])],
    });
    assert.deepEqual(
      plan.cancel.map((cancel) => [cancel.job, cancel.isEarlyTermination]),
      [['s_1', true]],
    );
    assert.match(plan.cancel[0]?.reason ?? '', /^bandit policy/);
  });
});

describe('bestTrial', () => {
  it('takes the completed trial with the best objective, the earliest among equals', () => {
    const trials = [
      { index: 0, jobState: 'Completed' as const, objective: 2 },
      { index: 1, jobState: 'Canceled' as const, objective: 0 },
      { index: 2, jobState: 'Completed' as const, objective: 1 },
      { index: 3, jobState: 'Completed' as const, objective: 1 },
      { index: 4, jobState: 'Completed' as const, objective: null },
    ];
    assert.equal(bestTrial('minimize', trials)?.index, 2);
    assert.equal(bestTrial('maximize', trials)?.index, 0);
  });
});
