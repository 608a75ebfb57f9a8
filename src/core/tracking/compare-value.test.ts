import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareValue, likeToRegExp } from './compare-value.js';

describe('compareValue', () => {
  it('compares numbers as numbers and strings as strings', () => {
    assert.equal(compareValue(10, '>', 9), true);
    assert.equal(compareValue('10', '>', 9), true);
    assert.equal(compareValue('10', '>', '9'), false);
    assert.equal(compareValue('a', '=', 'a'), true);
    assert.equal(compareValue('a', '!=', 'b'), true);
    assert.equal(compareValue(1, '<=', 1), true);
  });

  it('matches nothing when the value is missing, != included', () => {
    assert.equal(compareValue(undefined, '!=', 'x'), false);
    assert.equal(compareValue(undefined, 'NOT IN', ['x']), false);
  });

  it('LIKE is case-sensitive, ILIKE is not; % and _ are wildcards and \\ escapes them', () => {
    assert.equal(compareValue('Iris-v2', 'LIKE', 'Iris%'), true);
    assert.equal(compareValue('iris-v2', 'LIKE', 'Iris%'), false);
    assert.equal(compareValue('iris-v2', 'ILIKE', 'IRIS-_2'), true);
    assert.equal(compareValue('100%', 'LIKE', '100\\%'), true);
    assert.equal(compareValue('1000', 'LIKE', '100\\%'), false);
    assert.equal(likeToRegExp('a.b', false).test('axb'), false);
  });

  it('IN and NOT IN test membership', () => {
    assert.equal(compareValue('b', 'IN', ['a', 'b']), true);
    assert.equal(compareValue('c', 'NOT IN', ['a', 'b']), true);
  });
});
