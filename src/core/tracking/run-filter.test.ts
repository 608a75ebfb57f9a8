import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunFilter } from './run-filter.js';

function assertInvalid(parse: () => unknown, word: RegExp): void {
  assert.throws(parse, { code: 'INVALID_PARAMETER_VALUE', status: 400, message: word });
}

describe('run filter', () => {
  it('accepts every entity prefix MLflow accepts, and no other', () => {
    const types = [
      'metric.k > 1',
      'metrics.k > 1',
      "parameter.k = 'v'",
      "parameters.k = 'v'",
      "param.k = 'v'",
      "params.k = 'v'",
      "tag.k = 'v'",
      "tags.k = 'v'",
      "attribute.status = 'v'",
      "attributes.status = 'v'",
      "attr.status = 'v'",
      "run.status = 'v'",
      "dataset.name = 'v'",
      "datasets.name = 'v'",
    ].map((filter) => parseRunFilter(filter)[0]?.type);
    assert.deepEqual(types, [
      'metric',
      'metric',
      'param',
      'param',
      'param',
      'param',
      'tag',
      'tag',
      'attribute',
      'attribute',
      'attribute',
      'attribute',
      'dataset',
      'dataset',
    ]);
    assertInvalid(() => parseRunFilter('m.rmse > 1'), /Invalid entity type 'm'.*'metric', 'metrics'/);
    assertInvalid(() => parseRunFilter('Metrics.rmse > 1'), /Invalid entity type 'Metrics'/);
  });

  it('treats a key without a prefix as an attribute, and names the prefixes when it is not one', () => {
    assert.deepEqual(parseRunFilter("status = 'FAILED'"), [{ type: 'attribute', key: 'status', comparator: '=', value: 'FAILED' }]);
    assertInvalid(() => parseRunFilter('rmse < 1'), /Invalid attribute key 'rmse'.*metrics\.rmse or params\.rmse or tags\.rmse/);
    assertInvalid(() => parseRunFilter('`metrics.a b` < 1'), /Quote only the key after the prefix, e\.g\. metrics\.`a b`/);
  });

  it('knows the string and numeric attributes, and refuses others', () => {
    for (const key of ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri']) {
      assert.deepEqual(parseRunFilter(`attributes.${key} ILIKE '%x%'`), [{ type: 'attribute', key, comparator: 'ILIKE', value: '%x%' }]);
    }
    for (const key of ['start_time', 'end_time']) {
      assert.deepEqual(parseRunFilter(`attributes.${key} >= 1700000000000`), [
        { type: 'attribute', key, comparator: '>=', value: 1700000000000 },
      ]);
    }
    assertInvalid(() => parseRunFilter("attributes.lifecycle_stage = 'active'"), /Invalid attribute key 'lifecycle_stage'.*'run_id'/);
    assertInvalid(() => parseRunFilter("attributes.run_uuid = 'a'"), /Invalid attribute key 'run_uuid'/);
  });

  it('resolves the aliases MLflow resolves: created → start_time, run name → run_name', () => {
    assert.deepEqual(parseRunFilter('created > 5 AND Created < 9'), [
      { type: 'attribute', key: 'start_time', comparator: '>', value: 5 },
      { type: 'attribute', key: 'start_time', comparator: '<', value: 9 },
    ]);
    const keys = ["`run name` = 'a'", "`Run name` = 'a'", `"Run Name" = 'a'`, "attributes.`Run Name` = 'a'"].map(
      (filter) => parseRunFilter(filter)[0]?.key,
    );
    assert.deepEqual(keys, ['run_name', 'run_name', 'run_name', 'run_name']);
  });

  it('compares metrics with numbers only', () => {
    assert.deepEqual(parseRunFilter('metrics.rmse <= -0.5'), [{ type: 'metric', key: 'rmse', comparator: '<=', value: -0.5 }]);
    assertInvalid(() => parseRunFilter("metrics.rmse = '1'"), /Expected numeric value type for metric. Found '1'.*metrics\.rmse = 1/);
    assertInvalid(() => parseRunFilter('metrics.rmse = abc'), /Expected numeric value type for metric/);
    assertInvalid(() => parseRunFilter('metrics.rmse > NaN'), /Expected numeric value type/);
    assertInvalid(
      () => parseRunFilter('metrics.rmse LIKE 1'),
      /Invalid comparator 'LIKE' for metric 'rmse': not one of =, !=, >, >=, <, <=/,
    );
    assertInvalid(() => parseRunFilter("metrics.rmse IN ('1')"), /Invalid comparator 'IN' for metric/);
  });

  it('compares params and tags with quoted strings by =, !=, LIKE and ILIKE', () => {
    assert.deepEqual(parseRunFilter("params.lr != '0.1' AND tags.team LIKE 'ml-%'"), [
      { type: 'param', key: 'lr', comparator: '!=', value: '0.1' },
      { type: 'tag', key: 'team', comparator: 'LIKE', value: 'ml-%' },
    ]);
    assertInvalid(() => parseRunFilter('params.lr = 0.1'), /Expected a quoted string value for param 'lr'.*params\.lr = '0\.1'/);
    assertInvalid(() => parseRunFilter('params.lr = abc'), /not quoted.*single or double quotes/);
    assertInvalid(() => parseRunFilter('tags.a = `abc`'), /not quoted.*tags\.a = 'abc'/);
    assertInvalid(() => parseRunFilter("params.lr > '0.1'"), /Invalid comparator '>' for param 'lr'/);
    assertInvalid(() => parseRunFilter("tags.a IN ('x')"), /Invalid comparator 'IN' for tag 'a'/);
  });

  it('takes IN / NOT IN lists on run_id only', () => {
    assert.deepEqual(parseRunFilter("attributes.run_id IN ('a', 'b')"), [
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] },
    ]);
    assertInvalid(() => parseRunFilter("attributes.status IN ('FINISHED')"), /Only 'run_id' attributes support comparison with a list/);
  });

  it('refuses strings for numeric attributes and numbers for string attributes', () => {
    assertInvalid(() => parseRunFilter("start_time > '1'"), /Expected numeric value type for numeric attribute: start_time/);
    assertInvalid(() => parseRunFilter("start_time LIKE '1%'"), /Invalid comparator 'LIKE' for attribute 'start_time'/);
    assertInvalid(() => parseRunFilter('run_id = 1'), /Expected a quoted string value for attribute 'run_id'/);
  });

  it('parses dataset name, digest and context, lists included', () => {
    assert.deepEqual(parseRunFilter("dataset.name = 'iris' AND datasets.digest IN ('d1', 'd2') AND dataset.context LIKE 'train%'"), [
      { type: 'dataset', key: 'name', comparator: '=', value: 'iris' },
      { type: 'dataset', key: 'digest', comparator: 'IN', value: ['d1', 'd2'] },
      { type: 'dataset', key: 'context', comparator: 'LIKE', value: 'train%' },
    ]);
    assertInvalid(() => parseRunFilter("dataset.source = 'x'"), /Invalid dataset key 'source'.*'name', 'digest', 'context'/);
    assertInvalid(() => parseRunFilter('dataset.name > 1'), /Invalid comparator '>' for dataset 'name'/);
  });
});
