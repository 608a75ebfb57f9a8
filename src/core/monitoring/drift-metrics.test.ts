import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { runPythonJson, skipWithoutPython } from '../../../test/support/python-json.js';
import { draw, seededCategories, seededExponential, seededNormal, seededUniform } from '../../../test/support/seeded-random.js';
import { driftMetric } from './drift-metrics.js';
import { mergeSummaries } from './feature-summary.js';
import type { FeatureSummary } from './monitoring-types.js';
import { summarize } from './summary-builder.js';

interface NumericalCase {
  name: string;
  reference: number[];
  production: number[];
}
interface CategoricalCase {
  name: string;
  reference: Array<string | number>;
  production: Array<string | number>;
}
interface NumericalExpected {
  jsd: number;
  psi: number;
  normalizedWasserstein: number | null;
  ksStatistic: number;
  ksPValue: number;
}
interface CategoricalExpected {
  jsd: number;
  psi: number;
  chiSquared: number;
  chiSquaredPValue: number;
}

/** Rounded to hundredths: n = 5000 with fewer than SKETCH_CAP distinct values, so the sketches stay exact. */
const hundredths = (value: number) => Math.round(value * 100) / 100;

const numericalCases: NumericalCase[] = [
  {
    name: 'normal vs shifted, wider normal, in hundredths (5000 vs 3000)',
    reference: draw(seededNormal(1), 5000).map(hundredths),
    production: draw(seededNormal(2, 0.3, 1.2), 3000).map(hundredths),
  },
  {
    name: 'exponential vs a longer exponential, in hundredths (5000 vs 3000)',
    reference: draw(seededExponential(3), 5000).map(hundredths),
    production: draw(seededExponential(4, 1.3), 3000).map(hundredths),
  },
  {
    name: 'continuous normal vs shifted normal (2000 vs 1500)',
    reference: draw(seededNormal(31), 2000),
    production: draw(seededNormal(32, -0.2), 1500),
  },
  {
    name: 'integers with many ties (2000 vs 1500)',
    reference: draw(seededNormal(5, 0, 3), 2000).map(Math.floor),
    production: draw(seededNormal(6, 0.5, 3), 1500).map(Math.floor),
  },
  { name: 'small samples (7 vs 11)', reference: draw(seededNormal(7), 7), production: draw(seededNormal(8, 0.5), 11) },
  { name: 'the same sample on both sides', reference: draw(seededNormal(9), 400), production: draw(seededNormal(9), 400) },
  {
    name: 'values on the bin edges (0..30 vs 0..60 by halves)',
    reference: [...Array(31).keys()],
    production: [...Array(61).keys()].map((value) => value / 2),
  },
];

const categoricalCases: CategoricalCase[] = [
  {
    name: 'five categories vs a shifted mix with a new category (5000 vs 3000)',
    reference: draw(
      seededCategories(11, [
        ['a', 40],
        ['b', 25],
        ['c', 15],
        ['d', 10],
        ['e', 10],
      ]),
      5000,
    ),
    production: draw(
      seededCategories(12, [
        ['a', 30],
        ['b', 30],
        ['c', 15],
        ['d', 10],
        ['e', 5],
        ['f', 10],
      ]),
      3000,
    ),
  },
  {
    name: 'integer codes (0/1/2 vs 0/1/2/3)',
    reference: draw(
      seededCategories(13, [
        [0, 5],
        [1, 3],
        [2, 2],
      ]),
      800,
    ),
    production: draw(
      seededCategories(14, [
        [0, 4],
        [1, 3],
        [2, 2],
        [3, 1],
      ]),
      600,
    ),
  },
  {
    name: 'small samples (7 vs 11)',
    reference: draw(
      seededCategories(15, [
        ['x', 1],
        ['y', 1],
      ]),
      7,
    ),
    production: draw(
      seededCategories(16, [
        ['x', 1],
        ['y', 2],
        ['z', 1],
      ]),
      11,
    ),
  },
];

