import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchSpaceSchema } from '../search-space.js';
import type { Parameters, Sampler } from '../sweep-types.js';
import { gridSampler } from './grid-sampler.js';

/** Every trial the sampler gives, until its first null. */
function allTrials(sampler: Sampler): Parameters[] {
  const trials: Parameters[] = [];
  for (let index = 0; ; index += 1) {
    const trial = sampler.next(index, []);
    if (trial === null) return trials;
    trials.push(trial);
  }
}

describe('gridSampler', () => {
  it('gives every combination once, the last parameter changing fastest, then null', () => {
    const sampler = gridSampler(
      searchSpaceSchema.parse({
        a: { type: 'choice', values: [1, 2] },
        b: { type: 'choice', values: ['x', 'y', 'z'] },
      }),
    );
    assert.equal(sampler.size, 6);
    assert.deepEqual(allTrials(sampler), [
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
    assert.equal(sampler.next(6, []), null);
    assert.equal(sampler.next(-1, []), null);
  });

  it('expands a nested space in place: its index, its literals, its own combinations', () => {
    const sampler = gridSampler(
      searchSpaceSchema.parse({
        model: {
          type: 'choice',
          values: [
            'linear',
            { kernel: 'rbf', gamma: { type: 'choice', values: [0.1, 1] } },
            { kernel: 'poly', degree: { type: 'choice', values: [2, 3, 4] } },
          ],
        },
        seed: { type: 'choice', values: [0, 1] },
      }),
    );
    assert.equal(sampler.size, (1 + 2 + 3) * 2);
    const trials = allTrials(sampler);
    assert.deepEqual(trials.slice(0, 4), [
      { model: 'linear', seed: 0 },
      { model: 'linear', seed: 1 },
      { model: 1, kernel: 'rbf', gamma: 0.1, seed: 0 },
      { model: 1, kernel: 'rbf', gamma: 0.1, seed: 1 },
    ]);
    assert.deepEqual(trials.at(-1), { model: 2, kernel: 'poly', degree: 4, seed: 1 });
    assert.equal(new Set(trials.map((trial) => JSON.stringify(trial))).size, 12);
  });

  it('counts a large grid without listing it, and picks any combination directly', () => {
    const space = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`p${index}`, { type: 'choice', values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }]),
    );
    const sampler = gridSampler(searchSpaceSchema.parse(space));
    assert.equal(sampler.size, 1e10);
    assert.deepEqual(Object.values(sampler.next(1234567890, [])!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
  });
});
