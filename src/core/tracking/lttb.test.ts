import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsampleLttb } from './lttb.js';

const range = (length: number) => Array.from({ length }, (_, i) => i);

function isStrictlyIncreasing(values: number[]): boolean {
  return values.every((value, i) => i === 0 || value > values[i - 1]!);
}

describe('downsampleLttb', () => {
  it('keeps the first and last point and returns exactly threshold indices', () => {
    const xs = range(10_000);
    const ys = xs.map((x) => Math.sin(x / 100) + (x % 7) / 10);
    for (const threshold of [3, 4, 10, 500, 9_999]) {
      const kept = downsampleLttb(xs, ys, threshold);
      assert.equal(kept.length, threshold);
      assert.equal(kept[0], 0);
      assert.equal(kept.at(-1), 9_999);
    }
  });

  it('returns indices in ascending order, so x order is preserved', () => {
    const xs = range(5_000).map((i) => i * 3 + (i % 2));
    const ys = xs.map((x) => Math.cos(x / 50) * x);
    const kept = downsampleLttb(Float64Array.from(xs), Float64Array.from(ys), 300);
    assert.ok(isStrictlyIncreasing(kept));
    assert.ok(isStrictlyIncreasing(kept.map((i) => xs[i]!)));
  });

  it('keeps a single spike in a flat series', () => {
    const xs = range(1_000);
    const ys = xs.map((x) => (x === 617 ? 50 : 1));
    const kept = downsampleLttb(xs, ys, 20);
    assert.ok(kept.includes(617), `the spike at 617 was dropped: ${kept.join(',')}`);
  });

  it('keeps the extremes of a sawtooth that a stride would miss', () => {
    // Peaks at 50, 150, 250, ...: a stride of 10 from 0 never lands on them.
    const xs = range(1_000);
    const ys = xs.map((x) => Math.abs(((x + 50) % 100) - 50));
    const kept = downsampleLttb(xs, ys, 102);
    const peaks = kept.filter((i) => ys[i] === 50);
    assert.ok(peaks.length >= 9, `only ${peaks.length} of 10 peaks kept`);
  });

  it('returns every index when the series is no longer than the threshold', () => {
    assert.deepEqual(downsampleLttb([1, 2, 3], [5, 6, 7], 3), [0, 1, 2]);
    assert.deepEqual(downsampleLttb([1, 2], [5, 6], 1000), [0, 1]);
    assert.deepEqual(downsampleLttb([], [], 10), []);
    assert.deepEqual(downsampleLttb([7], [Number.NaN], 3), [0]);
  });

  it('handles thresholds below 3: the ends, the last point, or nothing', () => {
    const xs = range(10);
    assert.deepEqual(downsampleLttb(xs, xs, 2), [0, 9]);
    assert.deepEqual(downsampleLttb(xs, xs, 1), [9]);
    assert.deepEqual(downsampleLttb(xs, xs, 0), []);
    assert.deepEqual(downsampleLttb(xs, xs, 4.9), downsampleLttb(xs, xs, 4));
  });

  it('refuses a negative or NaN threshold and mismatched columns', () => {
    assert.throws(() => downsampleLttb([1, 2], [1, 2], -1), RangeError);
    assert.throws(() => downsampleLttb([1, 2], [1, 2], Number.NaN), RangeError);
    assert.throws(() => downsampleLttb([1, 2, 3], [1, 2], 2), /xs has 3 values and ys 2/);
  });

  it('keeps a lone NaN or Infinity in a bucket and still returns exactly threshold points', () => {
    const xs = range(1_000);
    const ys = xs.map((x) => Math.sin(x / 30));
    ys[333] = Number.NaN;
    ys[666] = Number.POSITIVE_INFINITY;
    ys[900] = Number.NEGATIVE_INFINITY;
    const kept = downsampleLttb(xs, ys, 50);
    assert.equal(kept.length, 50);
    for (const index of [333, 666, 900]) assert.ok(kept.includes(index), `non-finite point ${index} was dropped`);
    assert.ok(isStrictlyIncreasing(kept));
  });

  it('keeps the shape around non-finite points: areas never become NaN', () => {
    // A NaN right after the first point, then a flat series with one spike: the spike must still win its bucket.
    const xs = range(1_000);
    const ys: number[] = xs.map((x) => (x === 500 ? 9 : 0));
    ys[0] = Number.NaN;
    ys[1] = Number.NaN;
    const kept = downsampleLttb(xs, ys, 20);
    assert.equal(kept.length, 20);
    assert.ok(kept.includes(1));
    assert.ok(kept.includes(500), `the spike at 500 was dropped: ${kept.join(',')}`);
  });

  it('copes with a series that is all NaN or diverges to NaN for good', () => {
    const xs = range(200);
    const allNaN = xs.map(() => Number.NaN);
    const kept = downsampleLttb(xs, allNaN, 10);
    assert.equal(kept.length, 10);
    assert.ok(isStrictlyIncreasing(kept));
    assert.equal(kept[0], 0);
    assert.equal(kept.at(-1), 199);

    const diverging = xs.map((x) => (x < 120 ? 1 / (x + 1) : Number.NaN));
    const keptDiverging = downsampleLttb(xs, diverging, 10);
    assert.equal(keptDiverging.length, 10);
    assert.ok(
      keptDiverging.some((i) => i >= 120),
      'the divergence is not visible',
    );
    assert.ok(
      keptDiverging.some((i) => i > 0 && i < 120),
      'the finite part is not visible',
    );
  });

  it('downsamples a million points quickly', () => {
    const length = 1_000_000;
    const xs = new Float64Array(length);
    const ys = new Float64Array(length);
    for (let i = 0; i < length; i++) {
      xs[i] = i;
      ys[i] = Math.sin(i / 1000) + Math.random() / 10;
    }
    const started = performance.now();
    const kept = downsampleLttb(xs, ys, 1000);
    const elapsed = performance.now() - started;
    assert.equal(kept.length, 1000);
    assert.ok(elapsed < 1000, `took ${elapsed.toFixed(0)} ms`);
  });
});
