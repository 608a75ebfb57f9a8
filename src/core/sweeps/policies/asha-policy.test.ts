import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialProgress } from '../sweep-types.js';
import { ashaRungReports, ashaStops } from './asha-policy.js';

/** A trial whose k-th report (step k − 1) has values[k − 1]. */
function trial(index: number, values: number[], isRunning = true): TrialProgress {
  return { index, reports: values.map((value, step) => ({ step, value })), isRunning };
}

const stoppedIndexes = (stops: Array<{ index: number }>) => stops.map((stop) => stop.index);

describe('the asha policy', () => {
  it('places rungs at min_resource × reduction_factor^i reports, below max_resource', () => {
    assert.deepEqual(ashaRungReports({ type: 'asha' }, 30), [1, 3, 9, 27]);
    assert.deepEqual(ashaRungReports({ type: 'asha' }, 8), [1, 3]);
    assert.deepEqual(ashaRungReports({ type: 'asha', min_resource: 2, reduction_factor: 2, max_resource: 8 }, 100), [2, 4]);
    assert.deepEqual(ashaRungReports({ type: 'asha', min_resource: 2 }, 1), []);
  });

  it('keeps, maximizing, the top third at each trial’s latest rung and stops the rest', () => {
    // Defaults: rungs at reports 1, 3, 9.
    const trials = [
      trial(0, [0.5]), // rung 0: 0.5
      trial(1, [0.7, 0.72, 0.75], false), // ended; rung 0: 0.7, rung 1: 0.75
      trial(2, [0.6, 0.61, 0.62], false), // ended; rung 0: 0.6, rung 1: 0.62
      trial(3, [0.65, 0.66]), // rung 0: 0.65 (2 reports: not at rung 1)
      trial(4, [0.8, 0.5, 0.55, 0.6]), // rung 1 (report 3): 0.55; its 0.8 at rung 0 is a rung it has passed
      trial(5, [0.55, 0.7, 0.76]), // rung 1: 0.76
    ];
    // Rung 0, all 6 trials: 0.8 0.7 | 0.65 0.6 0.55 0.5; keep floor(6 / 3) = 2, bar 0.7: trials 0 (0.5) and 3 (0.65) go.
    // Rung 1, trials 1, 2, 4, 5: 0.76 | 0.75 0.62 0.55; keep max(1, floor(4 / 3)) = 1, bar 0.76: trial 4 goes (1 and 2 ended).
    const stops = ashaStops({ type: 'asha' }, 'maximize', trials);
    assert.deepEqual(stoppedIndexes(stops), [0, 3, 4]);
    assert.equal(
      stops[2]?.reason,
      'asha policy (reduction_factor 3) at rung 1 (report 3): primary metric 0.55 is not in the top 1 of the 4 trials at that rung ' +
        '(4 / 3, rounded down, at least 1): worse than 0.76, the worst value kept',
    );
    assert.match(
      stops[0]?.reason ?? '',
      /at rung 0 \(report 1\): primary metric 0.5 is not in the top 2 of the 6 trials .* worse than 0.7,/,
    );
  });

  it('judges, minimizing, at the last rung below max_resource, however far the trial has gone', () => {
    // min_resource 2, reduction_factor 2, max_resource 8: rungs at reports 2 and 4.
    const trials = [
      trial(0, [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]), // 9 reports, latest rung at 4: 0.6
      trial(1, [0.9, 0.5, 0.45, 0.4, 0.35]), // rung at 4: 0.4
      trial(2, [0.9, 0.7, 0.65, 0.62], false), // ended; rung at 4: 0.62
      trial(3, [1.0]), // 1 report: before the first rung
    ];
    // Rung 1 (report 4): 0.4 | 0.6 0.62; keep floor(3 / 2) = 1, bar 0.4: trial 0 (0.6) goes.
    const stops = ashaStops({ type: 'asha', min_resource: 2, reduction_factor: 2, max_resource: 8 }, 'minimize', trials);
    assert.deepEqual(stoppedIndexes(stops), [0]);
    assert.match(
      stops[0]?.reason ?? '',
      /^asha policy \(reduction_factor 2\) at rung 1 \(report 4\): primary metric 0.6 .* top 1 of the 3 trials/,
    );
  });

  it('lets the first trial at a rung continue, and trials tied with the worst kept', () => {
    assert.deepEqual(ashaStops({ type: 'asha' }, 'maximize', [trial(0, [0.1])]), []);
    // 3 trials at rung 0: keep 1, bar 0.9; the two at 0.9 tie and stay, 0.2 goes.
    const tied = [trial(0, [0.9]), trial(1, [0.9]), trial(2, [0.2])];
    assert.deepEqual(stoppedIndexes(ashaStops({ type: 'asha' }, 'maximize', tied)), [2]);
  });
});
