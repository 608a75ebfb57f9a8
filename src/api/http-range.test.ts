import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteRangeOf } from './http-range.js';

describe('byteRangeOf', () => {
  it('reads a closed, an open and a suffix range, clamped to the object', () => {
    assert.deepEqual(byteRangeOf('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(byteRangeOf('bytes=900-', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=900-5000', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=-5000', 1000), { start: 0, end: 999 });
  });

  it('sends the whole object for no header, several ranges or a header it cannot read', () => {
    assert.equal(byteRangeOf(undefined, 1000), undefined);
    assert.equal(byteRangeOf('bytes=0-1,5-6', 1000), undefined);
    assert.equal(byteRangeOf('items=0-1', 1000), undefined);
    assert.equal(byteRangeOf('bytes=5-1', 1000), undefined);
    assert.equal(byteRangeOf('bytes=-', 1000), undefined);
  });

  it('calls a range that starts past the end unsatisfiable', () => {
    assert.equal(byteRangeOf('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(byteRangeOf('bytes=-0', 1000), 'unsatisfiable');
    assert.equal(byteRangeOf('bytes=0-0', 0), 'unsatisfiable');
  });
});
