import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inverseNormalCdf, logNormalCdf, normalCdf, normalDensity } from './normal-distribution.js';

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);

describe('the normal distribution', () => {
  it('has the textbook values', () => {
    close(normalDensity(0), 0.3989422804014327, 1e-15);
    close(normalCdf(0), 0.5, 1e-7);
    close(normalCdf(1.959963984540054), 0.975, 1e-7);
    close(normalCdf(-3), 0.0013498980316301, 1e-9);
    close(inverseNormalCdf(0.975), 1.959963984540054, 1e-8);
    close(inverseNormalCdf(0.001), -3.090232306167813, 1e-8);
    close(inverseNormalCdf(0.5), 0, 1e-12);
    assert.equal(inverseNormalCdf(0), Number.NEGATIVE_INFINITY);
  });

  it('inverts: Φ(Φ⁻¹(p)) = p across (0, 1)', () => {
    for (const p of [1e-9, 1e-4, 0.02, 0.3, 0.5, 0.77, 0.99, 1 - 1e-6]) close(normalCdf(inverseNormalCdf(p)), p, p * 1e-6 + 1e-9);
  });

  it('keeps log Φ finite far into the lower tail', () => {
    close(logNormalCdf(-40), -804.608442013754, 1e-3);
    close(logNormalCdf(2), Math.log(0.9772498680518208), 1e-7);
  });
});
