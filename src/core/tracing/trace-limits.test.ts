import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkedTraceTag, truncatedValues } from './trace-limits.js';

describe('trace tag limits', () => {
  it("refuses a key over 250 characters with MLflow's message, and a path-like key", () => {
    assert.throws(() => checkedTraceTag('k'.repeat(251), 'v'), /'key' exceeds the maximum length of 250 characters/);
    assert.throws(
      () => checkedTraceTag('../etc', 'v'),
      (error: Error & { code?: string }) => error.code === 'INVALID_PARAMETER_VALUE',
    );
  });

  it('cuts a value over 8,000 characters to 8,000, as MLflow does by default', () => {
    assert.equal(checkedTraceTag('note', 'x'.repeat(9000)).value.length, 8000);
    assert.equal(checkedTraceTag('note', 'short').value, 'short');
    assert.deepEqual(truncatedValues({ a: 'y'.repeat(8001), b: 'z' }), { a: 'y'.repeat(8000), b: 'z' });
  });
});