const pythonScript = `
import json, sys
import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

def psi(reference_counts, production_counts):
    p = np.asarray(reference_counts, dtype=float) / np.sum(reference_counts)
    q = np.asarray(production_counts, dtype=float) / np.sum(production_counts)
    np.place(p, p == 0, 0.0001)
    np.place(q, q == 0, 0.0001)
    return float(np.sum((p - q) * np.log(p / q)))

data = json.load(sys.stdin)
numerical = []
for case in data['numerical']:
    ref = np.asarray(case['reference'], dtype=float)
    prod = np.asarray(case['production'], dtype=float)
    edges = np.histogram_bin_edges(np.concatenate([ref, prod]), bins=30)
    ref_counts, _ = np.histogram(ref, bins=edges)
    prod_counts, _ = np.histogram(prod, bins=edges)
    std = float(np.std(ref))
    statistic = float(stats.ks_2samp(ref, prod).statistic)
    n, m = len(ref), len(prod)
    numerical.append({
        'jsd': float(jensenshannon(ref_counts, prod_counts, base=2)),
        'psi': psi(ref_counts, prod_counts),
        'normalizedWasserstein': float(stats.wasserstein_distance(ref, prod)) / std if std > 0 else None,
        'ksStatistic': statistic,
        'ksPValue': float(stats.kstwobign.sf(np.sqrt(n * m / (n + m)) * statistic)),
    })
categorical = []
for case in data['categorical']:
    ref = [str(value) for value in case['reference']]
    prod = [str(value) for value in case['production']]
    categories = sorted(set(ref) | set(prod))
    table = np.array([[ref.count(c) for c in categories], [prod.count(c) for c in categories]])
    result = stats.chi2_contingency(table, correction=False)
    categorical.append({
        'jsd': float(jensenshannon(table[0], table[1], base=2)),
        'psi': psi(table[0], table[1]),
        'chiSquared': float(result.statistic),
        'chiSquaredPValue': float(result.pvalue),
    })
json.dump({'numerical': numerical, 'categorical': categorical}, sys.stdout)
`;

/** Summaries of four partitions, merged: what a monitor computes from a window's chunks. */
function mergedOfParts(values: unknown[]): FeatureSummary {
  const size = Math.ceil(values.length / 4);
  const parts = [0, 1, 2, 3].map((part) => summarize(values.slice(part * size, (part + 1) * size)));
  return mergeSummaries(mergeSummaries(parts[0]!, parts[1]!), mergeSummaries(parts[2]!, parts[3]!));
}

function numericalMetrics(reference: FeatureSummary, production: FeatureSummary) {
  const ks = driftMetric('two_sample_kolmogorov_smirnov_test', 'numerical', reference, production);
  return {
    jsd: driftMetric('jensen_shannon_distance', 'numerical', reference, production).value,
    psi: driftMetric('population_stability_index', 'numerical', reference, production).value,
    normalizedWasserstein: driftMetric('normalized_wasserstein_distance', 'numerical', reference, production).value,
    ksStatistic: ks.statistic,
    ksPValue: ks.value,
  };
}

function categoricalMetrics(reference: FeatureSummary, production: FeatureSummary) {
  const chi = driftMetric('pearsons_chi_squared_test', 'categorical', reference, production);
  return {
    jsd: driftMetric('jensen_shannon_distance', 'categorical', reference, production).value,
    psi: driftMetric('population_stability_index', 'categorical', reference, production).value,
    chiSquared: chi.statistic,
    chiSquaredPValue: chi.value,
  };
}

function assertClose(actual: Record<string, number | null | undefined>, expected: Record<string, number | null>, tolerance: number): void {
  for (const [metric, value] of Object.entries(expected)) {
    const ours = actual[metric];
    if (value === null) assert.equal(ours, null, metric);
    else assert.ok(typeof ours === 'number' && Math.abs(ours - value) <= tolerance, `${metric}: ${ours} vs SciPy's ${value}`);
  }
}

/**
 * Compressed sketches: each metric within these of SciPy on the raw values. Measured (these cases,
 * whole and merged, plus lognormal and 1M-row ones): KS statistic ≤ 8e-4, Wasserstein/std ≤ 5e-4
 * relative (3e-4 absolute when the distance itself is ~0.001), JSD ≤ 1.1e-3, PSI ≤ 3e-4.
 */
const compressedTolerance = { ksStatistic: 0.002, normalizedWassersteinRelative: 0.01, jsd: 0.002, psi: 0.001 };

/** Normal values, `zeroShare` of them replaced by exact zeros: a heavily repeated value inside a continuous range. */
function zeroInflated(seed: number, zeroShare: number, count: number): number[] {
  const normal = seededNormal(seed);
  const uniform = seededUniform(seed + 1);
  return draw(() => (uniform() < zeroShare ? 0 : normal()), count);
}

const compressedCases: NumericalCase[] = [
  {
    name: 'normal, 200,000 vs 150,000',
    reference: draw(seededNormal(21), 200_000),
    production: draw(seededNormal(22, 0.05, 1.1), 150_000),
  },
  {
    name: 'exponential, 200,000 vs 150,000',
    reference: draw(seededExponential(23), 200_000),
    production: draw(seededExponential(24, 1.05), 150_000),
  },
  {
    name: 'zero-inflated normal, 100,000 vs 100,000',
    reference: zeroInflated(25, 0.3, 100_000),
    production: zeroInflated(27, 0.35, 100_000),
  },
];

/** SciPy's values for every case above, from one Python process. */
let expected: { numerical: NumericalExpected[]; categorical: CategoricalExpected[] };
before(() => {
  if (skipWithoutPython()) return;
  expected = runPythonJson(pythonScript, { numerical: [...numericalCases, ...compressedCases], categorical: categoricalCases });
});

