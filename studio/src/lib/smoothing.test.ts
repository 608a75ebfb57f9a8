import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { smooth } from './smoothing.js';

describe('smooth', () => {
  it('leaves the series as it is at weight 0', () => {
    assert.deepEqual(smooth([1, 5, 2], 0), [1, 5, 2]);
  });

  it('is bias-corrected: a constant series stays constant from the first point', () => {
    assert.deepEqual(
      smooth([3, 3, 3], 0.9).map((value) => Number(value.toFixed(10))),
      [3, 3, 3],
    );
  });

  it('follows a step slowly at a high weight', () => {
    const smoothed = smooth([0, 0, 0, 10, 10, 10], 0.5);
    assert.equal(smoothed[2], 0);
    assert.ok(smoothed[3]! > 0 && smoothed[3]! < 10);
    assert.ok(smoothed[5]! > smoothed[3]!);
  });

  it('passes non-finite values through without letting them into the average', () => {
    const smoothed = smooth([1, Number.NaN, 1, Number.POSITIVE_INFINITY, 1], 0.8);
    assert.ok(Number.isNaN(smoothed[1]));
    assert.equal(smoothed[3], Number.POSITIVE_INFINITY);
    assert.equal(Number(smoothed[4]!.toFixed(10)), 1);
  });
});
