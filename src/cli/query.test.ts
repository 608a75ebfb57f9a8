import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../client/api-error.js';
import { applyQuery, checkQuery } from './query.js';

const endpoint = {
  name: 'iris',
  provisioning_state: 'Succeeded',
  traffic: { blue: 90, green: 10 },
  deployments: [{ name: 'blue' }, { name: 'green' }],
};

describe('applyQuery', () => {
  it('selects a field, a nested object, and a projection, as az --query does', () => {
    assert.equal(applyQuery(endpoint, 'provisioning_state'), 'Succeeded');
    assert.deepEqual(applyQuery(endpoint, 'traffic'), { blue: 90, green: 10 });
    assert.equal(applyQuery(endpoint, 'traffic.green'), 10);
    assert.deepEqual(applyQuery(endpoint, 'deployments[].name'), ['blue', 'green']);
    assert.deepEqual(applyQuery([{ name: 'job-1' }, { name: 'job-2' }], '[].name'), ['job-1', 'job-2']);
  });

  it('answers null for a field that is not there', () => {
    assert.equal(applyQuery(endpoint, 'missing'), null);
  });

  it('works on what -o json prints: undefined fields are gone', () => {
    assert.equal(applyQuery({ a: undefined, b: 1 }, 'a'), null);
    assert.equal(applyQuery(undefined, 'a'), null);
  });
});

describe('checkQuery', () => {
  it('accepts JMESPath and refuses anything else with a 400 that names --query and shows the form', () => {
    checkQuery('[].name');
    assert.throws(
      () => checkQuery('deployments['),
      (error: unknown) =>
        error instanceof ApiError &&
        error.status === 400 &&
        error.code === 'InvalidQuery' &&
        /--query 'deployments\['.*write e\.g\. --query provisioning_state/.test(error.message),
    );
  });
});
