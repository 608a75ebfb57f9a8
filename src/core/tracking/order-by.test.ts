import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOrderByClause, parseRunOrderBy } from './order-by.js';

function assertInvalid(parse: () => unknown, word: RegExp): void {
  assert.throws(parse, { code: 'INVALID_PARAMETER_VALUE', status: 400, message: word });
}

describe('run order_by', () => {
  it('parses each entity, ascending by default, ASC and DESC in any case', () => {
    assert.deepEqual(
      parseRunOrderBy(['metrics.rmse ASC', 'attributes.start_time DESC', 'params.`a b`', 'tags.mlflow.runName desc', 'run_name Asc']),
      [
        { type: 'metric', key: 'rmse', ascending: true },
        { type: 'attribute', key: 'start_time', ascending: false },
        { type: 'param', key: 'a b', ascending: true },
        { type: 'tag', key: 'mlflow.runName', ascending: false },
        { type: 'attribute', key: 'run_name', ascending: true },
      ],
    );
  });

  it('reads quoted keys and ignores surrounding whitespace', () => {
    assert.deepEqual(parseRunOrderBy(['  metrics."val loss"   DESC ', "params.'a.b'"]), [
      { type: 'metric', key: 'val loss', ascending: false },
      { type: 'param', key: 'a.b', ascending: true },
    ]);
  });

  it('resolves attribute aliases', () => {
    assert.deepEqual(parseRunOrderBy(['created DESC']), [{ type: 'attribute', key: 'start_time', ascending: false }]);
  });

  it('returns [] for no clauses', () => {
    assert.deepEqual(parseRunOrderBy(undefined), []);
    assert.deepEqual(parseRunOrderBy([]), []);
  });

  it('refuses a bad clause, naming it', () => {
    assertInvalid(
      () => parseRunOrderBy(['metrics.rmse UP']),
      /Invalid order_by clause 'metrics.rmse UP': Invalid ordering key 'UP'.*ASC or DESC/,
    );
    assertInvalid(() => parseRunOrderBy(['metrics.rmse ASC DESC']), /Invalid order_by clause 'metrics.rmse ASC DESC'/);
    assertInvalid(() => parseRunOrderBy(['metrics.a, metrics.b']), /Invalid order_by clause 'metrics.a, metrics.b': Unexpected ','/);
    assertInvalid(() => parseRunOrderBy(['']), /Invalid order_by clause '': it is empty/);
    assertInvalid(() => parseRunOrderBy(['attributes.foo']), /Invalid order_by clause 'attributes.foo': Invalid attribute key 'foo'/);
    assertInvalid(() => parseRunOrderBy(['foo.bar']), /Invalid entity type 'foo'/);
    assertInvalid(() => parseRunOrderBy(['metrics.a-b']), /metrics\.`a-b`/);
    assertInvalid(() => parseRunOrderBy(['metrics.`a b']), /Unterminated string/);
  });

  it('refuses ordering by a dataset, which filters runs but does not sort them', () => {
    assertInvalid(() => parseRunOrderBy(['dataset.name']), /Invalid order_by clause 'dataset.name': Invalid entity type 'dataset'/);
    assertInvalid(
      () => parseOrderByClause('dataset.name', { entityPrefixes: { dataset: 'dataset' }, attributeKeys: [], datasetKeys: ['name'] }),
      /ordering by dataset.name is not supported/,
    );
  });

  it('refuses a field ordered twice, aliases included', () => {
    assertInvalid(() => parseRunOrderBy(['metrics.a', 'metrics.a DESC']), /duplicate fields: 'metrics.a' and 'metrics.a DESC'/);
    assertInvalid(() => parseRunOrderBy(['created', 'start_time DESC']), /duplicate fields.*attribute 'start_time'/);
    assert.equal(parseRunOrderBy(['metrics.a', 'params.a', 'tags.a']).length, 3);
  });
});
