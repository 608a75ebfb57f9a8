import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeIssue } from '../azureml/zod-problems.js';
import { expressionTypes, parameterNames, searchSpaceProblems, searchSpaceSchema, sobolMaxDimensions } from './search-space.js';
import type { SamplingAlgorithm } from './sweep-types.js';
import { sobolDimensions } from './samplers/sobol-sequence.js';

/** The schema's problems as `path: message` lines. */
function parseProblems(input: unknown): string[] {
  const result = searchSpaceSchema.safeParse(input, { error: describeIssue });
  assert.ok(!result.success, 'expected the search space to be refused');
  return result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** searchSpaceProblems of a space given as YAML would read it, as `path: message` lines. */
function problems(input: unknown, sampling: SamplingAlgorithm = { type: 'random' }): string[] {
  return searchSpaceProblems(searchSpaceSchema.parse(input), sampling).map((problem) => `${problem.path}: ${problem.message}`);
}

const uniform = (min_value: number, max_value: number) => ({ type: 'uniform', min_value, max_value });

describe('searchSpaceSchema', () => {
  it('reads every expression type of Azure ML, the type in any case', () => {
    const space = searchSpaceSchema.parse({
      a: { type: 'choice', values: [1, 'two', true] },
      b: { type: 'randint', upper: 5 },
      c: { type: 'Uniform', min_value: 0, max_value: 1 },
      d: { type: 'LogUniform', min_value: -5, max_value: 0 },
      e: { type: 'quniform', min_value: 0, max_value: 10, q: 2 },
      f: { type: 'qloguniform', min_value: 0, max_value: 3, q: 1 },
      g: { type: 'normal', mu: 0, sigma: 1 },
      h: { type: 'lognormal', mu: 0, sigma: 1 },
      i: { type: 'qnormal', mu: 10, sigma: 2, q: 1 },
      j: { type: 'qlognormal', mu: 1, sigma: 0.5, q: 0.5 },
    });
    assert.deepEqual(
      Object.values(space).map((expression) => expression.type),
      expressionTypes,
    );
    assert.deepEqual(space.c, { type: 'uniform', min_value: 0, max_value: 1 });
  });

  it('reads a number written as text (YAML 1.1 reads 1e-3 so)', () => {
    assert.deepEqual(searchSpaceSchema.parse({ lr: { type: 'uniform', min_value: '1e-3', max_value: '0.1' } }).lr, uniform(0.001, 0.1));
  });

  it('reads nested search spaces in a choice: literals and expressions, nested again', () => {
    const input = {
      model: {
        type: 'choice',
        values: [
          'linear',
          { kernel: 'rbf', gamma: { type: 'loguniform', min_value: -9, max_value: 0 } },
          { kernel: 'poly', degree: { type: 'choice', values: [2, 3, { coef: uniform(0, 1) }] } },
        ],
      },
    };
    assert.deepEqual(searchSpaceSchema.parse(input), input);
  });

  it('refuses an unknown expression type, naming the closest and listing the known ones', () => {
    assert.deepEqual(parseProblems({ lr: { type: 'unifrom', min_value: 0, max_value: 1 } }), [
      `lr.type: unknown expression type 'unifrom' (did you mean 'uniform'?); known types: ${expressionTypes.join(', ')}`,
    ]);
    assert.deepEqual(parseProblems({ lr: { type: 'beta', a: 1 } }), [
      `lr.type: unknown expression type 'beta'; known types: ${expressionTypes.join(', ')}`,
    ]);
  });

  it('refuses an expression without a type, or one that is not a mapping', () => {
    assert.deepEqual(parseProblems({ lr: { min_value: 0, max_value: 1 } }), [
      `lr.type: is required: the expression's type, one of ${expressionTypes.join(', ')}`,
    ]);
    assert.deepEqual(parseProblems({ lr: 0.1 }), [
      `lr: must be a mapping with a type (one of ${expressionTypes.join(', ')}) and its fields`,
    ]);
  });

  it('refuses unknown and missing fields of an expression, and a non-whole randint upper', () => {
    assert.deepEqual(parseProblems({ lr: { type: 'uniform', min_value: 0, maximum: 1 } }), [
      'lr.max_value: is required',
      "lr.maximum: unknown field 'maximum'; allowed fields here: type, min_value, max_value",
    ]);
    assert.deepEqual(parseProblems({ n: { type: 'randint', upper: 2.5 } }), [
      'n.upper: must be a whole number: randint draws from 0 up to upper - 1',
    ]);
  });

  it('refuses a choice value that is neither a literal nor a nested mapping, and a bad nested expression, at their paths', () => {
    assert.deepEqual(parseProblems({ c: { type: 'choice', values: [1, null, [2], { k: { type: 'normal', mu: 0, sigma: 'wide' } }] } }), [
      'c.values.1: must be a string, a number, true/false or a nested mapping; got an empty value',
      'c.values.2: must be a string, a number, true/false or a nested mapping; got a list',
      "c.values.3.k.sigma: expected a number, got the string 'wide'",
    ]);
  });
});

describe('parameterNames', () => {
  it('names every parameter a trial may have, nested ones included', () => {
    const space = searchSpaceSchema.parse({
      lr: uniform(0, 1),
      model: {
        type: 'choice',
        values: ['linear', { kernel: 'rbf', gamma: uniform(0, 1) }, { depth: { type: 'choice', values: [1, { leaf: 2 }] } }],
      },
    });
    assert.deepEqual([...parameterNames(space)].sort(), ['depth', 'gamma', 'kernel', 'leaf', 'lr', 'model']);
  });
});

describe('searchSpaceProblems', () => {
  it('finds none in a good space, for each algorithm that can sample it', () => {
    const space = { lr: { type: 'loguniform', min_value: -7, max_value: -1 }, batch: { type: 'choice', values: [16, 32] } };
    const samplings: SamplingAlgorithm[] = [{ type: 'random' }, { type: 'random', rule: 'sobol' }, { type: 'bayesian' }, { type: 'tpe' }];
    for (const sampling of samplings) {
      assert.deepEqual(problems(space, sampling), []);
    }
    assert.deepEqual(
      problems({ batch: { type: 'choice', values: [16, 32, { depth: { type: 'choice', values: [1, 2] } }] } }, { type: 'grid' }),
      [],
    );
  });

  it('refuses an empty search space', () => {
    assert.deepEqual(problems({}), [
      'search_space: has no parameters: add at least one, e.g. learning_rate: {type: loguniform, min_value: -7, max_value: -1}',
    ]);
  });

  it('refuses min_value above max_value, saying to swap them', () => {
    assert.deepEqual(problems({ C: uniform(10, 1) }), ['search_space.C.max_value: must be above min_value (10); got 1: swap the two']);
  });

  it('refuses min_value equal to max_value, offering a one-value choice; on a log scale, says the bounds are exponents', () => {
    assert.deepEqual(problems({ C: { type: 'qloguniform', min_value: 2, max_value: 2, q: 1 } }), [
      'search_space.C.max_value: must be above min_value (2); got 2: for a fixed value use {type: choice, values: [2]} (qloguniform takes the bounds of the exponent: exp(uniform(min_value, max_value)))',
    ]);
  });

  it('refuses a log expression whose largest value overflows, saying the bounds are exponents', () => {
    assert.deepEqual(problems({ C: { type: 'loguniform', min_value: 1, max_value: 1000 } }), [
      'search_space.C.max_value: exp(1000) is too large for a number: loguniform takes the exponent, the natural log of the largest value (max_value: 6.9 for about 1000)',
    ]);
  });

  it('refuses a sigma of 0 or below', () => {
    assert.deepEqual(problems({ x: { type: 'normal', mu: 0, sigma: 0 } }), [
      'search_space.x.sigma: must be above 0 (the standard deviation of normal); got 0',
    ]);
    assert.deepEqual(problems({ x: { type: 'qlognormal', mu: 0, sigma: -1, q: 1 } }), [
      'search_space.x.sigma: must be above 0 (the standard deviation of qlognormal); got -1',
    ]);
  });

  it('refuses a q of 0 or below', () => {
    assert.deepEqual(problems({ x: { type: 'quniform', min_value: 0, max_value: 10, q: 0 } }), [
      'search_space.x.q: must be above 0 (values are rounded to a multiple of q; q: 1 gives whole numbers); got 0',
    ]);
    assert.deepEqual(problems({ x: { type: 'qnormal', mu: 0, sigma: 1, q: -0.5 } }), [
      'search_space.x.q: must be above 0 (values are rounded to a multiple of q; q: 1 gives whole numbers); got -0.5',
    ]);
  });

  it('refuses a randint upper below 1', () => {
    assert.deepEqual(problems({ n: { type: 'randint', upper: 0 } }), [
      'search_space.n.upper: must be 1 or more: randint draws a whole number from 0 up to upper - 1; got 0',
    ]);
  });

  it('refuses an empty choice, and an empty nested mapping', () => {
    assert.deepEqual(problems({ c: { type: 'choice', values: [] } }), [
      "search_space.c.values: must list at least one value for 'c' to take",
    ]);
    assert.deepEqual(problems({ c: { type: 'choice', values: [1, {}] } }), [
      'search_space.c.values[1]: is an empty mapping: give the nested parameters this choice adds, or write the value as a literal',
    ]);
  });

  it('refuses grid sampling over anything but choice, nested expressions included, saying to list the values', () => {
    assert.deepEqual(
      problems({ C: uniform(0, 1), k: { type: 'choice', values: ['a', { n: { type: 'randint', upper: 3 } }] } }, { type: 'grid' }),
      [
        "search_space.C.type: grid sampling takes choice expressions only (as Azure ML's does), and 'C' is uniform: list the values to try, e.g. C: {type: choice, values: [...]}, or use sampling_algorithm: random",
        "search_space.k.values[1].n.type: grid sampling takes choice expressions only (as Azure ML's does), and 'n' is randint: list the values to try, e.g. n: {type: choice, values: [...]}, or use sampling_algorithm: random",
      ],
    );
  });

  it('refuses the sobol rule over more expressions than its direction numbers cover', () => {
    assert.equal(sobolMaxDimensions, sobolDimensions);
    const wide = Object.fromEntries(Array.from({ length: sobolMaxDimensions + 1 }, (_, index) => [`x${index}`, uniform(0, 1)]));
    assert.deepEqual(problems(wide, { type: 'random', rule: 'sobol' }), [
      `sampling_algorithm.rule: the sobol rule covers at most ${sobolMaxDimensions} expressions and this search space has ${sobolMaxDimensions + 1} (nested ones counted); use rule: random, or search fewer parameters`,
    ]);
    assert.deepEqual(problems(wide, { type: 'random' }), []);
  });

  it('refuses two entries that set one parameter; branches of one choice may share names', () => {
    assert.deepEqual(problems({ lr: uniform(0, 1), model: { type: 'choice', values: [{ lr: 0.1 }, { lr: 0.2, depth: 3 }] } }), [
      "search_space.model: sets the parameter 'lr', which 'lr' also sets (a nested choice adds its keys to the trial's parameters): rename one of them",
    ]);
    assert.deepEqual(problems({ model: { type: 'choice', values: [{ model: 1 }] } }), [
      "search_space.model.values[0].model: has the name of the choice it is nested in ('model' takes the index of the chosen branch): rename it",
    ]);
  });

  it('puts paths under a given root, with the positions a locate function gives', () => {
    const found = searchSpaceProblems(
      searchSpaceSchema.parse({ n: { type: 'randint', upper: 0 } }),
      { type: 'random' },
      {
        root: ['trial', 'search_space'],
        locate: (path) => ({ line: path.length, column: 1 }),
      },
    );
    assert.deepEqual(
      found.map(({ path, line, column }) => ({ path, line, column })),
      [{ path: 'trial.search_space.n.upper', line: 4, column: 1 }],
    );
  });
});
