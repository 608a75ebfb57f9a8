import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from './model-registry-filter.js';

function assertInvalid(parse: () => unknown, word: RegExp): void {
  assert.throws(parse, { code: 'INVALID_PARAMETER_VALUE', status: 400, message: word });
}

describe('registered model filter', () => {
  it('parses name (lists included) and tags', () => {
    assert.deepEqual(
      parseRegisteredModelFilter("name LIKE 'fraud-%' AND attribute.name NOT IN ('a', 'b') AND tags.`mlflow.prompt.is_prompt` != 'true'"),
      [
        { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'fraud-%' },
        { type: 'attribute', key: 'name', comparator: 'NOT IN', value: ['a', 'b'] },
        { type: 'tag', key: 'mlflow.prompt.is_prompt', comparator: '!=', value: 'true' },
      ],
    );
    assert.deepEqual(parseRegisteredModelFilter(' '), []);
  });

  it('refuses other attributes, prefixes and comparators', () => {
    assertInvalid(() => parseRegisteredModelFilter("run_id = 'a'"), /Invalid attribute key 'run_id'.*Valid keys are 'name'/);
    assertInvalid(() => parseRegisteredModelFilter("attr.name = 'a'"), /Invalid entity type 'attr'/);
    assertInvalid(() => parseRegisteredModelFilter("name > 'a'"), /Invalid comparator '>' for attribute 'name'/);
    assertInvalid(() => parseRegisteredModelFilter("tags.a IN ('x')"), /Invalid comparator 'IN' for tag 'a'/);
    assertInvalid(() => parseRegisteredModelFilter('name = 1'), /Expected a quoted string value for attribute 'name'/);
  });
});

describe('model version filter', () => {
  it('parses name, run_id, source_path, version_number and tags', () => {
    assert.deepEqual(
      parseModelVersionFilter(
        "name = 'fraud' AND run_id IN ('r1', 'r2') AND source_path LIKE 'runs:/%' AND version_number > 3 AND tags.stage = 'prod'",
      ),
      [
        { type: 'attribute', key: 'name', comparator: '=', value: 'fraud' },
        { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['r1', 'r2'] },
        { type: 'attribute', key: 'source_path', comparator: 'LIKE', value: 'runs:/%' },
        { type: 'attribute', key: 'version_number', comparator: '>', value: 3 },
        { type: 'tag', key: 'stage', comparator: '=', value: 'prod' },
      ],
    );
  });

  it("accepts a quoted whole version number, as MLflow's store does, but no fraction", () => {
    assert.deepEqual(parseModelVersionFilter("version_number = '7'"), [
      { type: 'attribute', key: 'version_number', comparator: '=', value: 7 },
    ]);
    assertInvalid(
      () => parseModelVersionFilter("version_number = 'seven'"),
      /Expected numeric value type for numeric attribute: version_number/,
    );
    assertInvalid(() => parseModelVersionFilter('version_number = 1.5'), /whole number/);
  });

  it('refuses lists on source_path and unknown attributes', () => {
    assertInvalid(() => parseModelVersionFilter("source_path IN ('x')"), /Only 'name', 'run_id' attributes support comparison with a list/);
    assertInvalid(() => parseModelVersionFilter("current_stage = 'Production'"), /Invalid attribute key 'current_stage'/);
    assertInvalid(() => parseModelVersionFilter('run_id = 1'), /Expected a quoted string value for attribute 'run_id'/);
  });
});

describe('model registry order_by', () => {
  it('orders registered models by name and timestamps, timestamp meaning the last update', () => {
    assert.deepEqual(parseRegisteredModelOrderBy(['name DESC', 'timestamp', 'creation_timestamp ASC']), [
      { type: 'attribute', key: 'name', ascending: false },
      { type: 'attribute', key: 'last_updated_timestamp', ascending: true },
      { type: 'attribute', key: 'creation_timestamp', ascending: true },
    ]);
    assertInvalid(() => parseRegisteredModelOrderBy(['timestamp', 'last_updated_timestamp DESC']), /duplicate fields/);
    assertInvalid(() => parseRegisteredModelOrderBy(['tags.a']), /Invalid order_by clause 'tags.a': Invalid entity type 'tags'/);
  });

  it('orders model versions by name, version_number and timestamps', () => {
    assert.deepEqual(parseModelVersionOrderBy(['name', 'version_number DESC', 'last_updated_timestamp', 'creation_timestamp DESC']), [
      { type: 'attribute', key: 'name', ascending: true },
      { type: 'attribute', key: 'version_number', ascending: false },
      { type: 'attribute', key: 'last_updated_timestamp', ascending: true },
      { type: 'attribute', key: 'creation_timestamp', ascending: false },
    ]);
    assertInvalid(() => parseModelVersionOrderBy(['run_id']), /Invalid order_by clause 'run_id': Invalid attribute key 'run_id'/);
  });
});
