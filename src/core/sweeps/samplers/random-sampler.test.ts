import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchSpaceSchema } from '../search-space.js';
import type { ParameterValue } from '../sweep-types.js';
import { randomSampler } from './random-sampler.js';

/** `count` draws of the single parameter `x` of expression `expression`. */
function draw(expression: unknown, count = 20_000, seed = 11): ParameterValue[] {
  const sampler = randomSampler(searchSpaceSchema.parse({ x: expression }), { seed });
  return Array.from({ length: count }, (_, index) => sampler.next(index, [])!.x!);
}

function numbers(values: ParameterValue[]): number[] {
  return values.map((value) => {
    assert.equal(typeof value, 'number');
    return Number(value);
  });
}

function moments(values: number[]): { mean: number; deviation: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, deviation: Math.sqrt(variance) };
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

/** How often each value occurs, as a share of all. */
function shares(values: ParameterValue[]): Map<ParameterValue, number> {
  const counts = new Map<ParameterValue, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1 / values.length);
  return counts;
}

describe('randomSampler distributions', () => {
  it('uniform: U(min_value, max_value)', () => {
    const values = numbers(draw({ type: 'uniform', min_value: 2, max_value: 6 }));
    assert.ok(values.every((value) => value >= 2 && value <= 6));
    const { mean, deviation } = moments(values);
    close(mean, 4, 0.03, 'mean');
    close(deviation, 4 / Math.sqrt(12), 0.02, 'deviation');
  });

  it('loguniform: exp(U(min_value, max_value)), uniform on a log scale', () => {
    const values = numbers(draw({ type: 'loguniform', min_value: -3, max_value: 1 }));
    assert.ok(values.every((value) => value >= Math.exp(-3) && value <= Math.exp(1)));
    const { mean, deviation } = moments(values.map(Math.log));
    close(mean, -1, 0.03, 'mean of the log');
    close(deviation, 4 / Math.sqrt(12), 0.02, 'deviation of the log');
    // A tenth of the draws below the first tenth of the exponent's range.
    close(values.filter((value) => value < Math.exp(-2.6)).length / values.length, 0.1, 0.01, 'lowest tenth');
  });

  it('quniform: round(U / q) * q, whole numbers for a whole q, the end values half as likely', () => {
    const values = numbers(draw({ type: 'quniform', min_value: 0, max_value: 10, q: 2 }));
    assert.deepEqual(
      [...new Set(values)].sort((a, b) => a - b),
      [0, 2, 4, 6, 8, 10],
    );
    assert.ok(values.every(Number.isInteger));
    const share = shares(values);
    close(share.get(0)!, 0.1, 0.01, 'share of 0');
    close(share.get(4)!, 0.2, 0.015, 'share of 4');
    close(share.get(10)!, 0.1, 0.01, 'share of 10');
  });

  it('quniform with a fractional q: exact multiples as written (0.15, not 0.15000000000000002)', () => {
    const values = numbers(draw({ type: 'quniform', min_value: 0, max_value: 1, q: 0.05 }, 2000));
    assert.ok(
      values.every((value) => /^(0|1|0\.\d{1,2})$/.test(String(value))),
      String(values.find((value) => !/^(0|1|0\.\d{1,2})$/.test(String(value)))),
    );
    assert.equal(new Set(values).size, 21);
  });

  it('qloguniform: round(exp(U) / q) * q', () => {
    const values = numbers(draw({ type: 'qloguniform', min_value: 0, max_value: 3, q: 1 }));
    assert.ok(values.every((value) => Number.isInteger(value) && value >= 1 && value <= 20));
    // exp(U(0, 3)) < 1.5 with probability ln(1.5)/3.
    close(shares(values).get(1)!, Math.log(1.5) / 3, 0.01, 'share of 1');
  });

  it('normal: N(mu, sigma)', () => {
    const values = numbers(draw({ type: 'normal', mu: 10, sigma: 2 }));
    const { mean, deviation } = moments(values);
    close(mean, 10, 0.05, 'mean');
    close(deviation, 2, 0.04, 'deviation');
    close(values.filter((value) => value < 8).length / values.length, 0.1587, 0.01, 'share below mu - sigma');
  });

  it('lognormal: exp(N(mu, sigma))', () => {
    const values = numbers(draw({ type: 'lognormal', mu: 0, sigma: 0.5 }));
    assert.ok(values.every((value) => value > 0));
    const { mean, deviation } = moments(values.map(Math.log));
    close(mean, 0, 0.02, 'mean of the log');
    close(deviation, 0.5, 0.01, 'deviation of the log');
  });

  it('qnormal: round(N / q) * q, whole numbers for a whole q', () => {
    const values = numbers(draw({ type: 'qnormal', mu: 10, sigma: 3, q: 1 }));
    assert.ok(values.every(Number.isInteger));
    close(moments(values).mean, 10, 0.1, 'mean');
    // P(9.5 ≤ N(10, 3) < 10.5)
    close(shares(values).get(10)!, 0.1324, 0.01, 'share of 10');
  });

  it('qlognormal: round(exp(N) / q) * q', () => {
    const values = numbers(draw({ type: 'qlognormal', mu: 1, sigma: 0.5, q: 0.5 }));
    assert.ok(values.every((value) => Number.isInteger(value * 2) && value >= 0));
    // 3 or above when exp(N(1, 0.5)) ≥ 2.75: P(Z ≥ (ln 2.75 - 1) / 0.5) = 0.4907.
    close(values.filter((value) => value >= 3).length / values.length, 0.4907, 0.015, 'share of 3 and above');
  });

  it('randint: a whole number in [0, upper), each as likely', () => {
    const values = numbers(draw({ type: 'randint', upper: 5 }));
    assert.deepEqual([...new Set(values)].sort(), [0, 1, 2, 3, 4]);
    for (const share of shares(values).values()) close(share, 0.2, 0.015, 'share');
  });

  it('choice: each value as likely, literals as written', () => {
    const values = draw({ type: 'choice', values: ['adam', 0.5, false] });
    assert.deepEqual(new Set(values), new Set(['adam', 0.5, false]));
    for (const share of shares(values).values()) close(share, 1 / 3, 0.015, 'share');
  });
});

