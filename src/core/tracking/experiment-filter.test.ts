import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExperimentFilter, parseExperimentOrderBy } from './experiment-filter.js';

function assertInvalid(parse: () => unknown, word: RegExp): void {
  assert.throws(parse, { code: 'INVALID_PARAMETER_VALUE', status: 400, message: word });
}

describe('experiment filter', () => {
  it('parses name, experiment_id, timestamps and tags', () => {
    assert.deepEqual(
      parseExperimentFilter(
        "name ILIKE '%fraud%' AND attribute.creation_time >= 1700000000000 AND last_update_time < 2 AND tags.`team name` = 'risk' AND tag.x != 'y'",
      ),
      [
        { type: 'attribute', key: 'name', comparator: 'ILIKE', value: '%fraud%' },
        { type: 'attribute', key: 'creation_time', comparator: '>=', value: 1700000000000 },
        { type: 'attribute', key: 'last_update_time', comparator: '<', value: 2 },
        { type: 'tag', key: 'team name', comparator: '=', value: 'risk' },
        { type: 'tag', key: 'x', comparator: '!=', value: 'y' },
      ],
    );
    assert.deepEqual(parseExperimentFilter("experiment_id IN ('1', '2') AND experiment_id != '3'"), [
      { type: 'attribute', key: 'experiment_id', comparator: 'IN', value: ['1', '2'] },
      { type: 'attribute', key: 'experiment_id', comparator: '!=', value: '3' },
    ]);
    assert.deepEqual(parseExperimentFilter(undefined), []);
  });

  it('accepts only the attribute, tag and tags prefixes, as MLflow does', () => {
    assertInvalid(() => parseExperimentFilter("attributes.name = 'a'"), /Invalid entity type 'attributes'.*'attribute', 'tag', 'tags'/);
    assertInvalid(() => parseExperimentFilter('metrics.a > 1'), /Invalid entity type 'metrics'/);
  });

  it('refuses unknown attributes, suggesting a tag', () => {
    assertInvalid(
      () => parseExperimentFilter("lifecycle_stage = 'active'"),
      /Invalid attribute key 'lifecycle_stage'.*tags\.lifecycle_stage/,
    );
  });

  it('refuses comparators and values that do not fit the attribute', () => {
    assertInvalid(() => parseExperimentFilter("name IN ('a')"), /Only 'experiment_id' attributes support comparison with a list/);
    assertInvalid(() => parseExperimentFilter("experiment_id LIKE '1%'"), /Invalid comparator 'LIKE' for attribute 'experiment_id'/);
    assertInvalid(() => parseExperimentFilter('experiment_id = 1'), /Expected a quoted string value for attribute 'experiment_id'/);
    assertInvalid(() => parseExperimentFilter("creation_time > '5'"), /Expected numeric value type for numeric attribute: creation_time/);
    assertInvalid(
      () => parseExperimentFilter('creation_time > 5.5'),
      /Invalid value for numeric attribute 'creation_time': 5.5.*whole number/,
    );
    assertInvalid(() => parseExperimentFilter("tags.a IN ('x')"), /Invalid comparator 'IN' for tag 'a'/);
    assertInvalid(() => parseExperimentFilter("name = 'a' OR name = 'b'"), /Only AND/);
  });
});

describe('experiment order_by', () => {
  it('orders by the four attributes', () => {
    assert.deepEqual(parseExperimentOrderBy(['name', 'experiment_id DESC', 'attribute.creation_time asc', 'last_update_time DESC']), [
      { type: 'attribute', key: 'name', ascending: true },
      { type: 'attribute', key: 'experiment_id', ascending: false },
      { type: 'attribute', key: 'creation_time', ascending: true },
      { type: 'attribute', key: 'last_update_time', ascending: false },
    ]);
  });

  it('refuses tags and unknown keys, naming the clause', () => {
    assertInvalid(
      () => parseExperimentOrderBy(['tags.team']),
      /Invalid order_by clause 'tags.team': Invalid entity type 'tags'.*'attribute'/,
    );
    assertInvalid(() => parseExperimentOrderBy(['lifecycle_stage']), /Invalid order_by clause 'lifecycle_stage': Invalid attribute key/);
  });
});
