import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { chiSquaredSurvival, kolmogorovSurvival, lnGamma, regularizedUpperGamma } from './distributions.js';

const shapes = [0.5, 1, 1.5, 2, 2.5, 3, 4.5, 7, 9.5, 10, 10.5, 17, 50, 99.5, 500, 4999.5];
const ratios = [0.001, 0.05, 0.3, 0.8, 0.95, 1, 1.05, 1.3, 2, 4, 10];
const gammaPoints = shapes
  .flatMap((a) => ratios.map((ratio) => [a, a * ratio] as const))
  .concat([
    [0.5, 30],
    [1, 700],
    [2, 0.5],
  ]);
const kolmogorovPoints = [0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.82, 0.9, 0.99, 1, 1.01, 1.1, 1.36, 1.5, 2, 3, 4, 5, 6];
const chiSquaredPoints = [
  [0.5, 1],
  [3.84, 1],
  [10, 4],
  [100, 80],
  [0.001, 7],
  [1000, 20],
] as const;

interface Expected {
  gammaincc: number[];
  kstwobign: number[];
  chi2: number[];
  gammaln: number[];
}

/** |ours − theirs| ≤ relative·|theirs|, or both below 1e-300 (the result underflows). */
function assertRelative(ours: number, theirs: number, relative: number, label: string): void {
  if (Math.abs(theirs) < 1e-300) assert.ok(Math.abs(ours) < 1e-290, `${label}: ${ours} vs ${theirs}`);
  else
    assert.ok(
      Math.abs(ours - theirs) <= relative * Math.abs(theirs),
      `${label}: ${ours} vs SciPy's ${theirs} (${Math.abs(ours - theirs) / Math.abs(theirs)} relative)`,
    );
}

describe('tail probabilities against SciPy', { skip: skipWithoutPython() }, () => {
  let expected: Expected;
  before(() => {
    expected = runPythonJson(
      `
import json, sys
from scipy import special, stats
data = json.load(sys.stdin)
json.dump({
    'gammaincc': [float(special.gammaincc(a, x)) for a, x in data['gamma']],
    'gammaln': [float(special.gammaln(a)) for a in data['shapes']],
    'kstwobign': [float(stats.kstwobign.sf(x)) for x in data['kolmogorov']],
    'chi2': [float(stats.chi2.sf(x, k)) for x, k in data['chiSquared']],
}, sys.stdout)
`,
      { gamma: gammaPoints, shapes, kolmogorov: kolmogorovPoints, chiSquared: chiSquaredPoints },
    );
  });

  it('regularizedUpperGamma matches scipy.special.gammaincc to 1e-12 relative', () => {
    gammaPoints.forEach(([a, x], index) => {
      assertRelative(regularizedUpperGamma(a, x), expected.gammaincc[index]!, 1e-12, `Q(${a}, ${x})`);
    });
  });

  it('lnGamma matches scipy.special.gammaln to 1e-13 relative', () => {
    shapes.forEach((a, index) => {
      const theirs = expected.gammaln[index]!;
      assert.ok(Math.abs(lnGamma(a) - theirs) <= 1e-13 * Math.max(1, Math.abs(theirs)), `lnΓ(${a}): ${lnGamma(a)} vs ${theirs}`);
    });
  });

  it('kolmogorovSurvival matches scipy.stats.kstwobign.sf to 1e-12 relative', () => {
    kolmogorovPoints.forEach((x, index) => {
      assertRelative(kolmogorovSurvival(x), expected.kstwobign[index]!, 1e-12, `P(K > ${x})`);
    });
  });

  it('chiSquaredSurvival matches scipy.stats.chi2.sf to 1e-12 relative', () => {
    chiSquaredPoints.forEach(([x, k], index) => {
      assertRelative(chiSquaredSurvival(x, k), expected.chi2[index]!, 1e-12, `P(χ²(${k}) > ${x})`);
    });
  });
});

describe('tail probabilities at their ends', () => {
  it('are 1 at and below zero and reach 0 far out', () => {
    assert.equal(regularizedUpperGamma(2, 0), 1);
    assert.equal(chiSquaredSurvival(0, 3), 1);
    assert.equal(kolmogorovSurvival(0), 1);
    assert.equal(kolmogorovSurvival(-1), 1);
    assert.equal(kolmogorovSurvival(40), 0);
    assert.equal(regularizedUpperGamma(1, Number.POSITIVE_INFINITY), 0);
  });

  it('refuses a shape that is not positive', () => {
    assert.throws(() => regularizedUpperGamma(0, 1), RangeError);
    assert.throws(() => regularizedUpperGamma(1, -1), RangeError);
  });
});
