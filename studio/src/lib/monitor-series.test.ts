import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeatureMetric, Monitor, MonitorRun, SignalResult } from '../api/monitors.js';
import { binLabels, breachesBelow, describeSide, monitorsWatching, runOutcome, signalHistory } from './monitor-series.js';

const side = { rows: 10, from: null, to: null, source: 'azureml:ref:1' };
const metric = (
  feature: string,
  name: string,
  value: number | null,
  threshold: number,
  featureType: 'numerical' | 'categorical' = 'numerical',
): FeatureMetric => ({
  feature,
  featureType,
  metric: name,
  value,
  threshold,
  breached: value !== null && value > threshold,
});
const signal = (name: string, metrics: FeatureMetric[], outcome: SignalResult['outcome'] = 'passed'): SignalResult => ({
  name,
  type: 'data_drift',
  outcome,
  reason: null,
  production: side,
  reference: side,
  metrics,
  distributions: [],
});
const run = (name: string, slotAt: number, signals: SignalResult[], state: MonitorRun['state'] = 'Completed'): MonitorRun => ({
  workspace: 'default',
  name,
  schedule: 'watch',
  slotAt,
  startedAt: slotAt,
  endedAt: slotAt + 10,
  state,
  reason: null,
  breaches: signals.flatMap((item) => item.metrics).filter((item) => item.breached).length,
  signals,
  alertError: null,
});

describe('signalHistory', () => {
  it('orders the runs oldest first and gives each metric a series per feature, with breaches and one threshold line', () => {
    const newer = run('r2', 2000, [
      signal('drift', [metric('a', 'jsd', 0.5, 0.3), metric('b', 'jsd', 0.1, 0.3), metric('a', 'psi', 0.2, 0.1)]),
    ]);
    const older = run('r1', 1000, [signal('drift', [metric('a', 'jsd', 0.1, 0.3)])]);
    const [jsd, psi] = signalHistory([newer, older], 'drift');
    assert.deepEqual(jsd, {
      metric: 'jsd',
      times: [1000, 2000],
      runs: ['r1', 'r2'],
      features: [
        { feature: 'a', values: [0.1, 0.5], breached: [false, true] },
        { feature: 'b', values: [null, 0.1], breached: [false, false] },
      ],
      thresholds: [{ label: 'threshold', values: [0.3, 0.3] }],
    });
    assert.deepEqual(psi?.features, [{ feature: 'a', values: [null, 0.2], breached: [false, true] }]);
    assert.deepEqual(psi?.thresholds, [{ label: 'threshold', values: [null, 0.1] }]);
  });

  it('draws a threshold line per feature type when their thresholds differ', () => {
    const only = run('r1', 1000, [signal('drift', [metric('a', 'jsd', 0.1, 0.3), metric('c', 'jsd', 0.2, 0.4, 'categorical')])]);
    assert.deepEqual(signalHistory([only], 'drift')[0]?.thresholds, [
      { label: 'threshold (numerical)', values: [0.3] },
      { label: 'threshold (categorical)', values: [0.4] },
    ]);
  });

  it('has nothing for a signal no run computed', () => {
    assert.deepEqual(signalHistory([run('r1', 1000, [signal('drift', [], 'no_data')])], 'drift'), []);
  });
});

describe('runOutcome', () => {
  it('says failed, the breaches, no data or passed', () => {
    assert.deepEqual(runOutcome(run('r', 1, [], 'Failed')), { label: 'failed', tone: 'bad' });
    assert.deepEqual(runOutcome(run('r', 1, [signal('d', [metric('a', 'jsd', 0.5, 0.3)])])), { label: '1 breach', tone: 'bad' });
    assert.deepEqual(runOutcome(run('r', 1, [signal('d', [], 'no_data')])), { label: 'no data', tone: 'idle' });
    assert.deepEqual(runOutcome(run('r', 1, [signal('d', [metric('a', 'jsd', 0.1, 0.3)])])), { label: 'passed', tone: 'ok' });
  });
});

describe('binLabels', () => {
  it('writes numeric bins as ranges, the last one closed, and categories as they are', () => {
    const base = { feature: 'x', reference: [0.5, 0.5], production: [0.4, 0.6] };
    assert.deepEqual(binLabels({ ...base, featureType: 'numerical', bins: [0, 0.5, 1] }), ['[0, 0.5)', '[0.5, 1]']);
    assert.deepEqual(binLabels({ ...base, featureType: 'categorical', bins: ['red', 'blue'] }), ['red', 'blue']);
  });
});

describe('describeSide', () => {
  it('says the rows, their source and the window, or that the whole asset was read', () => {
    assert.equal(describeSide(side), '10 rows of azureml:ref:1 (all of it)');
    assert.match(
      describeSide({ rows: 1, from: 1, to: 2, source: 'collected e/d model_inputs' }),
      /^1 row of collected e\/d model_inputs, from .+ to .+$/,
    );
  });
});

describe('monitorsWatching and breachesBelow', () => {
  it('keeps the monitors of the endpoint; p-values and scores breach below', () => {
    const monitor = (name: string, endpoint: string | null) => ({ name, endpoint }) as Monitor;
    assert.deepEqual(
      monitorsWatching([monitor('a', 'iris'), monitor('b', null), monitor('c', 'other'), monitor('d', 'iris')], 'iris').map(
        (item) => item.name,
      ),
      ['a', 'd'],
    );
    assert.equal(breachesBelow('two_sample_kolmogorov_smirnov_test'), true);
    assert.equal(breachesBelow('jensen_shannon_distance'), false);
  });
});
