import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { miniBatchRows } from './mini-batch-rows.js';

describe('miniBatchRows', () => {
  it('writes strings as they are, arrays as CSV rows and anything else as JSON', () => {
    assert.deepEqual(miniBatchRows(['a b', ['x', 1, 'has,comma', 'say "hi"'], { label: 1 }, 3, null]), [
      'a b',
      'x,1,"has,comma","say ""hi"""',
      '{"label":1}',
      '3',
      'null',
    ]);
  });

  it('keeps one line per element: a newline inside a string becomes a space', () => {
    assert.deepEqual(miniBatchRows(['one\ntwo']), ['one two']);
  });

  it('refuses a result that is not an array, saying what to return', () => {
    assert.throws(() => miniBatchRows('text'), /run\(mini_batch\) returned string; return an array/);
    assert.throws(() => miniBatchRows(null), /returned null/);
  });
});
