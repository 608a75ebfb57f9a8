import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { categoricalKernels, numericKernels, parzenEstimator } from './parzen-estimator.js';
import { randomStream } from './random-stream.js';

describe('Parzen estimators', () => {
  it('integrates to one over the unit interval, and piles density where the observations are', () => {
    // Thirty observations near 0.25, one at 0.9: kernels as narrow as 1/32 (the clip for 31 observations).
    const observed = [...Array.from({ length: 30 }, (_, index) => 0.2 + index / 300), 0.9];
    const estimator = parzenEstimator(
      [numericKernels(observed)],
      observed.map(() => 1),
    );
    const steps = 2000;
    let integral = 0;
    for (let step = 0; step < steps; step += 1) {
      const x = (step + 0.5) / steps;
      integral += Math.exp(estimator.logDensity([{ low: x, high: x }])) / steps;
    }
    assert.ok(Math.abs(integral - 1) < 1e-3, `integral ${integral}`);
    assert.ok(estimator.logDensity([{ low: 0.25, high: 0.25 }]) > estimator.logDensity([{ low: 0.6, high: 0.6 }]) + 1);
  });

  it('gives a bin its mass: bins that tile the interval sum to one', () => {
    const estimator = parzenEstimator([numericKernels([0.1, 0.5])], [1, 1]);
    const total = [0, 0.25, 0.5, 0.75].reduce((sum, low) => sum + Math.exp(estimator.logDensity([{ low, high: low + 0.25 }])), 0);
    assert.ok(Math.abs(total - 1) < 1e-6, `total ${total}`);
  });

  it('draws inside the interval, near the observations', () => {
    const observed = Array.from({ length: 40 }, (_, index) => 0.01 + index / 2000);
    const estimator = parzenEstimator(
      [numericKernels(observed)],
      observed.map(() => 1),
    );
    const stream = randomStream(0);
    const draws = Array.from({ length: 2000 }, () => estimator.sample(stream)[0]!);
    assert.ok(draws.every((draw) => draw > 0 && draw < 1));
    // All but the prior's share (1 in 41) within 0.1 of the observations, none below 0.
    assert.ok(draws.filter((draw) => draw < 0.13).length > 1850, String(draws.filter((draw) => draw < 0.13).length));
  });

  it('weighs a choice by its observations, with the prior spread over all values', () => {
    const estimator = parzenEstimator([categoricalKernels([2, 2, 0], 3)], [1, 1, 1]);
    const probabilities = [0, 1, 2].map((index) => Math.exp(estimator.logDensity([{ low: index, high: index }])));
    assert.ok(Math.abs(probabilities.reduce((a, b) => a + b) - 1) < 1e-12);
    assert.ok(probabilities[2]! > probabilities[0]! && probabilities[0]! > probabilities[1]! && probabilities[1]! > 0);
  });

  it('models coordinates jointly: a product of kernels per observation', () => {
    // Ten observations near (0.1, 0.1), ten near (0.9, 0.9): each coordinate alone cannot tell (0.1, 0.9) from them.
    const observed = [
      ...Array.from({ length: 10 }, (_, index) => 0.1 + index / 1000),
      ...Array.from({ length: 10 }, (_, index) => 0.9 - index / 1000),
    ];
    const estimator = parzenEstimator(
      [numericKernels(observed), numericKernels(observed)],
      observed.map(() => 1),
      0.01,
    );
    const at = (x: number, y: number) =>
      estimator.logDensity([
        { low: x, high: x },
        { low: y, high: y },
      ]);
    assert.ok(at(0.1, 0.1) > at(0.1, 0.9) + 2);
  });
});
