import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchSpaceSchema } from '../search-space.js';
import { dimensionValues, layOutSpace, parametersAt } from './search-space-cube.js';

const space = searchSpaceSchema.parse({
  lr: { type: 'loguniform', min_value: -4, max_value: 0 },
  model: {
    type: 'choice',
    values: ['linear', { kernel: 'rbf', gamma: { type: 'uniform', min_value: 0, max_value: 2 } }, { depth: { type: 'randint', upper: 4 } }],
  },
});

describe('the search space as a cube', () => {
  it('gives every expression a coordinate, nested ones included, in the order written', () => {
    const cube = layOutSpace(space);
    assert.deepEqual(
      cube.dimensions.map((dimension) => `${dimension.name}:${dimension.expression.type}`),
      ['lr:loguniform', 'model:choice', 'gamma:uniform', 'depth:randint'],
    );
  });

  it('flattens the chosen branch into the parameters, the choice taking its index', () => {
    const cube = layOutSpace(space);
    assert.deepEqual(parametersAt(cube, [0.5, 0.1, 0.5, 0.5]), { lr: Math.exp(-2), model: 'linear' });
    assert.deepEqual(parametersAt(cube, [0.5, 0.5, 0.25, 0.9]), { lr: Math.exp(-2), model: 1, kernel: 'rbf', gamma: 0.5 });
    assert.deepEqual(parametersAt(cube, [0.5, 0.9, 0.25, 0.9]), { lr: Math.exp(-2), model: 2, depth: 3 });
  });

  it('reads parameters back into values per coordinate, null where a branch was not chosen', () => {
    const cube = layOutSpace(space);
    assert.deepEqual(dimensionValues(cube, { lr: 0.1, model: 1, kernel: 'rbf', gamma: 0.5 }), [0.1, 1, 0.5, null]);
    assert.deepEqual(dimensionValues(cube, { lr: 0.1, model: 'linear' }), [0.1, 0, null, null]);
    // Not of this space: a value not among the choices, a missing parameter, a branch without its keys.
    assert.equal(dimensionValues(cube, { lr: 0.1, model: 'tree' }), null);
    assert.equal(dimensionValues(cube, { model: 'linear' }), null);
    assert.equal(dimensionValues(cube, { lr: 0.1, model: 2 }), null);
  });

  it('tells a branch index from an equal literal by the keys the branch adds', () => {
    const cube = layOutSpace(searchSpaceSchema.parse({ c: { type: 'choice', values: [1, { k: 5 }] } }));
    assert.deepEqual(dimensionValues(cube, { c: 1 }), [0]);
    assert.deepEqual(dimensionValues(cube, { c: 1, k: 5 }), [1]);
  });
});
