import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bestAfter, branin, braninMinimum, braninSpace, median } from '../../../../test/support/sweep-objectives.js';
import { searchSpaceSchema } from '../search-space.js';
import type { Parameters, SampledTrial } from '../sweep-types.js';
import { bayesianSampler } from './bayesian-sampler.js';
import { randomSampler } from './random-sampler.js';
import { sobolSampler } from './sobol-sampler.js';

const space = searchSpaceSchema.parse(braninSpace);
const braninOf = (parameters: Parameters) => branin(Number(parameters.x1), Number(parameters.x2));

/** `count` completed trials of the sampler, each told the ones before. */
function run(sampler: ReturnType<typeof bayesianSampler>, objective: (parameters: Parameters) => number, count: number): SampledTrial[] {
  const history: SampledTrial[] = [];
  for (let index = 0; index < count; index += 1) {
    const parameters = sampler.next(index, history)!;
    history.push({ index, parameters, objective: objective(parameters), state: 'completed' });
  }
  return history;
}

describe('bayesianSampler', () => {
  it('finds a better Branin minimum than random search: 5 seeds × 40 trials', () => {
    const bayesian = [0, 1, 2, 3, 4].map((seed) => bestAfter(bayesianSampler(space, 'minimize', { seed }), braninOf, 40));
    const random = [0, 1, 2, 3, 4].map((seed) => bestAfter(randomSampler(space, { seed }), braninOf, 40));
    assert.ok(median(bayesian) < median(random), `bayesian ${bayesian}, random ${random}`);
    // Random search's median after 40 trials is near 1; the process gets within 0.05 of the minimum.
    assert.ok(median(bayesian) < braninMinimum + 0.05, `bayesian ${bayesian}`);
  });

  it('keeps learning past a diverged trial: a huge loss is pulled in, not left to flatten the others', () => {
    const withOutlier = (parameters: Parameters) => (Number(parameters.x1) > 8 ? 1e12 : braninOf(parameters));
    const best = [0, 1, 2].map((seed) => bestAfter(bayesianSampler(space, 'minimize', { seed }), withOutlier, 30));
    assert.ok(median(best) < braninMinimum + 0.1, `best ${best}`);
  });

  it('maximises when the goal says so', () => {
    const best = bestAfter(bayesianSampler(space, 'maximize', { seed: 1 }), (parameters) => -braninOf(parameters), 30, 'maximize');
    assert.ok(best > -braninMinimum - 0.1, `best ${best}`);
  });

  it('starts with Sobol points of its seed, max(5, 2 · coordinates) of them', () => {
    const history = run(bayesianSampler(space, 'minimize', { seed: 3 }), braninOf, 6);
    const sobol = sobolSampler(space, { seed: 3 });
    assert.deepEqual(
      history.slice(0, 5).map((trial) => trial.parameters),
      [0, 1, 2, 3, 4].map((index) => sobol.next(index, [])),
    );
    assert.notDeepEqual(history[5]!.parameters, sobol.next(5, []));
  });

  it('gives the same trial for the same seed and history, another for another seed', () => {
    const history = run(bayesianSampler(space, 'minimize', { seed: 0 }), braninOf, 12);
    assert.deepEqual(
      bayesianSampler(space, 'minimize', { seed: 0 }).next(12, history),
      bayesianSampler(space, 'minimize', { seed: 0 }).next(12, history),
    );
    assert.notDeepEqual(
      bayesianSampler(space, 'minimize', { seed: 0 }).next(12, history),
      bayesianSampler(space, 'minimize', { seed: 1 }).next(12, history),
    );
  });

  it('keeps concurrent trials apart: a running trial is pending, and the next trial goes elsewhere', () => {
    const sampler = bayesianSampler(space, 'minimize', { seed: 0 });
    const history = run(sampler, braninOf, 15);
    const first = sampler.next(15, history)!;
    const second = sampler.next(16, [...history, { index: 15, parameters: first, objective: null, state: 'running' }])!;
    const distance = Math.hypot((Number(first.x1) - Number(second.x1)) / 15, (Number(first.x2) - Number(second.x2)) / 15);
    assert.ok(distance > 0.01, `${JSON.stringify(first)} and ${JSON.stringify(second)} are ${distance} apart`);
  });

  it('learns only from trials with an objective: failed ones and ones without a value are left out', () => {
    const sampler = bayesianSampler(space, 'minimize', { seed: 0 });
    const history = run(sampler, braninOf, 12);
    const noisy: SampledTrial[] = [
      ...history,
      { index: 12, parameters: { x1: 0, x2: 0 }, objective: null, state: 'failed' },
      { index: 13, parameters: { x1: 1, x2: 1 }, objective: null, state: 'completed' },
      { index: 14, parameters: { x1: 'not', x2: 'of this space' }, objective: 5, state: 'completed' },
    ];
    assert.deepEqual(sampler.next(15, noisy), sampler.next(15, history));
  });

  it('proposes values of the space: steps, whole numbers, choices and nested branches', () => {
    const mixed = searchSpaceSchema.parse({
      units: { type: 'quniform', min_value: 16, max_value: 256, q: 16 },
      layers: { type: 'randint', upper: 4 },
      lr: { type: 'qloguniform', min_value: -7, max_value: 0, q: 0.001 },
      optimizer: { type: 'choice', values: ['sgd', { momentum: { type: 'uniform', min_value: 0, max_value: 1 } }] },
    });
    const objective = (parameters: Parameters) =>
      Math.abs(Number(parameters.units) - 128) / 100 +
      Number(parameters.layers) +
      (parameters.optimizer === 1 ? Number(parameters.momentum) : 0.5);
    const history = run(bayesianSampler(mixed, 'minimize', { seed: 0 }), objective, 25);
    for (const { parameters } of history) {
      assert.equal(Number(parameters.units) % 16, 0);
      assert.ok(Number.isInteger(parameters.layers) && Number(parameters.layers) < 4);
      assert.ok(parameters.optimizer === 'sgd' || (parameters.optimizer === 1 && typeof parameters.momentum === 'number'));
    }
    // It learns the whole-number and the nested choice's lesson: few layers, the branch with a small momentum.
    const best = Math.min(...history.map((trial) => trial.objective!));
    assert.ok(best < 0.3, `best ${best}`);
  });
});
