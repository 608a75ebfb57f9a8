import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialProgress } from '../sweep-types.js';
import { type TruncationSelectionPolicy, truncationSelectionStops } from './truncation-selection-policy.js';

/** A trial whose k-th report (step k − 1) has values[k − 1]. */
function trial(index: number, values: number[], isRunning = true): TrialProgress {
  return { index, reports: values.map((value, step) => ({ step, value })), isRunning };
}

const stoppedIndexes = (stops: Array<{ index: number }>) => stops.map((stop) => stop.index);

describe('the truncation selection policy', () => {
  // delay_evaluation 2, interval 1: everyone judged at 2, by the value reported at 2.
  const trials = [
    trial(0, [0.9, 0.5]), // 0.5 (its best, 0.9, does not count: the value at 2 does)
    trial(1, [0.6, 0.6]), // 0.6
    trial(2, [0.6, 0.7]), // 0.7
    trial(3, [0.7, 0.8, 0.85], false), // ended; 0.8 at 2
    trial(4, [0.5, 0.55]), // 0.55
    trial(5, [0.2, 0.58], false), // ended; 0.58
    trial(6, [0.7, 0.75]), // 0.75
    trial(7, [0.8, 0.65]), // 0.65
  ];

  it('stops, maximizing, the running trials in the worst truncation_percentage at the interval', () => {
    // 8 trials at 2, 25%: cut floor(8 × 25 / 100) = 2, keep 6. Best first: 0.8 0.75 0.7 0.65 0.6 0.58 | 0.55 0.5.
    // The 6th best, 0.58, is the bar: 0.55 (trial 4) and 0.5 (trial 0) are worse, both running.
    const stops = truncationSelectionStops(
      { type: 'truncation_selection', truncation_percentage: 25, delay_evaluation: 2 },
      'maximize',
      trials,
    );
    assert.deepEqual(stoppedIndexes(stops), [0, 4]);
    assert.equal(
      stops[0]?.reason,
      'truncation selection policy (truncation_percentage 25) at interval 2: primary metric 0.5 is among the worst 2 of the 8 trials ' +
        'at interval 2 (25% of 8, rounded down): worse than 0.58, the worst value kept',
    );
  });

  it('ranks only the running trials with exclude_finished_jobs', () => {
    // Running at 2: 0.75 0.7 0.65 0.6 0.55 | 0.5 → 6 trials, cut floor(6 × 25 / 100) = 1, bar the 5th best 0.55: only 0.5 goes.
    const policy: TruncationSelectionPolicy = {
      type: 'truncation_selection',
      truncation_percentage: 25,
      delay_evaluation: 2,
      exclude_finished_jobs: true,
    };
    const stops = truncationSelectionStops(policy, 'maximize', trials);
    assert.deepEqual(stoppedIndexes(stops), [0]);
    assert.match(stops[0]?.reason ?? '', /among the worst 1 of the 6 running trials at interval 2 \(25% of 6, rounded down\)/);
  });

  it('stops, minimizing, the highest values', () => {
    // 3 trials at 1, 50%: cut floor(1.5) = 1, keep 2; best first 0.3 0.4 | 0.5: 0.5 goes.
    const losses = [trial(0, [0.3]), trial(1, [0.5]), trial(2, [0.4])];
    const stops = truncationSelectionStops({ type: 'truncation_selection', truncation_percentage: 50 }, 'minimize', losses);
    assert.deepEqual(stoppedIndexes(stops), [1]);
    assert.match(
      stops[0]?.reason ?? '',
      /primary metric 0.5 is among the worst 1 of the 3 trials .* worse than 0.4, the worst value kept$/,
    );
  });

  it('keeps trials tied across the boundary', () => {
    // 5 trials, 20%: cut 1, keep 4; best first 0.8 0.7 0.6 0.5 | 0.5: the bar is 0.5 and neither 0.5 is worse.
    const tied = [trial(0, [0.5]), trial(1, [0.5]), trial(2, [0.6]), trial(3, [0.7]), trial(4, [0.8])];
    assert.deepEqual(truncationSelectionStops({ type: 'truncation_selection', truncation_percentage: 20 }, 'maximize', tied), []);
  });

  it('stops nothing while the percentage of the company rounds down to none', () => {
    // 4 trials, 20%: cut floor(0.8) = 0.
    const few = [trial(0, [0.1]), trial(1, [0.5]), trial(2, [0.6]), trial(3, [0.7])];
    assert.deepEqual(truncationSelectionStops({ type: 'truncation_selection', truncation_percentage: 20 }, 'maximize', few), []);
  });

  it('stops nothing before delay_evaluation', () => {
    const early = trials.map((each) => trial(each.index, [each.reports[0]?.value ?? 0], each.isRunning));
    assert.deepEqual(
      truncationSelectionStops({ type: 'truncation_selection', truncation_percentage: 25, delay_evaluation: 2 }, 'maximize', early),
      [],
    );
  });
});
