import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededExponential, seededNormal, seededUniform } from '../../../test/support/seeded-random.js';
import { createFloat64Sorter } from './float64-sort.js';

function sortedBoth(values: number[]): { ours: number[]; builtIn: number[] } {
  const buffer = new Float64Array(values.length + 5).fill(Number.NaN);
  buffer.set(values);
  createFloat64Sorter(values.length + 5)(buffer, values.length);
  // Beyond `length` nothing is touched.
  assert.ok(buffer.subarray(values.length).every(Number.isNaN));
  return { ours: [...buffer.subarray(0, values.length)], builtIn: [...Float64Array.from(values).sort()] };
}

describe('createFloat64Sorter', () => {
  const uniform = seededUniform(1);
  const normal = seededNormal(2);
  const exponential = seededExponential(3);
  const cases: Record<string, number[]> = {
    empty: [],
    one: [4.5],
    two: [3, -3],
    uniform: Array.from({ length: 20_000 }, () => uniform() * 200 - 100),
    normal: Array.from({ length: 16_384 }, () => normal()),
    'skewed (exponential)': Array.from({ length: 16_384 }, () => exponential()),
    'very skewed (lognormal, sigma 6)': Array.from({ length: 16_384 }, () => Math.exp(6 * normal())),
    'heavy ties (5 integers)': Array.from({ length: 16_384 }, () => Math.floor(uniform() * 5) - 2),
    constant: Array.from({ length: 1000 }, () => 7),
    'a range too wide to divide': Array.from({ length: 5000 }, (_, index) =>
      index % 3 === 0 ? -1.5e308 : index % 3 === 1 ? 1.5e308 : uniform(),
    ),
    'tiny and huge magnitudes': Array.from({ length: 5000 }, () => (uniform() < 0.5 ? 1e-300 : 1e300) * normal()),
  };
  for (const [name, values] of Object.entries(cases)) {
    it(`sorts ${name} as Float64Array.prototype.sort does`, () => {
      const { ours, builtIn } = sortedBoth(values);
      assert.deepEqual(ours, builtIn);
    });
  }

  it('refuses more values than its capacity', () => {
    assert.throws(() => createFloat64Sorter(4)(new Float64Array(8), 8), RangeError);
  });
});
