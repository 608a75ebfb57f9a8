import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTsv } from './tsv.js';

describe('formatTsv', () => {
  it('prints a scalar as is, with no quotes', () => {
    assert.equal(formatTsv('Succeeded'), 'Succeeded\n');
    assert.equal(formatTsv(2), '2\n');
    assert.equal(formatTsv(true), 'true\n');
  });

  it('prints nothing for a null result (a --query that matched nothing)', () => {
    assert.equal(formatTsv(null), '');
    assert.equal(formatTsv(undefined), '');
  });

  it('prints an array of scalars one per line', () => {
    assert.equal(formatTsv(['job-1', 'job-2']), 'job-1\njob-2\n');
    assert.equal(formatTsv([]), '');
  });

  it("prints an object's values tab-separated, in key order as az does", () => {
    assert.equal(formatTsv({ secondaryKey: 's', primaryKey: 'p' }), 'p\ts\n');
  });

  it('prints an array of objects one row per object; nested arrays as their length, nested objects and null as empty cells', () => {
    const rows = [
      { name: 'blue', state: 'Succeeded', instances: [1, 2], spec: { a: 1 }, reason: null },
      { name: 'green', state: 'Failed', instances: [], spec: {}, reason: 'no model' },
    ];
    assert.equal(formatTsv(rows), '2\tblue\t\t\tSucceeded\n0\tgreen\tno model\t\tFailed\n');
  });

  it('prints an array of arrays one row each, tab-separated (--query "[].[name, state]")', () => {
    assert.equal(
      formatTsv([
        ['blue', 'Succeeded'],
        ['green', 'Creating'],
      ]),
      'blue\tSucceeded\ngreen\tCreating\n',
    );
  });
});
