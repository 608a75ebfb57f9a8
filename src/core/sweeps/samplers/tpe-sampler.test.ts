import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branin, braninSpace, median } from '../../../../test/support/sweep-objectives.js';
import { searchSpaceSchema } from '../search-space.js';
import type { Parameters, Sampler, SampledTrial } from '../sweep-types.js';
import { randomSampler } from './random-sampler.js';
import { tpeSampler, tpeStartupTrials } from './tpe-sampler.js';

const space = searchSpaceSchema.parse(braninSpace);
const braninOf = (parameters: Parameters) => branin(Number(parameters.x1), Number(parameters.x2));

function run(sampler: Sampler, objective: (parameters: Parameters) => number, count: number): SampledTrial[] {
  const history: SampledTrial[] = [];
  for (let index = 0; index < count; index += 1) {
    const parameters = sampler.next(index, history)!;
    history.push({ index, parameters, objective: objective(parameters), state: 'completed' });
  }
  return history;
}

describe('tpeSampler', () => {
  it('finds a better Branin minimum than random search, and samples better trials once it learns: 5 seeds × 40 trials', () => {
    // Random search on other seeds: with the same seeds both share their first 10 trials.
    const tpe = [0, 1, 2, 3, 4].map((seed) => run(tpeSampler(space, 'minimize', { seed }), braninOf, 40).map((trial) => trial.objective!));
    const random = [0, 1, 2, 3, 4].map((seed) =>
      run(randomSampler(space, { seed: seed + 100 }), braninOf, 40).map((trial) => trial.objective!),
    );
    const best = (runs: number[][]) => median(runs.map((objectives) => Math.min(...objectives)));
    const lateMean = (runs: number[][]) =>
      median(runs.map((objectives) => objectives.slice(20).reduce((sum, value) => sum + value, 0) / 20));
    assert.ok(best(tpe) < best(random), `best: tpe ${best(tpe)}, random ${best(random)}`);
    assert.ok(lateMean(tpe) < lateMean(random) * 0.75, `mean of trials 20 to 39: tpe ${lateMean(tpe)}, random ${lateMean(random)}`);
  });

  it('samples at random until it has 10 trials with an objective', () => {
    const history = run(tpeSampler(space, 'minimize', { seed: 5 }), braninOf, tpeStartupTrials + 1);
    const random = randomSampler(space, { seed: 5 });
    assert.deepEqual(
      history.slice(0, tpeStartupTrials).map((trial) => trial.parameters),
      Array.from({ length: tpeStartupTrials }, (_, index) => random.next(index, [])),
    );
    assert.notDeepEqual(history[tpeStartupTrials]!.parameters, random.next(tpeStartupTrials, []));
  });

  it('gives the same trial for the same seed and history, another for another seed', () => {
    const history = run(tpeSampler(space, 'minimize', { seed: 0 }), braninOf, 20);
    assert.deepEqual(
      tpeSampler(space, 'minimize', { seed: 0 }).next(20, history),
      tpeSampler(space, 'minimize', { seed: 0 }).next(20, history),
    );
    assert.notDeepEqual(
      tpeSampler(space, 'minimize', { seed: 0 }).next(20, history),
      tpeSampler(space, 'minimize', { seed: 1 }).next(20, history),
    );
  });

  it('counts running trials among the bad ones (constant liar), so they change the next trial', () => {
    const sampler = tpeSampler(space, 'minimize', { seed: 0 });
    const history = run(sampler, braninOf, 20);
    const running: SampledTrial = { index: 20, parameters: { x1: Math.PI, x2: 2.275 }, objective: null, state: 'running' };
    assert.notDeepEqual(sampler.next(21, [...history, running]), sampler.next(21, history));
  });

  it('maximises when the goal says so', () => {
    const history = run(tpeSampler(space, 'maximize', { seed: 0 }), (parameters) => -braninOf(parameters), 40);
    assert.ok(Math.max(...history.map((trial) => trial.objective!)) > -1, 'no trial came near the maximum of -Branin');
  });

  it('learns which branch of a nested choice is better, and the nested value within it', () => {
    const nested = searchSpaceSchema.parse({
      model: {
        type: 'choice',
        values: [{ depth: { type: 'randint', upper: 10 } }, { alpha: { type: 'loguniform', min_value: -9, max_value: 0 } }],
      },
    });
    // Branch 1 with alpha near e^-6 is best; branch 0 is never as good.
    const objective = (parameters: Parameters) =>
      parameters.model === 1 ? Math.abs(Math.log(Number(parameters.alpha)) + 6) : 2 + Number(parameters.depth) / 10;
    const history = run(tpeSampler(nested, 'minimize', { seed: 2 }), objective, 50);
    const late = history.slice(30);
    assert.ok(late.filter((trial) => trial.parameters.model === 1).length >= 15, JSON.stringify(late.map((trial) => trial.parameters)));
    assert.ok(Math.min(...history.map((trial) => trial.objective!)) < 0.3);
  });
});