describe('drift metrics against SciPy, from exact sketches', { skip: skipWithoutPython() }, () => {
  numericalCases.forEach((testCase, index) => {
    it(`numerical: ${testCase.name}`, () => {
      const reference = summarize(testCase.reference);
      const production = summarize(testCase.production);
      assert.ok(reference.numeric?.exact && production.numeric?.exact);
      const ours = numericalMetrics(reference, production);
      assertClose(ours, { ...expected.numerical[index]! }, 1e-9);
      // Four partitions' summaries merged give the very same metrics.
      assert.deepEqual(numericalMetrics(mergedOfParts(testCase.reference), mergedOfParts(testCase.production)), ours);
    });
  });

  categoricalCases.forEach((testCase, index) => {
    it(`categorical: ${testCase.name}`, () => {
      const reference = summarize(testCase.reference);
      const production = summarize(testCase.production);
      const ours = categoricalMetrics(reference, production);
      assertClose(ours, { ...expected.categorical[index]! }, 1e-9);
      assert.deepEqual(categoricalMetrics(mergedOfParts(testCase.reference), mergedOfParts(testCase.production)), ours);
    });
  });

  it('gives a distance of 0 and p-values of 1 for identical data', () => {
    const values = numericalCases[0]!.reference;
    const ours = numericalMetrics(summarize(values), summarize(values));
    assert.deepEqual(ours, { jsd: 0, psi: 0, normalizedWasserstein: 0, ksStatistic: 0, ksPValue: 1 });
  });
});

describe('drift metrics from compressed sketches, against SciPy on the raw values', { skip: skipWithoutPython() }, () => {
  compressedCases.forEach((testCase, index) => {
    it(`${testCase.name}: whole and merged from four partitions`, () => {
      const wanted = expected.numerical[numericalCases.length + index]!;
      const [reference, production] = [summarize(testCase.reference), summarize(testCase.production)];
      assert.ok(!reference.numeric?.exact && !production.numeric?.exact, 'the sketches are compressed');
      const whole = numericalMetrics(reference, production);
      const merged = numericalMetrics(mergedOfParts(testCase.reference), mergedOfParts(testCase.production));
      for (const ours of [whole, merged]) {
        assert.ok(
          Math.abs(ours.ksStatistic! - wanted.ksStatistic) <= compressedTolerance.ksStatistic,
          `KS ${ours.ksStatistic} vs ${wanted.ksStatistic}`,
        );
        const relative = Math.abs(ours.normalizedWasserstein! - wanted.normalizedWasserstein!) / wanted.normalizedWasserstein!;
        assert.ok(
          relative <= compressedTolerance.normalizedWassersteinRelative,
          `Wasserstein/std ${ours.normalizedWasserstein} vs ${wanted.normalizedWasserstein}`,
        );
        assert.ok(Math.abs(ours.jsd! - wanted.jsd) <= compressedTolerance.jsd, `JSD ${ours.jsd} vs ${wanted.jsd}`);
        assert.ok(Math.abs(ours.psi! - wanted.psi) <= compressedTolerance.psi, `PSI ${ours.psi} vs ${wanted.psi}`);
      }
    });
  });
});

describe('driftMetric', () => {
  const numbers = summarize([1, 2, 3, 4]);
  const constant = summarize([5, 5, 5]);
  const words = summarize(['a', 'b']);

  it('refuses a metric that does not apply to the feature type', () => {
    assert.throws(
      () => driftMetric('normalized_wasserstein_distance', 'categorical', words, words),
      /does not apply to categorical features/,
    );
    assert.throws(() => driftMetric('pearsons_chi_squared_test', 'numerical', numbers, numbers), /does not apply to numerical features/);
  });

  it('gives null with a reason when a side has nothing to compare or the reference is constant', () => {
    assert.match(
      driftMetric('jensen_shannon_distance', 'numerical', words, numbers).reason ?? '',
      /reference window has no numeric values/,
    );
    assert.match(
      driftMetric('two_sample_kolmogorov_smirnov_test', 'numerical', numbers, words).reason ?? '',
      /production window has no numeric values/,
    );
    assert.equal(driftMetric('normalized_wasserstein_distance', 'numerical', constant, numbers).value, null);
    assert.match(driftMetric('pearsons_chi_squared_test', 'categorical', summarize([null]), words).reason ?? '', /no category values/);
  });

  it('puts a constant feature in one bin: no drift when production is the same constant', () => {
    assert.equal(driftMetric('jensen_shannon_distance', 'numerical', constant, constant).value, 0);
    assert.equal(driftMetric('population_stability_index', 'numerical', constant, constant).value, 0);
  });

  it('gives a chi-squared p-value of 1 with a single category', () => {
    assert.deepEqual(driftMetric('pearsons_chi_squared_test', 'categorical', summarize(['a', 'a']), summarize(['a'])), {
      value: 1,
      statistic: 0,
    });
  });
});
