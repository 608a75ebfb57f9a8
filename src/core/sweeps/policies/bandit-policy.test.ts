import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TrialProgress } from '../sweep-types.js';
import { banditStops } from './bandit-policy.js';

/** A trial whose k-th report (step k − 1) has values[k − 1]. */
function trial(index: number, values: number[], isRunning = true): TrialProgress {
  return { index, reports: values.map((value, step) => ({ step, value })), isRunning };
}

const stoppedIndexes = (stops: Array<{ index: number }>) => stops.map((stop) => stop.index);

describe('the bandit policy', () => {
  it('stops, maximizing with slack_factor, a trial whose best so far is below best / (1 + slack_factor)', () => {
    // evaluation_interval 2, delay_evaluation 4: applied at 4, 6, ...
    const trials = [
      trial(0, [0.5, 0.6, 0.65, 0.7]), // best up to 4: 0.70
      trial(1, [0.55, 0.58, 0.6, 0.62]), // best up to 4: 0.62
      trial(2, [0.4, 0.66, 0.64, 0.63]), // best up to 4: 0.66 (its value at 4, 0.63, is below the bar: best so far decides)
      trial(3, [0.72, 0.71, 0.69, 0.68, 0.67], false), // ended; best up to 4: 0.72, the best at 4
      trial(4, [0.3, 0.3, 0.3, 0.3], false), // ended and far below: company, never stopped
      trial(5, [0.1, 0.1, 0.1]), // 3 reports: not at an applied interval yet, and not company at 4
    ];
    // Bar at 4: 0.72 / 1.1 = 0.654545...; 0.70 and 0.66 stay, 0.62 goes.
    const stops = banditStops({ type: 'bandit', slack_factor: 0.1, evaluation_interval: 2, delay_evaluation: 4 }, 'maximize', trials);
    assert.deepEqual(stops, [
      {
        index: 1,
        reason:
          'bandit policy (slack_factor 0.1) at interval 4: best primary metric 0.62 is worse than 0.654545 = 0.72 / (1 + 0.1), ' +
          'where 0.72 is the best at interval 4 (trial 3)',
      },
    ]);
  });

  it('stops nothing before delay_evaluation', () => {
    const trials = [trial(0, [0.9, 0.9, 0.9]), trial(1, [0.1, 0.1, 0.1])];
    assert.deepEqual(banditStops({ type: 'bandit', slack_amount: 0, delay_evaluation: 4 }, 'maximize', trials), []);
    // At 4 (delay 4 with interval 1 applies at 4): bar 0.9 − 0 = 0.9, and 0.1 < 0.9.
    const later = [trial(0, [0.9, 0.9, 0.9, 0.9]), trial(1, [0.1, 0.1, 0.1, 0.1])];
    assert.deepEqual(stoppedIndexes(banditStops({ type: 'bandit', slack_amount: 0, delay_evaluation: 4 }, 'maximize', later)), [1]);
  });

  it('stops, minimizing with slack_amount, a trial above best + slack_amount, each at its own latest interval', () => {
    // delay_evaluation 3, interval 1: applied at 3, 4, ...
    const trials = [
      trial(0, [1.0, 0.8, 0.5]), // judged at 3: best 0.5
      trial(1, [0.9, 0.85, 0.7, 0.66]), // judged at 4: best 0.66
      trial(2, [0.6, 0.55, 0.45, 0.4], false), // ended: best 0.45 up to 3, 0.4 up to 4
      trial(3, [1.2, 1.1, 0.9]), // judged at 3: best 0.9
    ];
    // At 3 the company is all four: best 0.45 (trial 2), bar 0.45 + 0.2 = 0.65: 0.5 stays, 0.9 goes.
    // At 4 the company is trials 1 and 2: best 0.4, bar 0.4 + 0.2 = 0.6: 0.66 goes.
    const stops = banditStops({ type: 'bandit', slack_amount: 0.2, delay_evaluation: 3 }, 'minimize', trials);
    assert.deepEqual(stoppedIndexes(stops), [1, 3]);
    assert.equal(
      stops[0]?.reason,
      'bandit policy (slack_amount 0.2) at interval 4: best primary metric 0.66 is worse than 0.6 = 0.4 + 0.2, where 0.4 is the best at interval 4 (trial 2)',
    );
    assert.match(stops[1]?.reason ?? '', /at interval 3: best primary metric 0.9 is worse than 0.65 = 0.45 \+ 0.2, .* \(trial 2\)$/);
  });

  it('stops, minimizing with slack_factor, a trial above best × (1 + slack_factor)', () => {
    // Applied at every report; all judged at 2. Best 0.4, bar 0.4 × 1.2 = 0.48: 0.45 stays, 0.5 goes.
    const trials = [trial(0, [0.5, 0.4]), trial(1, [0.5, 0.45]), trial(2, [0.6, 0.5])];
    const stops = banditStops({ type: 'bandit', slack_factor: 0.2 }, 'minimize', trials);
    assert.deepEqual(stoppedIndexes(stops), [2]);
    assert.match(stops[0]?.reason ?? '', /best primary metric 0.5 is worse than 0.48 = 0.4 × \(1 \+ 0.2\)/);
  });

  it('loosens the bar for a negative best instead of putting it above the best trial', () => {
    // Maximize, best −1.0: bar −1.0 × 1.1 = −1.1 (−1.0 / 1.1 = −0.909 would stop all three).
    const trials = [trial(0, [-1.0]), trial(1, [-1.05]), trial(2, [-1.2])];
    const stops = banditStops({ type: 'bandit', slack_factor: 0.1 }, 'maximize', trials);
    assert.deepEqual(stoppedIndexes(stops), [2]);
    assert.match(stops[0]?.reason ?? '', /-1.2 is worse than -1.1 = -1 × \(1 \+ 0.1\)/);
    // Minimize, best −1.0: bar −1.0 / 1.1 = −0.909091: −0.95 stays, −0.5 goes.
    const losses = [trial(0, [-1.0]), trial(1, [-0.95]), trial(2, [-0.5])];
    assert.deepEqual(stoppedIndexes(banditStops({ type: 'bandit', slack_factor: 0.1 }, 'minimize', losses)), [2]);
  });

  it('keeps a trial exactly at the bar, float noise and all (0.8 − 0.1 is 0.7000000000000001)', () => {
    const trials = [trial(0, [0.8]), trial(1, [0.7])];
    assert.deepEqual(banditStops({ type: 'bandit', slack_amount: 0.1 }, 'maximize', trials), []);
  });

  it('counts a NaN report as the worst value', () => {
    const trials = [trial(0, [0.8]), trial(1, [Number.NaN])];
    assert.deepEqual(stoppedIndexes(banditStops({ type: 'bandit', slack_amount: 0.1 }, 'maximize', trials)), [1]);
  });
});
