import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTrellisError } from '../../errors.js';
import { searchSpaceSchema } from '../search-space.js';
import { bayesianSampler } from './bayesian-sampler.js';
import { makeSampler } from './make-sampler.js';
import { randomSampler } from './random-sampler.js';
import { sobolSampler } from './sobol-sampler.js';
import { tpeSampler } from './tpe-sampler.js';

const space = searchSpaceSchema.parse({
  lr: { type: 'loguniform', min_value: -7, max_value: -1 },
  batch: { type: 'choice', values: [16, 32, 64] },
});

describe('makeSampler', () => {
  it('makes the sampler the algorithm names, with its seed', () => {
    const first = (sampler: { next: (index: number, history: []) => unknown }) => [0, 1, 2].map((index) => sampler.next(index, []));
    assert.deepEqual(first(makeSampler({ type: 'random', seed: 4 }, space, 'minimize')), first(randomSampler(space, { seed: 4 })));
    assert.deepEqual(
      first(makeSampler({ type: 'random', seed: 4, rule: 'random' }, space, 'minimize')),
      first(randomSampler(space, { seed: 4 })),
    );
    assert.deepEqual(first(makeSampler({ type: 'random', rule: 'sobol' }, space, 'minimize')), first(sobolSampler(space)));
    assert.deepEqual(
      first(makeSampler({ type: 'bayesian', seed: 2 }, space, 'maximize')),
      first(bayesianSampler(space, 'maximize', { seed: 2 })),
    );
    assert.deepEqual(first(makeSampler({ type: 'tpe', seed: 2 }, space, 'maximize')), first(tpeSampler(space, 'maximize', { seed: 2 })));
    assert.equal(
      makeSampler({ type: 'grid' }, searchSpaceSchema.parse({ batch: { type: 'choice', values: [16, 32, 64] } }), 'minimize').size,
      3,
    );
  });

  it('refuses a space the algorithm cannot sample, with every problem listed', () => {
    assert.throws(
      () => makeSampler({ type: 'grid' }, space, 'minimize'),
      (error) => {
        assert.ok(isTrellisError(error));
        assert.equal(error.code, 'InvalidInput');
        assert.equal(error.status, 422);
        assert.deepEqual(
          error.problems.map((problem) => problem.path),
          ['search_space.lr.type'],
        );
        return true;
      },
    );
  });
});
