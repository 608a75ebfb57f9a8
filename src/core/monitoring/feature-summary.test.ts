import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { draw, seededNormal, seededUniform } from '../../../test/support/seeded-random.js';
import { CATEGORY_CAP } from './category-order.js';
import { addValue, emptySummary, mergeSummaries } from './feature-summary.js';
import type { FeatureSummary } from './monitoring-types.js';
import { SKETCH_CAP } from './numeric-sketch.js';
import { SummaryBuilder, summarize } from './summary-builder.js';

/** The summary without the two floating-point sums whose last bits depend on the order of merging. */
function withoutSums(summary: FeatureSummary): unknown {
  return { ...summary, numeric: summary.numeric && { ...summary.numeric, sum: 0, m2: 0 } };
}

function assertSameSummary(actual: FeatureSummary, expected: FeatureSummary): void {
  assert.deepEqual(withoutSums(actual), withoutSums(expected));
  for (const key of ['sum', 'm2'] as const) {
    const [a, b] = [actual.numeric?.[key] ?? 0, expected.numeric?.[key] ?? 0];
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${key}: ${a} vs ${b}`);
  }
}

function shuffled<T>(values: T[], seed: number): T[] {
  const uniform = seededUniform(seed);
  const copy = [...values];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(uniform() * (index + 1));
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

describe('classifying values', () => {
  it('counts nulls, numbers, numeric strings, categories and unparsable values as documented', () => {
    const summary = summarize([
      null,
      undefined,
      Number.NaN,
      '',
      1,
      2.5,
      ' 3 ',
      '4e2',
      '-0',
      -0,
      'red',
      ' ',
      'Infinity',
      true,
      false,
      'true',
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      {},
      [1],
      10n,
      new Date(0),
    ]);
    assert.equal(summary.rows, 22);
    assert.equal(summary.nulls, 4);
    assert.equal(summary.unparsable, 6);
    assert.deepEqual(summary.numeric?.centroids, [0, 2, 1, 1, 2.5, 1, 3, 1, 400, 1]);
    assert.equal(summary.numeric?.count, 6);
    assert.equal(summary.numeric?.exact, true);
    assert.deepEqual(summary.categories, { 0: 2, 1: 1, 2.5: 1, 3: 1, 400: 1, ' ': 1, Infinity: 1, false: 1, red: 1, true: 2 });
    assert.equal(summary.otherCategories, 0);
  });

  it('makes 1, "1", "1.0" and " 1" one category, so integer codes compare as categories', () => {
    assert.deepEqual(summarize([1, '1', '1.0', ' 1', 2]).categories, { 1: 4, 2: 1 });
  });

  it('computes mean and m2 as numpy does', () => {
    const summary = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    assert.equal(summary.numeric?.sum, 40);
    assert.equal(summary.numeric?.m2, 32);
    assert.equal(summary.numeric?.min, 2);
    assert.equal(summary.numeric?.max, 9);
  });

  it('gives the same summary value by value (addValue) as in bulk (SummaryBuilder)', () => {
    const normal = seededNormal(5);
    const values = draw(() => {
      const x = normal();
      return x > 1.5 ? null : x > 1 ? 'high' : x < -1 ? String(Math.round(x * 10)) : Math.round(x * 100) / 100;
    }, 3000);
    const oneByOne = emptySummary();
    for (const value of values) addValue(oneByOne, value);
    assertSameSummary(oneByOne, summarize(values));
  });
});

describe('category cap', () => {
  it('keeps the CATEGORY_CAP smallest keys, whatever the order of the rows, and counts the rest as other', () => {
    const keys = Array.from({ length: CATEGORY_CAP + 500 }, (_, index) => `k${String(index).padStart(6, '0')}`);
    const values = shuffled([...keys, ...keys.slice(0, 100)], 7);
    const summary = summarize(values);
    assert.equal(Object.keys(summary.categories).length, CATEGORY_CAP);
    assert.deepEqual(Object.keys(summary.categories), keys.slice(0, CATEGORY_CAP));
    assert.equal(summary.categories.k000000, 2);
    assert.equal(summary.otherCategories, 500);
    assert.deepEqual(summarize(shuffled(values, 8)), summary);
  });

  it('keeps the same categories whether the rows are summarised at once or in merged parts', () => {
    const uniform = seededUniform(9);
    const values = draw(() => (uniform() < 0.5 ? Math.floor(uniform() * 8000) : `s${Math.floor(uniform() * 8000)}`), 40_000);
    const parts = [0, 1, 2, 3].map((part) => summarize(values.slice(part * 10_000, (part + 1) * 10_000)));
    const whole = summarize(values);
    assert.ok(whole.otherCategories > 0, 'the data overflows the cap');
    const leftFirst = mergeSummaries(mergeSummaries(mergeSummaries(parts[0]!, parts[1]!), parts[2]!), parts[3]!);
    const rightFirst = mergeSummaries(parts[0]!, mergeSummaries(parts[1]!, mergeSummaries(parts[2]!, parts[3]!)));
    for (const merged of [leftFirst, rightFirst]) {
      assert.deepEqual(merged.categories, whole.categories);
      assert.equal(merged.otherCategories, whole.otherCategories);
    }
  });

  it('orders numbers before strings: numbers fill the cap first', () => {
    const numbers = Array.from({ length: CATEGORY_CAP - 10 }, (_, index) => index);
    const strings = Array.from({ length: 20 }, (_, index) => `z${String(index).padStart(2, '0')}`);
    const summary = summarize([...strings, ...numbers]);
    assert.deepEqual(
      Object.keys(summary.categories).filter((key) => key.startsWith('z')),
      strings.slice(0, 10),
    );
    assert.equal(summary.otherCategories, 10);
  });
});

describe('numeric sketch', () => {
  it('stays exact up to SKETCH_CAP distinct values, then compresses to at most SKETCH_CAP centroids', () => {
    const exact = summarize(Array.from({ length: SKETCH_CAP * 3 }, (_, index) => index % SKETCH_CAP));
    assert.equal(exact.numeric?.exact, true);
    assert.equal(exact.numeric?.centroids.length, SKETCH_CAP * 2);
    assert.ok(exact.numeric?.centroids.every((value, index) => index % 2 === 0 || value === 3));

    const normal = seededNormal(11, 10, 2);
    const values = draw(normal, 50_000);
    const compressed = summarize(values).numeric!;
    assert.equal(compressed.exact, false);
    assert.ok(compressed.centroids.length / 2 <= SKETCH_CAP);
    const counts = compressed.centroids.filter((_, index) => index % 2 === 1);
    const means = compressed.centroids.filter((_, index) => index % 2 === 0);
    assert.equal(
      counts.reduce((sum, count) => sum + count, 0),
      50_000,
    );
    assert.deepEqual([compressed.min, compressed.max], [Math.min(...values), Math.max(...values)]);
    assert.deepEqual([means[0], means[means.length - 1]], [compressed.min, compressed.max]);
    assert.ok(means.every((mean, index) => index === 0 || mean >= means[index - 1]!));
    // Centroids are weighted means: together they keep the mean.
    const centroidMean = means.reduce((sum, mean, index) => sum + mean * counts[index]!, 0) / 50_000;
    assert.ok(Math.abs(centroidMean - compressed.sum / 50_000) < 1e-9);
  });

  it('keeps a heavily repeated value as its own centroid', () => {
    const normal = seededNormal(12);
    const values = draw(() => (normal() > 0.5 ? 0 : normal()), 30_000);
    const zeros = values.filter((value) => value === 0).length;
    const sketch = summarize(values).numeric!;
    const zeroIndex = sketch.centroids.findIndex((value, index) => index % 2 === 0 && value === 0);
    assert.ok(zeroIndex >= 0, 'a centroid stands exactly at 0');
    assert.equal(sketch.centroids[zeroIndex + 1], zeros);
  });

  it('is bounded: a million distinct values give at most SKETCH_CAP centroids and CATEGORY_CAP categories', () => {
    const builder = new SummaryBuilder();
    const uniform = seededUniform(13);
    const values = draw(() => uniform() * 1000, 1_000_000);
    for (const value of values) builder.add(value);
    const summary = builder.summary();
    assert.ok(summary.numeric!.centroids.length / 2 <= SKETCH_CAP);
    assert.equal(Object.keys(summary.categories).length, CATEGORY_CAP);
    assert.equal(summary.otherCategories, 1_000_000 - CATEGORY_CAP);
    // The kept categories are the smallest values.
    const smallest = Float64Array.from(values).sort().subarray(0, CATEGORY_CAP);
    assert.deepEqual(
      Object.keys(summary.categories)
        .map(Number)
        .sort((a, b) => a - b),
      [...smallest],
    );
    assert.ok(JSON.stringify(summary).length < 400_000);
  });
});

describe('mergeSummaries', () => {
  const normal = seededNormal(21);
  const values = draw(() => {
    const x = normal();
    return x > 2 ? null : x > 1.2 ? ['a', 'b', 'c'][Math.floor(x * 100) % 3] : x < -2.5 ? {} : Math.round(x * 50) / 10;
  }, 8000);
  const parts = [0, 1, 2, 3].map((part) => summarize(values.slice(part * 2000, (part + 1) * 2000)));

  it('merges exact summaries into the summary of all rows, in any grouping (associative) and order', () => {
    const whole = summarize(values);
    assert.equal(whole.numeric?.exact, true);
    const [a, b, c, d] = parts as [FeatureSummary, FeatureSummary, FeatureSummary, FeatureSummary];
    assertSameSummary(mergeSummaries(mergeSummaries(mergeSummaries(a, b), c), d), whole);
    assertSameSummary(mergeSummaries(a, mergeSummaries(b, mergeSummaries(c, d))), whole);
    assertSameSummary(mergeSummaries(mergeSummaries(d, b), mergeSummaries(c, a)), whole);
  });

  it('has the empty summary as identity', () => {
    assert.deepEqual(mergeSummaries(emptySummary(), parts[0]!), parts[0]);
    assert.deepEqual(mergeSummaries(parts[1]!, emptySummary()), parts[1]);
  });

  it('conserves counts and bounds when compressed sketches merge', () => {
    const uniform = seededUniform(22);
    const first = summarize(draw(uniform, 20_000));
    const second = summarize(draw(() => uniform() + 0.5, 30_000));
    const merged = mergeSummaries(first, second).numeric!;
    assert.equal(merged.exact, false);
    assert.equal(merged.count, 50_000);
    assert.ok(merged.centroids.length / 2 <= SKETCH_CAP);
    assert.equal(
      merged.centroids.filter((_, index) => index % 2 === 1).reduce((sum, count) => sum + count, 0),
      50_000,
    );
    assert.deepEqual([merged.min, merged.max], [first.numeric!.min, second.numeric!.max]);
  });

  it('becomes inexact when the union of two exact sketches has more than SKETCH_CAP distinct values', () => {
    const first = summarize(Array.from({ length: SKETCH_CAP }, (_, index) => index));
    const second = summarize(Array.from({ length: SKETCH_CAP }, (_, index) => index + 0.5));
    assert.equal(first.numeric?.exact, true);
    assert.equal(mergeSummaries(first, first).numeric?.exact, true);
    assert.equal(mergeSummaries(first, second).numeric?.exact, false);
  });
});

describe('JSON', () => {
  it('round-trips a summary unchanged, odd category names included', () => {
    const summary = summarize(['__proto__', 'constructor', 'toString', 1.5, -2, true, null, {}, ...draw(seededNormal(31), 5000)]);
    assert.equal(summary.numeric?.exact, false);
    const copy = JSON.parse(JSON.stringify(summary)) as FeatureSummary;
    assert.deepEqual(copy, summary);
    assert.ok(Object.hasOwn(copy.categories, '__proto__'));
    assert.equal(Object.entries(copy.categories).find(([key]) => key === '__proto__')?.[1], 1);
    assert.equal(Object.entries(mergeSummaries(copy, copy).categories).find(([key]) => key === '__proto__')?.[1], 2);
    assert.equal(mergeSummaries(copy, copy).categories.constructor, 2);
  });
});
