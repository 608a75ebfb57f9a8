import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countFailure, restartDelayMs } from './restart-backoff.js';

const settings = { initialMs: 100, maxMs: 1_000, resetAfterMs: 5_000 };

describe('restart backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((failures) => restartDelayMs(failures, settings)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
    assert.equal(restartDelayMs(10_000, settings), 1_000);
    assert.equal(restartDelayMs(0, settings), 100);
  });

  it('starts over after an instance stayed ready long enough', () => {
    assert.equal(countFailure(0, undefined, settings), 1);
    assert.equal(countFailure(4, undefined, settings), 5);
    assert.equal(countFailure(4, 1_000, settings), 5);
    assert.equal(countFailure(4, 5_000, settings), 1);
  });
});
