import type { Goal, Parameters, Sampler, SearchSpace } from '../sweep-types.js';
import { logExpectedImprovement } from './expected-improvement.js';
import { conditionGaussianProcess, defaultPriors, fitHyperparameters, type GaussianProcess } from './gaussian-process.js';
import { type Observation, type PendingTrial, readHistory } from './observations.js';
import { defaultSeed } from './random-sampler.js';
import { type RandomStream, randomStream } from './random-stream.js';
import { dimensionValues, layOutSpace, parametersAt, type SpaceCube } from './search-space-cube.js';
import { sobolSampler } from './sobol-sampler.js';
import { sobolDimensions } from './sobol-sequence.js';
import { unitOf } from './unit-interval.js';

/**
 * Bayesian optimisation: a Gaussian process (gaussian-process.ts) fitted to the trials so far,
 * and the next trial where its expected improvement is largest.
 *
 * - The first max(5, 2 · coordinates) trials with an objective are an initial design: Sobol
 *   points of the seed (random ones past Sobol's 64 coordinates).
 * - The process sees each trial in the unit cube: an expression's unit coordinate (log scale
 *   for log expressions, quantiles for normal ones, the middle of its step for quantised
 *   ones), a choice one-hot; a nested expression whose branch was not chosen sits at 0.5.
 * - Objectives are standardised, far-off bad ones first pulled in to Tukey's upper fence; the
 *   hyperparameters are refitted for every trial, on the best and most recent 100 at most.
 * - Running trials are pending: each joins the data with the mean objective as its value
 *   (a constant liar), so the process is sure of nothing new there and concurrent trials differ.
 * - Expected improvement is maximised over random points of the cube, perturbations of the
 *   best trials, then a few rounds of smaller perturbations of the best candidates; each
 *   candidate is rounded to the values it stands for (a step, a choice) before it is scored.
 *
 * Deterministic: the same seed, index and history give the same trial.
 */
export function bayesianSampler(space: SearchSpace, goal: Goal, options: { seed?: number } = {}): Sampler {
  const cube = layOutSpace(space);
  const seed = options.seed ?? defaultSeed;
  const initialDesign = cube.dimensions.length <= sobolDimensions ? sobolSampler(space, { seed }) : null;
  const startupTrials = Math.max(5, 2 * cube.dimensions.length);
  return {
    size: Number.POSITIVE_INFINITY,
    next: (index, history) => {
      const { observations, pending } = readHistory(cube, history, goal);
      if (observations.length < startupTrials) {
        if (initialDesign) return initialDesign.next(index, history);
        const stream = randomStream(seed, index);
        return parametersAt(
          cube,
          cube.dimensions.map(() => stream.uniform()),
        );
      }
      return proposeTrial(cube, observations, pending, randomStream(seed, index, 0xba7e5));
    },
  };
}

/** At most this many trials train the process, so a long sweep stays fast: a fit costs the cube of their number. */
const maximumTrainingTrials = 100;

/** The trials the process learns from: all, or the best half of the budget and the most recent rest. */
function trainingTrials(observations: readonly Observation[]): readonly Observation[] {
  if (observations.length <= maximumTrainingTrials) return observations;
  const best = [...observations].sort((a, b) => a.loss - b.loss).slice(0, maximumTrainingTrials / 2);
  const chosen = new Set(best);
  const recent = observations.filter((observation) => !chosen.has(observation)).slice(-(maximumTrainingTrials - best.length));
  return [...best, ...recent];
}