describe('randomSampler', () => {
  const space = searchSpaceSchema.parse({
    lr: { type: 'loguniform', min_value: -7, max_value: -1 },
    optimizer: { type: 'choice', values: ['sgd', { momentum: { type: 'uniform', min_value: 0.5, max_value: 0.99 }, nesterov: true }] },
  });

  it('gives the same trials for the same seed, in any order asked, and others for another seed', () => {
    const sampler = randomSampler(space, { seed: 3 });
    const inOrder = [0, 1, 2, 3].map((index) => sampler.next(index, []));
    const backwards = [3, 2, 1, 0].map((index) => randomSampler(space, { seed: 3 }).next(index, [])).reverse();
    assert.deepEqual(backwards, inOrder);
    assert.notDeepEqual(
      [0, 1, 2, 3].map((index) => randomSampler(space, { seed: 4 }).next(index, [])),
      inOrder,
    );
    assert.equal(sampler.size, Number.POSITIVE_INFINITY);
  });

  it('uses seed 0 when given none', () => {
    assert.deepEqual(randomSampler(space).next(5, []), randomSampler(space, { seed: 0 }).next(5, []));
  });

  it('adds a chosen nested space: the choice takes the branch index, the keys their values', () => {
    const trials = Array.from({ length: 200 }, (_, index) => randomSampler(space, { seed: 1 }).next(index, [])!);
    const nested = trials.filter((trial) => trial.optimizer === 1);
    const plain = trials.filter((trial) => trial.optimizer === 'sgd');
    assert.ok(nested.length > 50 && plain.length > 50);
    for (const trial of nested) {
      assert.deepEqual(Object.keys(trial).sort(), ['lr', 'momentum', 'nesterov', 'optimizer']);
      assert.equal(trial.nesterov, true);
      assert.ok(Number(trial.momentum) >= 0.5 && Number(trial.momentum) <= 0.99);
    }
    for (const trial of plain) assert.deepEqual(Object.keys(trial).sort(), ['lr', 'optimizer']);
  });
});
