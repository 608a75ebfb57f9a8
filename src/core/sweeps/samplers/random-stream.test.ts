import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { randomStream } from './random-stream.js';

const draws = (count: number, seed: number, ...keys: number[]) => {
  const stream = randomStream(seed, ...keys);
  return Array.from({ length: count }, () => stream.uniform());
};

describe('randomStream', () => {
  it('gives the same numbers for the same seed and keys, and others for another seed or key', () => {
    assert.deepEqual(draws(5, 7, 3), draws(5, 7, 3));
    assert.notDeepEqual(draws(5, 7, 3), draws(5, 8, 3));
    assert.notDeepEqual(draws(5, 7, 3), draws(5, 7, 4));
    assert.notDeepEqual(draws(5, 1), draws(5, 2 ** 32 + 1));
    assert.notDeepEqual(draws(5, 0), draws(5, 0, 0));
  });

  it('is uniform in (0, 1): mean 1/2, variance 1/12, even deciles', () => {
    const values = draws(100_000, 42);
    assert.ok(values.every((value) => value > 0 && value < 1));
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
    assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
    const deciles = new Array<number>(10).fill(0);
    for (const value of values) deciles[Math.floor(value * 10)]! += 1;
    // Chi-square with 9 degrees of freedom: above 27.9 one time in a thousand.
    const chiSquare = deciles.reduce((sum, count) => sum + (count - 10_000) ** 2 / 10_000, 0);
    assert.ok(chiSquare < 27.9, `chi-square ${chiSquare} of ${deciles}`);
  });

  it('draws whole numbers below a count, and standard normals', () => {
    const stream = randomStream(1);
    const integers = Array.from({ length: 10_000 }, () => stream.integer(3));
    assert.deepEqual([...new Set(integers)].sort(), [0, 1, 2]);
    const normals = Array.from({ length: 50_000 }, () => stream.normal());
    const mean = normals.reduce((sum, value) => sum + value, 0) / normals.length;
    const variance = normals.reduce((sum, value) => sum + (value - mean) ** 2, 0) / normals.length;
    assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  });
});
