import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDataSignal, isBreach, type SideData, selectedFeatures } from './evaluate-signal.js';
import type { QualitySignal } from './monitor-definition.js';
import { summarize } from './summary-builder.js';

const data = {
  source: { kind: 'asset', reference: 'x', type: 'uri_file' },
  window: { kind: 'all' },
  context: 'training',
  targetColumn: 'label',
  columnNames: {},
} as const;

function side(columns: Record<string, unknown[]>, broken = 0): SideData {
  const rows = Object.values(columns)[0]?.length ?? 0;
  return {
    rows,
    broken,
    columns: Object.keys(columns),
    features: Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, summarize(values)])),
  };
}

const quality: QualitySignal = {
  name: 'quality',
  type: 'data_quality',
  production: { ...data, context: 'model_inputs', targetColumn: null },
  reference: data,
  features: { kind: 'all' },
  featureTypes: {},
  thresholds: { numerical: { data_type_error_rate: 0.1, null_value_rate: 0.5 }, categorical: { out_of_bounds_rate: 0.2 } },
  alertEnabled: true,
};

describe('evaluating a data signal', () => {
  const reference = side({ age: [30, 40, 50, 60], city: ['a', 'b', 'a', 'b'], label: [0, 1, 0, 1] });

  it('judges every reference column but the label, each against the thresholds of its type', () => {
    const features = selectedFeatures(quality, reference);
    assert.deepEqual(features, ['age', 'city']);
    const production = side({ age: [35, 45, 'n/a', 55], city: ['a', 'c', 'c', 'b'] });
    const result = evaluateDataSignal(quality, reference, production, features);
    assert.equal(result.outcome, 'breached');
    assert.deepEqual(
      result.metrics.map((metric) => [metric.feature, metric.metric, metric.value, metric.breached]),
      [
        ['age', 'data_type_error_rate', 0.25, true],
        ['age', 'null_value_rate', 0, false],
        ['city', 'out_of_bounds_rate', 0.5, true],
      ],
    );
    assert.equal(result.distributions.length, 2);
  });

  it('counts payloads that were no rows as data-type errors of every feature, not as a failure', () => {
    const production = side({ age: [35, 45, 55, 40], city: ['a', 'b', 'a', 'b'] }, 4);
    const result = evaluateDataSignal(quality, reference, production, ['age']);
    assert.deepEqual(
      result.metrics.map((metric) => [metric.metric, metric.value]),
      [
        ['data_type_error_rate', 0.5],
        ['null_value_rate', 0],
      ],
    );
  });

  it('says no_data without production or reference rows, and names listed features the reference lacks', () => {
    assert.equal(evaluateDataSignal(quality, reference, side({ age: [] }), ['age']).outcome, 'no_data');
    assert.equal(evaluateDataSignal(quality, side({ age: [] }), reference, ['age']).reason, 'no reference rows to compare with');
    const missing = evaluateDataSignal(quality, reference, side({ age: [31, 41] }), ['age', 'income']);
    assert.equal(missing.reason, 'not in the reference data, so not judged: income');
  });

  it('breaches distances and rates above their threshold, p-values and scores below', () => {
    assert.equal(isBreach('jensen_shannon_distance', 0.2, 0.1), true);
    assert.equal(isBreach('jensen_shannon_distance', 0.1, 0.1), false);
    assert.equal(isBreach('two_sample_kolmogorov_smirnov_test', 0.01, 0.05), true);
    assert.equal(isBreach('accuracy', 0.95, 0.9), false);
    assert.equal(isBreach('mae', 3, 2.5), true);
    assert.equal(isBreach('null_value_rate', null, 0), false);
  });
});
