import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialProgress } from '../sweep-types.js';
import { medianStoppingStops } from './median-stopping-policy.js';

/** A trial whose k-th report (step k − 1) has values[k − 1]. */
function trial(index: number, values: number[], isRunning = true): TrialProgress {
  return { index, reports: values.map((value, step) => ({ step, value })), isRunning };
}

const stoppedIndexes = (stops: Array<{ index: number }>) => stops.map((stop) => stop.index);

describe('the median stopping policy', () => {
  it('stops, maximizing, a trial whose best so far is below the median of the running averages', () => {
    // evaluation_interval 1, delay_evaluation 3: applied at 3, 4, ...; everyone judged here at 3.
    const trials = [
      trial(0, [0.5, 0.6, 0.7]), // average 0.6, best 0.7
      trial(1, [0.4, 0.45, 0.5]), // average 0.45, best 0.5
      trial(2, [0.6, 0.7, 0.8, 0.85], false), // ended; average up to 3: 0.7 (its 4th report does not count at 3)
      trial(3, [0.55, 0.6, 0.65]), // average 0.6, best 0.65
      trial(4, [0.1, 0.1]), // not at 3 yet: neither judged nor company
    ];
    // Averages at 3: 0.45, 0.6, 0.6, 0.7 → median (0.6 + 0.6) / 2 = 0.6. Bests 0.7 and 0.65 stay; 0.5 goes.
    const stops = medianStoppingStops({ type: 'median_stopping', evaluation_interval: 1, delay_evaluation: 3 }, 'maximize', trials);
    assert.deepEqual(stops, [
      {
        index: 1,
        reason:
          'median stopping policy at interval 3: best primary metric 0.5 is worse than 0.6, the median of the running averages ' +
          'of the 4 trials that reached interval 3',
      },
    ]);
  });

  it('stops, minimizing, at the latest multiple of evaluation_interval, with an odd company', () => {
    // evaluation_interval 2: applied at 2, 4, ...; trial 0 has 3 reports, so it is judged at 2.
    const trials = [
      trial(0, [0.9, 0.7, 0.6]), // up to 2: average 0.8, best 0.7
      trial(1, [1.0, 0.9]), // average 0.95, best 0.9
      trial(2, [0.8, 0.6, 0.5, 0.4], false), // up to 2: average 0.7
    ];
    // Averages at 2: 0.7, 0.8, 0.95 → median 0.8. Best 0.7 stays; 0.9 > 0.8 goes.
    const stops = medianStoppingStops({ type: 'median_stopping', evaluation_interval: 2 }, 'minimize', trials);
    assert.deepEqual(stoppedIndexes(stops), [1]);
    assert.match(stops[0]?.reason ?? '', /at interval 2: best primary metric 0.9 is worse than 0.8, .* of the 3 trials/);
  });

  it('never stops a trial alone at its interval: its best is never worse than its own average', () => {
    assert.deepEqual(medianStoppingStops({ type: 'median_stopping' }, 'minimize', [trial(0, [5, 4, 3])]), []);
  });

  it('never stops an ended trial, however far below the median', () => {
    const trials = [trial(0, [0.9]), trial(1, [0.8]), trial(2, [0.1], false)];
    assert.deepEqual(medianStoppingStops({ type: 'median_stopping' }, 'maximize', trials), []);
  });
});
