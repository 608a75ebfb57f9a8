import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureThrottle } from './failure-throttle.js';

describe('FailureThrottle', () => {
  it('passes, then slows with a doubling delay, then refuses until the window moves on', () => {
    let now = 1_000_000;
    const throttle = new FailureThrottle({ windowMs: 60_000, slowAfter: 3, refuseAfter: 6, baseDelayMs: 100, maxDelayMs: 300 }, () => now);
    assert.deepEqual(throttle.verdict('a'), { kind: 'pass' });
    for (let index = 0; index < 3; index++) {
      throttle.recordFailure('a');
      now += 1000;
    }
    assert.deepEqual(throttle.verdict('a'), { kind: 'slow', delayMs: 100 });
    throttle.recordFailure('a');
    assert.deepEqual(throttle.verdict('a'), { kind: 'slow', delayMs: 200 });
    throttle.recordFailure('a');
    assert.deepEqual(throttle.verdict('a'), { kind: 'slow', delayMs: 300 });
    throttle.recordFailure('a');
    // Six failures: the first was at 1_000_000, so the client may come back at 1_060_000.
    assert.deepEqual(throttle.verdict('a'), { kind: 'refuse', retryAfterSeconds: 57 });
    assert.deepEqual(throttle.verdict('b'), { kind: 'pass' }, 'other clients are not affected');
    now = 1_060_001;
    assert.equal(throttle.verdict('a').kind, 'slow');
    now += 120_000;
    assert.deepEqual(throttle.verdict('a'), { kind: 'pass' });
  });
});
