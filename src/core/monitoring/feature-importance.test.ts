import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { draw, seededCategories, seededNormal } from '../../../test/support/seeded-random.js';
import { binnerFor, ImportanceCounter, normalizedDiscountedCumulativeGain, rankByImportance } from './feature-importance.js';
import { summarize } from './summary-builder.js';

/** A table where `signal` decides the label, `noise` does not, and `color` does a little. */
function table(rows: number) {
  const signal = draw(seededNormal(11), rows);
  const noise = draw(seededNormal(12), rows);
  const colors = draw(
    seededCategories(13, [
      ['red', 1],
      ['green', 1],
      ['blue', 1],
    ] as const),
    rows,
  );
  const flips = draw(seededNormal(14), rows);
  const label = signal.map((value, index) => (value + (colors[index] === 'red' ? 0.3 : 0) + 0.3 * flips[index]! > 0 ? 'yes' : 'no'));
  return { signal, noise, colors, label };
}

describe('feature importance as mutual information, and NDCG of rankings', () => {
  const data = table(5000);
  const binners = {
    signal: binnerFor(summarize(data.signal), 'numerical'),
    noise: binnerFor(summarize(data.noise), 'numerical'),
    color: binnerFor(summarize(data.colors), 'categorical'),
  };
  const counter = new ImportanceCounter(binners, binnerFor(summarize(data.label), 'categorical'));
  data.label.forEach((label, index) => {
    counter.add({ signal: data.signal[index], noise: data.noise[index], color: data.colors[index] }, label);
  });
  const importances = counter.importances();

  it('ranks the feature the label depends on first and the independent one last', () => {
    assert.deepEqual(rankByImportance(importances), ['signal', 'color', 'noise']);
    assert.ok(importances.noise! < 0.01, `noise: ${importances.noise}`);
  });

  it('is 1 for the same ranking and falls as important features move down', () => {
    assert.equal(normalizedDiscountedCumulativeGain(importances, importances), 1);
    const swapped = normalizedDiscountedCumulativeGain(importances, { signal: 0, color: 1, noise: 2 })!;
    assert.ok(swapped < 0.9, `${swapped}`);
    assert.equal(normalizedDiscountedCumulativeGain({ a: 0, b: 0 }, { a: 1, b: 0 }), null);
  });

  describe('against scikit-learn', { skip: skipWithoutPython() }, () => {
    let expected: { mutualInformation: Record<string, number>; ndcg: number };
    const production = { signal: 0.1, color: 0.5, noise: 0.05 };
    before(() => {
      // The same bins as Trellis's (their labels), so the two count the same table.
      const binned = Object.fromEntries(
        Object.entries({ signal: data.signal, noise: data.noise, color: data.colors }).map(([name, values]) => [
          name,
          (values as unknown[]).map((value) => binners[name as keyof typeof binners](value)),
        ]),
      );
      expected = runPythonJson(
        `
import json, math, sys
from sklearn.metrics import mutual_info_score, ndcg_score
data = json.load(sys.stdin)
json.dump({
    'mutualInformation': {name: mutual_info_score(data['label'], values) / math.log(2) for name, values in data['binned'].items()},
    'ndcg': float(ndcg_score([data['relevance']], [data['scores']])),
}, sys.stdout)
`,
        {
          binned,
          label: data.label,
          relevance: ['signal', 'color', 'noise'].map((name) => importances[name]),
          scores: ['signal', 'color', 'noise'].map((name) => production[name as keyof typeof production]),
        },
      );
    });

    it('mutual information in bits equals sklearn.metrics.mutual_info_score / ln 2', () => {
      for (const [name, value] of Object.entries(expected.mutualInformation))
        assert.ok(Math.abs(importances[name]! - value) <= 1e-9, `${name}: ${importances[name]} vs ${value}`);
    });

    it('NDCG equals sklearn.metrics.ndcg_score with the reference importances as relevance', () => {
      const ndcg = normalizedDiscountedCumulativeGain(importances, production)!;
      assert.ok(Math.abs(ndcg - expected.ndcg) <= 1e-9, `${ndcg} vs ${expected.ndcg}`);
    });
  });
});
