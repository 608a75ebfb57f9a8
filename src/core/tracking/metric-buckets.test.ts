import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MetricBucketReducer } from './metric-buckets.js';

const feed = (reducer: MetricBucketReducer, points: Array<[number, number, number]>) => {
  for (const [step, timestamp, value] of points) reducer.add(step, timestamp, value);
  return reducer;
};

describe('MetricBucketReducer', () => {
  it('keeps the first, last, lowest and highest point of each bucket, in x order, each once', () => {
    // Two buckets over steps 0..7: [0, 4) and [4, 7].
    const reducer = feed(new MetricBucketReducer(0, 8, 2, 'step'), [
      [0, 100, 5],
      [1, 101, 9],
      [2, 102, 1],
      [3, 103, 4],
      [4, 104, 2],
      [5, 105, 2],
      [6, 106, 2],
      [7, 107, 3],
    ]);
    assert.equal(reducer.count, 8);
    assert.deepEqual(
      reducer.points().map((point) => point.step),
      [0, 1, 2, 3, 4, 7],
    );
  });

  it('takes points in any order and keeps the same ones', () => {
    const points: Array<[number, number, number]> = Array.from({ length: 1000 }, (_, step) => [
      step,
      1000 + step,
      Math.sin(step / 10) + (step === 517 ? 50 : 0),
    ]);
    const inOrder = feed(new MetricBucketReducer(0, 999, 20, 'step'), points).points();
    const shuffled = feed(new MetricBucketReducer(0, 999, 20, 'step'), [...points].reverse()).points();
    assert.deepEqual(shuffled, inOrder);
    assert.ok(inOrder.length <= 20 * 4);
    // The spike survives.
    assert.ok(inOrder.some((point) => point.step === 517 && point.value > 49));
  });

  it("keeps a bucket's first non-finite value apart from the others", () => {
    const reducer = feed(new MetricBucketReducer(0, 10, 1, 'step'), [
      [0, 0, 1],
      [3, 3, Number.NaN],
      [4, 4, Number.POSITIVE_INFINITY],
      [9, 9, 2],
    ]);
    const points = reducer.points();
    assert.deepEqual(
      points.map((point) => point.step),
      [0, 3, 9],
    );
    assert.ok(Number.isNaN(points[1]!.value));
  });

  it('buckets along time when asked, breaking ties by step', () => {
    const reducer = feed(new MetricBucketReducer(1000, 1010, 1, 'timestamp'), [
      [5, 1005, 1],
      [2, 1000, 1],
      [9, 1000, 1],
      [1, 1010, 1],
    ]);
    assert.deepEqual(
      reducer.points().map((point) => [point.step, point.timestamp]),
      // First and last along time; the lowest and highest value are the first such point added (step 5).
      [
        [2, 1000],
        [5, 1005],
        [1, 1010],
      ],
    );
  });

  it('refuses a bucket count or a range that makes no sense', () => {
    assert.throws(() => new MetricBucketReducer(0, 1, 0, 'step'), /buckets must be a whole number/);
    assert.throws(() => new MetricBucketReducer(5, 1, 10, 'step'), /not a range/);
    // One x value for every point is a range of width 0: one bucket holds them.
    assert.equal(
      feed(new MetricBucketReducer(3, 3, 10, 'step'), [
        [3, 1, 1],
        [3, 2, 5],
      ]).points().length,
      2,
    );
  });
});
