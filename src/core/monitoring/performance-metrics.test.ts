import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { draw, seededCategories, seededNormal, seededUniform } from '../../../test/support/seeded-random.js';
import { classificationPerformance, regressionPerformance } from './performance-metrics.js';

describe('model performance against scikit-learn', { skip: skipWithoutPython() }, () => {
  // Three classes, one of them never predicted; 70% right.
  const actual = draw(
    seededCategories(1, [
      ['a', 3],
      ['b', 2],
      ['c', 1],
    ] as const),
    500,
  );
  const coin = seededUniform(2);
  const predicted = actual.map((label) => (coin() < 0.7 ? label : label === 'a' ? 'b' : 'a'));
  const truth = draw(seededNormal(3, 10, 2), 400);
  const noise = seededNormal(4);
  const estimates = truth.map((value) => value + 0.5 * noise());
  let expected: { classification: Record<string, number>; regression: Record<string, number> };

  before(() => {
    expected = runPythonJson(
      `
import json, math, sys
from sklearn import metrics
d = json.load(sys.stdin)
a, p = d['actual'], d['predicted']
t, e = d['truth'], d['estimates']
json.dump({
  'classification': {
    'accuracy': metrics.accuracy_score(a, p),
    'precision': metrics.precision_score(a, p, average='macro', zero_division=0),
    'recall': metrics.recall_score(a, p, average='macro', zero_division=0),
    'f1_score': metrics.f1_score(a, p, average='macro', zero_division=0),
  },
  'regression': {
    'mae': metrics.mean_absolute_error(t, e),
    'mse': metrics.mean_squared_error(t, e),
    'rmse': math.sqrt(metrics.mean_squared_error(t, e)),
  },
}, sys.stdout)
`,
      { actual, predicted, truth, estimates },
    );
  });

  it('accuracy, and macro precision, recall and F1 equal scikit-learn', () => {
    const got = classificationPerformance(actual.map((label, index) => [label, predicted[index]!] as const));
    for (const [metric, value] of Object.entries(expected.classification))
      assert.ok(Math.abs(got[metric as keyof typeof got]! - value) <= 1e-12, `${metric}: ${got[metric as keyof typeof got]} vs ${value}`);
  });

  it('mae, mse and rmse equal scikit-learn', () => {
    const got = regressionPerformance(truth.map((value, index) => [value, estimates[index]!] as const));
    for (const [metric, value] of Object.entries(expected.regression))
      assert.ok(Math.abs(got[metric as keyof typeof got]! - value) <= 1e-9, `${metric}: ${got[metric as keyof typeof got]} vs ${value}`);
  });

  it('has nothing to say without pairs', () => {
    assert.deepEqual(classificationPerformance([]), {});
    assert.deepEqual(regressionPerformance([]), {});
  });
});
