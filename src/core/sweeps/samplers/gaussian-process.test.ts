import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choleskyFactor, inverseFromCholesky, solveLower, solveUpper } from './cholesky.js';
import { logExpectedImprovement } from './expected-improvement.js';
import { conditionGaussianProcess, defaultPriors, fitHyperparameters, type Hyperparameters, logPosterior } from './gaussian-process.js';
import { normalCdf, normalDensity } from './normal-distribution.js';
import { randomStream } from './random-stream.js';

const stream = randomStream(9);
const inputs = Array.from({ length: 25 }, () => [stream.uniform(), stream.uniform(), stream.uniform()]);
const targets = inputs.map(([a = 0, b = 0]) => Math.sin(6 * a) + b * b - 0.5);

describe('Cholesky', () => {
  it('factors, solves and inverts a symmetric positive definite matrix', () => {
    const matrix = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const lower = choleskyFactor(matrix, 3)!;
    const x = solveUpper(lower, 3, solveLower(lower, 3, [1, 2, 3]));
    const product = [0, 1, 2].map((row) => [0, 1, 2].reduce((sum, column) => sum + matrix[row * 3 + column]! * x[column]!, 0));
    for (const [row, value] of product.entries()) assert.ok(Math.abs(value - [1, 2, 3][row]!) < 1e-12);
    const inverse = inverseFromCholesky(lower, 3);
    for (let row = 0; row < 3; row += 1) {
      for (let column = 0; column < 3; column += 1) {
        const entry = [0, 1, 2].reduce((sum, k) => sum + matrix[row * 3 + k]! * inverse[k * 3 + column]!, 0);
        assert.ok(Math.abs(entry - (row === column ? 1 : 0)) < 1e-12);
      }
    }
    assert.equal(choleskyFactor(Float64Array.from([1, 2, 2, 1]), 2), null);
  });
});

describe('the Gaussian process', () => {
  it("has the log posterior's gradient that finite differences give", () => {
    const priors = defaultPriors(3);
    const at: Hyperparameters = { logLengthscales: Float64Array.from([-1, 0.2, 0.7]), logOutputScale: 0.3, logNoise: -4 };
    const { gradient } = logPosterior(inputs, targets, at, priors)!;
    const moved = (index: number, step: number): Hyperparameters => {
      const logLengthscales = at.logLengthscales.slice();
      if (index < 3) logLengthscales[index]! += step;
      return {
        logLengthscales,
        logOutputScale: at.logOutputScale + (index === 3 ? step : 0),
        logNoise: at.logNoise + (index === 4 ? step : 0),
      };
    };
    for (let index = 0; index < 5; index += 1) {
      const numeric =
        (logPosterior(inputs, targets, moved(index, 1e-5), priors)!.value -
          logPosterior(inputs, targets, moved(index, -1e-5), priors)!.value) /
        2e-5;
      assert.ok(
        Math.abs(numeric - gradient[index]!) < 1e-4 * Math.max(1, Math.abs(numeric)),
        `parameter ${index}: ${gradient[index]} against ${numeric}`,
      );
    }
  });

  it('fits hyperparameters that raise the log posterior, finds the irrelevant input, and interpolates its data', () => {
    const priors = defaultPriors(3);
    const fitted = fitHyperparameters(inputs, targets, priors);
    const start: Hyperparameters = {
      logLengthscales: new Float64Array(3).fill(priors.logLengthscale.mean),
      logOutputScale: 0,
      logNoise: priors.logNoise.mean,
    };
    assert.ok(logPosterior(inputs, targets, fitted, priors)!.value > logPosterior(inputs, targets, start, priors)!.value + 10);
    // The third input does not matter: its lengthscale is the longest.
    assert.ok(fitted.logLengthscales[2]! > Math.max(fitted.logLengthscales[0]!, fitted.logLengthscales[1]!));
    const process = conditionGaussianProcess(inputs, targets, fitted);
    inputs.forEach((input, index) => {
      const { mean, variance } = process.predict(input);
      assert.ok(Math.abs(mean - targets[index]!) < 0.05 && variance < 0.01, `at ${input}: ${mean} ± ${variance} for ${targets[index]}`);
    });
    // Away from the data, less sure.
    assert.ok(process.predict([0.5, 0.5, 5]).variance > process.predict(inputs[0]!).variance);
  });
});

describe('logExpectedImprovement', () => {
  it('is the log of σ (z Φ(z) + φ(z)), and stays finite and ordered where that underflows', () => {
    const closedForm = (mean: number, variance: number, best: number) => {
      const deviation = Math.sqrt(variance);
      const z = (best - mean) / deviation;
      return Math.log(deviation * (z * normalCdf(z) + normalDensity(z)));
    };
    const cases: Array<[number, number]> = [
      [0, 1],
      [1, 0.25],
      [-1, 4],
      [3, 1],
    ];
    for (const [mean, variance] of cases) {
      assert.ok(Math.abs(logExpectedImprovement(mean, variance, 0) - closedForm(mean, variance, 0)) < 1e-5);
    }
    const far = [10, 20, 40].map((mean) => logExpectedImprovement(mean, 1, 0));
    assert.ok(far.every(Number.isFinite));
    assert.ok(far[0]! > far[1]! && far[1]! > far[2]!);
    assert.ok(Math.abs(logExpectedImprovement(6.5, 1, 0) - closedForm(6.5, 1, 0)) < 0.01);
  });
});
