import { inverseNormalCdf, normalCdf } from './normal-distribution.js';
import type { RandomStream } from './random-stream.js';

/**
 * The Parzen estimators of a tree-structured Parzen estimator, as Optuna's TPESampler builds
 * them: a mixture with one component per observed trial and one for the prior, each component
 * a product of one kernel per coordinate.
 *
 * Numeric coordinates live in the unit interval of unit-interval.ts (so log expressions are on
 * a log scale and normal ones on their quantiles), each kernel a normal truncated to [0, 1],
 * the prior's N(0.5, 1) truncated; a discrete value (a step, a whole number) is scored by the
 * mass of its bin. Choices are categorical: an observation's kernel puts most of its weight on
 * its own value, the prior's on all alike.
 */

/** One coordinate's kernels: one per observation, then the prior's. */
export interface CoordinateKernels {
  /** A draw from kernel `kernel`: a unit coordinate, or a choice's index. */
  sample(kernel: number, stream: RandomStream): number;
  /** Each kernel's log density at a point (low = high), or log mass over the bin [low, high] (a choice: its index). */
  logDensities(low: number, high: number): number[];
}

/**
 * Numeric kernels over [0, 1]. Each observation's width is the larger gap to its neighbours
 * among the sorted observations (the outermost use their inner gap: Optuna's
 * consider_endpoints=False), clipped to [1 / min(100, kernels + 1), 1] (its "magic clip").
 */
export function numericKernels(observed: readonly number[]): CoordinateKernels {
  const order = observed.map((_, index) => index).sort((a, b) => observed[a]! - observed[b]!);
  const sorted = [0, ...order.map((index) => observed[index]!), 1];
  const minimumDeviation = 1 / Math.min(100, observed.length + 2);
  const deviations = new Array<number>(observed.length);
  order.forEach((index, position) => {
    // sorted[position + 1] is this observation, between the interval's ends.
    let gap = Math.max(sorted[position + 1]! - sorted[position]!, sorted[position + 2]! - sorted[position + 1]!);
    if (observed.length >= 2 && position === 0) gap = sorted[2]! - sorted[1]!;
    if (observed.length >= 2 && position === observed.length - 1) gap = sorted[position + 1]! - sorted[position]!;
    deviations[index] = Math.min(1, Math.max(minimumDeviation, gap));
  });
  const kernels = [...observed.map((mean, index) => truncatedNormal(mean, deviations[index]!)), truncatedNormal(0.5, 1)];
  return {
    sample: (kernel, stream) => kernels[kernel]!.sample(stream),
    logDensities: (low, high) => kernels.map((kernel) => kernel.logDensity(low, high)),
  };
}

/** A normal truncated to [0, 1]. */
function truncatedNormal(mean: number, deviation: number) {
  const lower = normalCdf(-mean / deviation);
  const upper = normalCdf((1 - mean) / deviation);
  const logMass = Math.log(Math.max(upper - lower, 1e-300));
  const logKernel = (x: number) => {
    const z = (x - mean) / deviation;
    return -0.5 * z * z - Math.log(deviation) - 0.5 * Math.log(2 * Math.PI);
  };
  return {
    sample: (stream: RandomStream) => {
      const draw = mean + deviation * inverseNormalCdf(lower + stream.uniform() * (upper - lower));
      return Math.min(1 - 1e-12, Math.max(1e-12, draw));
    },
    logDensity: (low: number, high: number) => {
      if (!(high > low)) return logKernel(low) - logMass;
      const mass = normalCdf((high - mean) / deviation) - normalCdf((low - mean) / deviation);
      // A bin so far out that its mass underflows: the density at its middle times its width.
      return (mass > 0 ? Math.log(mass) : logKernel((low + high) / 2) + Math.log(high - low)) - logMass;
    },
  };
}

/**
 * Categorical kernels over a choice's `count` values: an observation's row puts
 * priorWeight / kernels on every value and one more on its own, normalised; the prior's row
 * is even.
 */
export function categoricalKernels(observed: readonly number[], count: number, priorWeight = 1): CoordinateKernels {
  const spread = priorWeight / (observed.length + 1);
  const rows = [...observed, null].map((own) => {
    const mass = new Array<number>(count).fill(own === null ? 1 : spread);
    if (own !== null) mass[own]! += 1;
    const sum = mass.reduce((a, b) => a + b, 0);
    return mass.map((value) => value / sum);
  });
  return {
    sample: (kernel, stream) => {
      let rest = stream.uniform();
      const row = rows[kernel]!;
      for (let index = 0; index < count; index += 1) {
        rest -= row[index]!;
        if (rest <= 0) return index;
      }
      return count - 1;
    },
    logDensities: (index) => rows.map((row) => Math.log(row[index] ?? 0)),
  };
}

/** A mixture of products of kernels, to draw points from and score them. */
export interface ParzenEstimator {
  /** A point: per coordinate, a unit coordinate or a choice's index. */
  sample(stream: RandomStream): number[];
  /** The log density at a point given per coordinate as a bin [low, high] (see CoordinateKernels). */
  logDensity(bins: ReadonlyArray<{ low: number; high: number }>): number;
}

/**
 * The mixture over `coordinates` (their kernels in the same order): observation k weighs
 * `weights[k]`, the prior `priorWeight`, normalised.
 */
export function parzenEstimator(coordinates: readonly CoordinateKernels[], weights: readonly number[], priorWeight = 1): ParzenEstimator {
  const all = [...weights, priorWeight];
  const total = all.reduce((sum, weight) => sum + weight, 0);
  const logWeights = all.map((weight) => Math.log(weight / total));
  return {
    sample: (stream) => {
      let rest = stream.uniform() * total;
      let kernel = all.findIndex((weight) => {
        rest -= weight;
        return rest <= 0;
      });
      if (kernel < 0) kernel = all.length - 1;
      return coordinates.map((coordinate) => coordinate.sample(kernel, stream));
    },
    logDensity: (bins) => {
      const terms = [...logWeights];
      coordinates.forEach((coordinate, position) => {
        const bin = bins[position]!;
        coordinate.logDensities(bin.low, bin.high).forEach((value, kernel) => {
          terms[kernel]! += value;
        });
      });
      return logSumExp(terms);
    },
  };
}

function logSumExp(terms: readonly number[]): number {
  const largest = Math.max(...terms);
  if (!Number.isFinite(largest)) return largest;
  return largest + Math.log(terms.reduce((sum, term) => sum + Math.exp(term - largest), 0));
}
