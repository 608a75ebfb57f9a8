import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { draw, seededExponential, seededNormal } from '../../../test/support/seeded-random.js';
import { describeSummary, histogram } from './summary-statistics.js';
import { summarize } from './summary-builder.js';

const samples = {
  'exact (integers with ties)': draw(seededNormal(1, 0, 4), 1000).map(Math.round),
  'exact (7 values)': draw(seededExponential(2), 7),
  'compressed (100,000 normal values)': draw(seededNormal(3, 5, 2), 100_000),
};

describe('describeSummary against numpy', { skip: skipWithoutPython() }, () => {
  let expected: Array<{ mean: number; std: number; quantiles: number[] }>;
  before(() => {
    expected = runPythonJson(
      `
import json, sys
import numpy as np
out = []
for values in json.load(sys.stdin):
    values = np.asarray(values, dtype=float)
    out.append({'mean': float(np.mean(values)), 'std': float(np.std(values)), 'quantiles': np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist()})
json.dump(out, sys.stdout)
`,
      Object.values(samples),
    );
  });

  Object.entries(samples).forEach(([name, values], index) => {
    it(`gives numpy's mean, std and quantiles: ${name}`, () => {
      const description = describeSummary(summarize(values));
      const wanted = expected[index]!;
      const isExact = !name.startsWith('compressed');
      // Exact sketches: to rounding; compressed: quantiles within 0.2% of the standard deviation.
      const quantileTolerance = isExact ? 1e-12 : 0.002 * wanted.std;
      assert.ok(Math.abs(description.mean! - wanted.mean) <= 1e-12 * Math.max(1, Math.abs(wanted.mean)));
      assert.ok(Math.abs(description.std! - wanted.std) <= 1e-12 * Math.max(1, wanted.std));
      const ours = Object.values(description.quantiles!);
      ours.forEach((quantile, position) => {
        assert.ok(
          Math.abs(quantile - wanted.quantiles[position]!) <= quantileTolerance,
          `quantile ${position}: ${quantile} vs ${wanted.quantiles[position]}`,
        );
      });
    });
  });
});

describe('describeSummary', () => {
  it('lists the ten most frequent categories, ties in category order, and no numbers without numeric values', () => {
    const values = ['k', 'k', 'k', 'j', 'j', ...'abcdefghi'.split(''), null, {}];
    const description = describeSummary(summarize(values));
    assert.deepEqual(
      description.topCategories.map((entry) => `${entry.value}:${entry.count}`),
      ['k:3', 'j:2', 'a:1', 'b:1', 'c:1', 'd:1', 'e:1', 'f:1', 'g:1', 'h:1'],
    );
    assert.deepEqual(
      { ...description, topCategories: [] },
      {
        rows: 16,
        nulls: 1,
        unparsable: 1,
        mean: null,
        std: null,
        min: null,
        max: null,
        quantiles: null,
        topCategories: [],
        otherCategories: 0,
      },
    );
  });
});

describe('histogram', () => {
  it("gives each side's proportions on the metrics' bins", () => {
    const numerical = histogram(summarize([0, 0, 30]), summarize([15, 30]), 'numerical');
    assert.equal(numerical.featureType, 'numerical');
    assert.equal(numerical.reference.length, 30);
    assert.deepEqual(
      [numerical.reference[0], numerical.reference[29], numerical.production[15], numerical.production[29]],
      [2 / 3, 1 / 3, 0.5, 0.5],
    );
    assert.deepEqual(histogram(summarize(['a', 'b', 'b']), summarize([]), 'categorical'), {
      featureType: 'categorical',
      categories: ['a', 'b'],
      hasOtherBin: false,
      reference: [1 / 3, 2 / 3],
      production: [0, 0],
    });
  });
});
