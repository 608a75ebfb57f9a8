import type { Goal, Parameters, SampledTrial, Sampler } from '../../src/core/sweeps/sweep-types.js';

/**
 * Test functions of hyperparameter search, with their search spaces as a sweep file writes them:
 * for checking that a model-based sampler beats random search, in unit tests and benchmarks.
 */

/** Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15]: three global minima of 0.397887. */
export function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

export const braninMinimum = 0.397887;

export const braninSpace = {
  x1: { type: 'uniform', min_value: -5, max_value: 10 },
  x2: { type: 'uniform', min_value: 0, max_value: 15 },
};

const hartmannWeights = [1.0, 1.2, 3.0, 3.2];
const hartmannScales = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const hartmannCenters = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((value) => value * 1e-4));

/** Hartmann-6 on [0, 1]^6: global minimum −3.32237. */
export function hartmann6(x: readonly number[]): number {
  let sum = 0;
  hartmannWeights.forEach((weight, i) => {
    let exponent = 0;
    for (let j = 0; j < 6; j += 1) exponent += hartmannScales[i]![j]! * (x[j]! - hartmannCenters[i]![j]!) ** 2;
    sum -= weight * Math.exp(-exponent);
  });
  return sum;
}

export const hartmann6Minimum = -3.32237;

export const hartmann6Space = Object.fromEntries(
  Array.from({ length: 6 }, (_, j) => [`x${j}`, { type: 'uniform', min_value: 0, max_value: 1 }]),
);

/**
 * Runs `trials` trials one after another, each told the ones before it, and returns the best
 * objective seen (the lowest when minimising).
 */
export function bestAfter(
  sampler: Sampler,
  objective: (parameters: Parameters) => number,
  trials: number,
  goal: Goal = 'minimize',
): number {
  const history: SampledTrial[] = [];
  for (let index = 0; index < trials; index += 1) {
    const parameters = sampler.next(index, history);
    if (parameters === null) break;
    history.push({ index, parameters, objective: objective(parameters), state: 'completed' });
  }
  const objectives = history.map((trial) => trial.objective ?? Number.NaN);
  return goal === 'minimize' ? Math.min(...objectives) : Math.max(...objectives);
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
