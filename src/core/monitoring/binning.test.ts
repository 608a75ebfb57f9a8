import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { draw, seededNormal, seededUniform } from '../../../test/support/seeded-random.js';
import { categoricalBins, NUMERIC_BIN_COUNT, numericBins, OTHER_CATEGORY } from './binning.js';
import { CATEGORY_CAP } from './category-order.js';
import { summarize } from './summary-builder.js';

const cases: Array<{ name: string; reference: number[]; production: number[] }> = [
  { name: 'normal values', reference: draw(seededNormal(1), 1500), production: draw(seededNormal(2, 1), 900) },
  {
    name: 'integers, many on the edges',
    reference: draw(seededUniform(3), 1000).map((u) => Math.floor(u * 61) - 30),
    production: [-30, 0, 30, 29, -29, 1, 2],
  },
  {
    name: 'tenths over an awkward range',
    reference: draw(seededUniform(4), 800).map((u) => Math.round(u * 37) / 10 - 1.3),
    production: [0.1, 0.2, 0.3, 2.4],
  },
  { name: 'tiny spread far from zero', reference: draw(seededUniform(5), 500).map((u) => 1e6 + u * 1e-6), production: [1e6, 1e6 + 1e-6] },
];

describe('numericBins against numpy.histogram', { skip: skipWithoutPython() }, () => {
  let expected: Array<{ edges: number[]; reference: number[]; production: number[] }>;
  before(() => {
    expected = runPythonJson(
      `
import json, sys
import numpy as np
out = []
for case in json.load(sys.stdin):
    ref, prod = np.asarray(case['reference'], dtype=float), np.asarray(case['production'], dtype=float)
    edges = np.histogram_bin_edges(np.concatenate([ref, prod]), bins=30)
    out.append({'edges': edges.tolist(), 'reference': np.histogram(ref, bins=edges)[0].tolist(), 'production': np.histogram(prod, bins=edges)[0].tolist()})
json.dump(out, sys.stdout)
`,
      cases,
    );
  });

  cases.forEach((testCase, index) => {
    it(`gives numpy's edges and counts: ${testCase.name}`, () => {
      const bins = numericBins(summarize(testCase.reference).numeric, summarize(testCase.production).numeric);
      assert.equal(bins.edges.length, NUMERIC_BIN_COUNT + 1);
      assert.deepEqual(bins, expected[index]);
    });
  });
});

describe('numericBins', () => {
  it('makes one bin of a constant feature', () => {
    const constant = summarize([4, 4, 4]).numeric;
    assert.deepEqual(numericBins(constant, summarize([4]).numeric), { edges: [3.5, 4.5], reference: [3], production: [1] });
  });

  it('bins by the side that has numbers when the other has none, and gives no bins when neither has', () => {
    const bins = numericBins(summarize([0, 30]).numeric, null);
    assert.equal(bins.edges.length, 31);
    assert.deepEqual(bins.production, new Array(30).fill(0));
    assert.equal(bins.reference[0]! + bins.reference[29]!, 2);
    assert.deepEqual(numericBins(null, null), { edges: [], reference: [], production: [] });
  });
});

describe('categoricalBins', () => {
  it("unites both sides' categories in category order, numbers first", () => {
    const bins = categoricalBins(summarize(['b', 'a', 'a', 2, 10]), summarize(['c', 'a', 10, '10']));
    assert.deepEqual(bins, {
      categories: ['2', '10', 'a', 'b', 'c'],
      reference: [1, 1, 2, 1, 0],
      production: [0, 2, 1, 0, 1],
      hasOtherBin: false,
    });
  });

  it('puts what either side cannot name in the other bin', () => {
    const many = Array.from({ length: CATEGORY_CAP + 10 }, (_, index) => `k${String(index).padStart(6, '0')}`);
    // The reference keeps k000000 .. k009999 and drops 10; production has a few of the dropped.
    const reference = summarize(many);
    const production = summarize(['k000000', 'k000000', many[CATEGORY_CAP + 2]!, 'zzz']);
    const bins = categoricalBins(reference, production);
    assert.equal(bins.hasOtherBin, true);
    assert.equal(bins.categories.at(-1), OTHER_CATEGORY);
    assert.equal(bins.categories.length, CATEGORY_CAP + 1);
    assert.equal(bins.reference.at(-1), 10);
    // 'zzz' and the dropped key are past the reference's last kept key: the reference cannot tell them apart from its own dropped ones.
    assert.equal(bins.production.at(-1), 2);
    assert.equal(bins.production[0], 2);
    assert.equal(
      bins.reference.reduce((sum, count) => sum + count, 0),
      CATEGORY_CAP + 10,
    );
  });

  it('keeps a real category named like the other bin apart from it', () => {
    const bins = categoricalBins(summarize([OTHER_CATEGORY, 'a']), summarize(['a']));
    assert.deepEqual(bins, { categories: [OTHER_CATEGORY, 'a'], reference: [1, 1], production: [0, 1], hasOtherBin: false });
  });
});
