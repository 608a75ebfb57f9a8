import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertTransitions } from './alert-transitions.js';
import type { MonitorRun, SignalResult } from './monitor-run.js';

const side = { rows: 10, from: null, to: null, source: 'test' };

function run(slotAt: number, metrics: Array<[feature: string, value: number | null, breached: boolean]>, signal = 'drift'): MonitorRun {
  const result: SignalResult = {
    name: signal,
    type: 'data_drift',
    outcome: metrics.some(([, , breached]) => breached) ? 'breached' : 'passed',
    reason: null,
    production: side,
    reference: side,
    metrics: metrics.map(([feature, value, breached]) => ({
      feature,
      featureType: 'numerical',
      metric: 'normalized_wasserstein_distance',
      value,
      threshold: 0.1,
      breached,
    })),
    distributions: [],
  };
  return {
    workspace: 'w',
    name: `m-${slotAt}`,
    schedule: 'm',
    slotAt,
    startedAt: slotAt,
    endedAt: slotAt,
    state: 'Completed',
    reason: null,
    breaches: 0,
    signals: [result],
    alertError: null,
  };
}

describe('the alerts a monitor run calls for', () => {
  const always = () => true;

  it('fires each breach, keeping when it began across runs, and resolves one measured back under its threshold', () => {
    const first = run(1000, [
      ['a', 0.5, true],
      ['b', 0.05, false],
    ]);
    assert.deepEqual(
      alertTransitions(first, undefined, always).map((alert) => [alert.feature, alert.state, alert.since]),
      [['a', 'firing', 1000]],
    );
    const second = run(2000, [
      ['a', 0.4, true],
      ['b', 0.3, true],
    ]);
    assert.deepEqual(
      alertTransitions(second, first, always).map((alert) => [alert.feature, alert.state, alert.since]),
      [
        ['a', 'firing', 1000],
        ['b', 'firing', 2000],
      ],
    );
    const third = run(3000, [
      ['a', 0.01, false],
      ['b', null, false],
    ]);
    assert.deepEqual(
      alertTransitions(third, second, always).map((alert) => [alert.feature, alert.state, alert.value]),
      [['a', 'resolved', 0.01]],
      'b could not be measured: neither fired nor resolved',
    );
    assert.deepEqual(alertTransitions(run(4000, [['a', 0.02, false]]), third, always), [], 'nothing breached before or now');
  });

  it('sends nothing for a signal whose alerts are off', () => {
    assert.deepEqual(
      alertTransitions(run(1000, [['a', 0.5, true]]), undefined, () => false),
      [],
    );
  });
});
