import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'graphql';
import { queryLimitViolation } from './limits.js';

const limits = { maxRootFields: 10, maxAliases: 10 };
const violation = (query: string) => queryLimitViolation(parse(query), limits);

describe("MLflow's GraphQL query limits", () => {
  it('lets an ordinary query through', () => {
    assert.equal(violation('query q { a: test(inputString: "x") { output } mlflowGetRun { run { info { runId } } } }'), undefined);
  });

  it('counts root fields over all operations and fragments, in MLflow words', () => {
    const fields = Array.from({ length: 11 }, (_, index) => `f${index}: test { output }`).join(' ');
    assert.equal(
      violation(`{ ${fields} }`),
      'GraphQL queries should have at most 10 root fields, got 11 root fields. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ROOT_FIELDS environment variable.',
    );
    // Fragments' top fields count too, as in MLflow: 1 + 9 is at the limit, 1 + 10 over it.
    assert.equal(violation('{ a { b } } fragment F on Query { c d e f g h i j k }'), undefined);
    assert.match(violation('{ a { b } } fragment F on Query { c d e f g h i j k l }') ?? '', /got 11 root fields/);
  });

  it('counts aliases per selection set, not over the whole query', () => {
    const aliased = (count: number) => Array.from({ length: count }, (_, index) => `x${index}: name`).join(' ');
    assert.equal(violation(`{ a { ${aliased(10)} } b { ${aliased(10)} } }`), undefined);
    assert.match(violation(`{ a { ${aliased(11)} } }`) ?? '', /^GraphQL queries should have at most 10 aliases, got 11 aliases\./);
  });

  it('refuses more than 10 levels and more than 1000 fields', () => {
    let nine = 'name';
    for (let level = 0; level < 9; level++) nine = `n { ${nine} }`;
    assert.equal(violation(`{ ${nine} }`), undefined);
    let inner = 'name';
    for (let level = 0; level < 10; level++) inner = `n { ${inner} }`;
    assert.equal(violation(`{ ${inner} }`), 'Query exceeds maximum depth of 10');
    const wide = Array.from({ length: 1001 }, (_, index) => `f${index}`).join(' ');
    assert.equal(violation(`{ a { ${wide} } }`), 'Query exceeds maximum total selections of 1000');
  });

  it('takes the limits it is given (the MLflow variables)', () => {
    assert.match(queryLimitViolation(parse('{ a b c }'), { maxRootFields: 2, maxAliases: 10 }) ?? '', /at most 2 root fields, got 3/);
  });
});