function proposeTrial(
  cube: SpaceCube,
  observations: readonly Observation[],
  pending: readonly PendingTrial[],
  stream: RandomStream,
): Parameters {
  const training = trainingTrials(observations);
  const losses = cappedLosses(training.map((observation) => observation.loss));
  const mean = losses.reduce((sum, loss) => sum + loss, 0) / losses.length;
  const deviation = Math.sqrt(losses.reduce((sum, loss) => sum + (loss - mean) ** 2, 0) / losses.length) || 1;
  const targets = losses.map((loss) => (loss - mean) / deviation);
  const inputs = training.map((observation) => features(cube, observation.values));

  const hyperparameters = fitHyperparameters(inputs, targets, defaultPriors(inputs[0]!.length));
  // Pending trials at the mean (0 once standardised): nothing is expected of them, but nothing new is learnt there either.
  const process = conditionGaussianProcess(
    [...inputs, ...pending.map((trial) => features(cube, trial.values))],
    [...targets, ...pending.map(() => 0)],
    hyperparameters,
  );
  const best = Math.min(...targets);
  const score = (point: number[]): Candidate => scoreCandidate(cube, process, best, point);

  const candidates: Candidate[] = [];
  for (let count = 0; count < 1000; count += 1) candidates.push(score(cube.dimensions.map(() => stream.uniform())));
  const bestTrials = [...training].sort((a, b) => a.loss - b.loss).slice(0, 5);
  for (const observation of bestTrials) {
    const center = unitPoint(cube, observation.values, stream);
    for (let count = 0; count < 200; count += 1) {
      candidates.push(score(perturb(center, [0.01, 0.03, 0.1, 0.3][count % 4]!, stream)));
    }
  }
  // Polish the leaders with ever smaller steps.
  let leaders = candidates.sort((a, b) => b.score - a.score).slice(0, 5);
  for (const spread of [0.05, 0.02, 0.005]) {
    leaders = leaders
      .flatMap((leader) => [leader, ...Array.from({ length: 40 }, () => score(perturb(leader.point, spread, stream)))])
      .sort((a, b) => b.score - a.score)
      .slice(0, 5);
  }
  return leaders[0]!.parameters;
}

/**
 * Losses with the far-off bad ones pulled in to Tukey's upper fence (the third quartile plus 1.5
 * times the interquartile range): one diverged trial would otherwise squash every other
 * difference once standardised, and leave the process nothing to learn about the good region.
 */
function cappedLosses(losses: readonly number[]): number[] {
  const sorted = [...losses].sort((a, b) => a - b);
  const quantile = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * (sorted.length - 1)))]!;
  const fence = quantile(0.75) + 1.5 * (quantile(0.75) - quantile(0.25));
  return losses.map((loss) => Math.min(loss, fence));
}

interface Candidate {
  point: number[];
  parameters: Parameters;
  score: number;
}

/** A point's trial and the log expected improvement of the trial it rounds to. */
function scoreCandidate(cube: SpaceCube, process: GaussianProcess, best: number, point: number[]): Candidate {
  const parameters = parametersAt(cube, point);
  const values = dimensionValues(cube, parameters) ?? [];
  const { mean, variance } = process.predict(features(cube, values));
  return { point, parameters, score: logExpectedImprovement(mean, variance, best) };
}

/** A copy of `point` with some coordinates moved by N(0, spread²), kept inside (0, 1). */
function perturb(point: readonly number[], spread: number, stream: RandomStream): number[] {
  // Move a few coordinates at a time (at least one), as a local search in many dimensions should.
  const share = Math.min(1, Math.max(0.2, 2 / point.length));
  const moved = stream.integer(point.length);
  return point.map((coordinate, dimension) => {
    if (dimension !== moved && stream.uniform() > share) return coordinate;
    return Math.min(1 - 1e-9, Math.max(1e-9, coordinate + spread * stream.normal()));
  });
}

/** The unit coordinates a trial's values stand for; a coordinate of a branch not chosen is drawn at random. */
function unitPoint(cube: SpaceCube, values: ReadonlyArray<number | null>, stream: RandomStream): number[] {
  return cube.dimensions.map((dimension, index) => {
    const value = values[index];
    return value === null || value === undefined ? stream.uniform() : unitOf(dimension.expression, value);
  });
}

/** A trial as the process sees it: a unit coordinate per expression, a choice one-hot (nothing for a single value). */
function features(cube: SpaceCube, values: ReadonlyArray<number | null>): Float64Array {
  const encoded: number[] = [];
  cube.dimensions.forEach((dimension, index) => {
    const value = values[index] ?? null;
    const { expression } = dimension;
    if (expression.type === 'choice') {
      if (expression.values.length < 2) return;
      for (let option = 0; option < expression.values.length; option += 1) encoded.push(value === option ? 1 : 0);
      return;
    }
    encoded.push(value === null ? 0.5 : unitOf(expression, value));
  });
  return Float64Array.from(encoded);
}
