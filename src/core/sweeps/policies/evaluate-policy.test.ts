import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EarlyTermination, TrialProgress } from '../sweep-types.js';
import { evaluatePolicy } from './evaluate-policy.js';

/** A trial whose k-th report (step k − 1) has values[k − 1]. */
function trial(index: number, values: number[], isRunning = true): TrialProgress {
  return { index, reports: values.map((value, step) => ({ step, value })), isRunning };
}

describe('evaluatePolicy', () => {
  // Given out of order. At interval 1 the values are 0.9, 0.8, 0.3, 0.2 (trials 0..3), trial 3 ended.
  const trials = [trial(3, [0.2], false), trial(2, [0.3]), trial(0, [0.9]), trial(1, [0.8])];

  it('runs each policy by its type and names it in every reason', () => {
    const cases: Array<[EarlyTermination, number[], RegExp]> = [
      // Best 0.9, bar 0.9 − 0.5 = 0.4: trial 2 (0.3) goes; trial 3 is below too but ended.
      [{ type: 'bandit', slack_amount: 0.5 }, [2], /^bandit policy \(slack_amount 0.5\) at interval 1: /],
      // Averages 0.2 0.3 0.8 0.9 → median 0.55: trial 2 (0.3) goes.
      [{ type: 'median_stopping' }, [2], /^median stopping policy at interval 1: /],
      // 4 trials, 50%: cut 2, bar the 2nd best 0.8: trial 2 goes.
      [
        { type: 'truncation_selection', truncation_percentage: 50 },
        [2],
        /^truncation selection policy \(truncation_percentage 50\) at interval 1: /,
      ],
      // Rung 0, 4 trials: keep floor(4 / 3) = 1, bar 0.9: trials 1 and 2 go.
      [{ type: 'asha' }, [1, 2], /^asha policy \(reduction_factor 3\) at rung 0 \(report 1\): /],
    ];
    for (const [policy, expected, reason] of cases) {
      const stops = evaluatePolicy(policy, 'maximize', trials);
      assert.deepEqual(
        stops.map((stop) => stop.index),
        expected,
        policy.type,
      );
      for (const stop of stops) assert.match(stop.reason, reason);
    }
  });

  it('gives the same stops for the same histories, in whatever order the trials come', () => {
    const policy: EarlyTermination = { type: 'asha' };
    assert.deepEqual(evaluatePolicy(policy, 'maximize', trials), evaluatePolicy(policy, 'maximize', [...trials].reverse()));
  });

  it('stops nothing without trials or without reports', () => {
    assert.deepEqual(evaluatePolicy({ type: 'median_stopping' }, 'minimize', []), []);
    assert.deepEqual(evaluatePolicy({ type: 'bandit', slack_factor: 0.1 }, 'minimize', [trial(0, []), trial(1, [])]), []);
  });
});
