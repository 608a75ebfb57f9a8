import type { Goal, Sampler, SearchSpace } from '../sweep-types.js';
import { readHistory } from './observations.js';
import { type CoordinateKernels, categoricalKernels, numericKernels, parzenEstimator } from './parzen-estimator.js';
import { defaultSeed } from './random-sampler.js';
import { type RandomStream, randomStream } from './random-stream.js';
import { layOutSpace, parametersAt, type SpaceCube } from './search-space-cube.js';
import { unitBinOf, unitOf, valueAt } from './unit-interval.js';

/** Trials drawn at random before the estimators are used (Optuna's n_startup_trials). */
export const tpeStartupTrials = 10;
/** Candidates drawn from the good trials' density (Optuna's n_ei_candidates). */
const candidateCount = 24;

/** How many of `count` trials count as good: γ(n) = min(⌈0.1 n⌉, 25), Optuna's default gamma. */
function goodCount(count: number): number {
  return Math.min(Math.ceil(0.1 * count), 25);
}

/**
 * Optuna's default_weights: the 25 most recent trials weigh 1, older ones less and less (a ramp
 * up from 1/n), so the estimators follow where the search has moved. `count` trials, oldest first.
 */
function recencyWeights(count: number): number[] {
  if (count < 25) return new Array<number>(count).fill(1);
  const ramp = count - 25;
  const step = ramp > 1 ? (1 - 1 / count) / (ramp - 1) : 0;
  return [...Array.from({ length: ramp }, (_, index) => 1 / count + step * index), ...new Array<number>(25).fill(1)];
}

/** A trial as the estimators see it: its index and its value per coordinate. */
interface Point {
  index: number;
  values: ReadonlyArray<number | null>;
}

/**
 * A tree-structured Parzen estimator (Bergstra et al. 2011) with the defaults of Optuna's
 * TPESampler for one objective (multivariate, constant liar): the first `tpeStartupTrials`
 * trials with an objective are random; then the trials are split into the γ best and the rest
 * (running trials join the rest, so concurrent trials keep apart), a Parzen estimator built over
 * each (l and g, parzen-estimator.ts), 24 candidates drawn from l, and the one with the largest
 * l/g taken (which maximises expected improvement under TPE's model).
 *
 * The coordinates every trial has (the top-level expressions) are modelled jointly; a nested
 * coordinate on its own, from the trials that took its branch (Optuna samples a parameter
 * outside the common search space independently too). Numeric coordinates are modelled in their
 * unit interval (log scale for log expressions, quantiles for normal ones), a quantised or whole
 * value scored by the mass of its step; a choice is categorical. Stopped trials count with their
 * last value.
 */
export function tpeSampler(space: SearchSpace, goal: Goal, options: { seed?: number } = {}): Sampler {
  const cube = layOutSpace(space);
  const seed = options.seed ?? defaultSeed;
  return {
    size: Number.POSITIVE_INFINITY,
    next: (index, history) => {
      const { observations, pending } = readHistory(cube, history, goal);
      if (observations.length < tpeStartupTrials) {
        const stream = randomStream(seed, index);
        return parametersAt(
          cube,
          cube.dimensions.map(() => stream.uniform()),
        );
      }
      const ranked = [...observations].sort((a, b) => a.loss - b.loss || a.index - b.index);
      const goodOnes = ranked.slice(0, goodCount(observations.length));
      const rest = [...ranked.slice(goodOnes.length), ...pending];
      const byIndex = (a: Point, b: Point) => a.index - b.index;
      const [good, bad] = [goodOnes.sort(byIndex), rest.sort(byIndex)];

      const stream = randomStream(seed, index, 0x7be);
      const point: number[] = cube.dimensions.map(() => 0.5);
      const everywhere = cube.dimensions.map((_, position) => [...good, ...bad].every((trial) => trial.values[position] !== null));
      const joint = cube.dimensions.map((_, position) => position).filter((position) => everywhere[position]);
      const apart = cube.dimensions.map((_, position) => position).filter((position) => !everywhere[position]);
      for (const group of [joint, ...apart.map((position) => [position])]) {
        if (group.length === 0) continue;
        const chosen = bestCandidate(cube, group, good, bad, stream);
        group.forEach((position, member) => {
          point[position] = chosen[member]!;
        });
      }
      return parametersAt(cube, point);
    },
  };
}

/** The unit coordinates, for the `group` of coordinates, of the candidate with the largest l/g. */
function bestCandidate(
  cube: SpaceCube,
  group: readonly number[],
  good: readonly Point[],
  bad: readonly Point[],
  stream: RandomStream,
): number[] {
  const kernelsOf = (trials: readonly Point[]) => {
    const present = trials.filter((trial) => group.every((position) => trial.values[position] !== null));
    const coordinates = group.map((position): CoordinateKernels => {
      const { expression } = cube.dimensions[position]!;
      const values = present.map((trial) => trial.values[position]!);
      return expression.type === 'choice'
        ? categoricalKernels(values, expression.values.length)
        : numericKernels(values.map((value) => unitOf(expression, value)));
    });
    return parzenEstimator(coordinates, recencyWeights(present.length));
  };
  const [below, above] = [kernelsOf(good), kernelsOf(bad)];

  let best = { units: group.map(() => 0.5), score: Number.NEGATIVE_INFINITY };
  for (let count = 0; count < candidateCount; count += 1) {
    const drawn = below.sample(stream);
    // A choice's draw is its index; a numeric draw is rounded to the value it gives, and scored over that value's step.
    const bins = group.map((position, member) => {
      const { expression } = cube.dimensions[position]!;
      const draw = drawn[member]!;
      return expression.type === 'choice' ? { low: draw, high: draw } : unitBinOf(expression, valueAt(expression, draw));
    });
    const score = below.logDensity(bins) - above.logDensity(bins);
    if (score > best.score) {
      const units = group.map((position, member) => {
        const { expression } = cube.dimensions[position]!;
        return expression.type === 'choice' ? (drawn[member]! + 0.5) / expression.values.length : drawn[member]!;
      });
      best = { units, score };
    }
  }
  return best.units;
}
