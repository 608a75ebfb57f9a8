import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterAttempt, afterDeadline, type LeaseRecord, leaseTiming, standby } from './leadership.js';

const timing = leaseTiming(9_000);

function lease(holder: string, epoch: number, expiresAt: number): LeaseRecord {
  return { name: 'controllers', holder, address: null, epoch, acquiredAt: 0, renewedAt: expiresAt - 9_000, expiresAt };
}

describe('leadership by lease', () => {
  it('renews at a third of the TTL and steps down a fifth of it early', () => {
    assert.deepEqual(timing, { ttlMs: 9_000, renewIntervalMs: 3_000, stepDownMarginMs: 1_800 });
  });

  it('begins a term when the lease is taken, valid from when the attempt was sent, not when it answered', () => {
    const step = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 1_000, 1_010, timing);
    assert.equal(step.change, 'begin');
    assert.deepEqual(step.next, { role: 'leader', epoch: 1, validUntil: 1_000 + 9_000 - 1_800, lease: lease('a', 1, 50_000) });
    assert.equal(step.retryInMs, 3_000);
  });

  it('keeps the term on a renewal of the same epoch, and pushes its deadline on', () => {
    const leading = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 0, 10, timing).next;
    const renewed = afterAttempt(leading, { outcome: 'held', lease: lease('a', 1, 53_000) }, 3_000, 3_010, timing);
    assert.equal(renewed.change, 'none');
    assert.equal(renewed.next.role === 'leader' && renewed.next.validUntil, 3_000 + 7_200);
  });

  it('restarts the controllers when the lease came back under a new epoch (it lapsed in between)', () => {
    const leading = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 0, 10, timing).next;
    assert.equal(afterAttempt(leading, { outcome: 'held', lease: lease('a', 2, 60_000) }, 10_000, 10_010, timing).change, 'restart');
  });

  it('ends the term when another server holds the lease', () => {
    const leading = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 0, 10, timing).next;
    const lost = afterAttempt(
      leading,
      { outcome: 'held-by-other', lease: lease('b', 2, 70_000), databaseNow: 61_000 },
      12_000,
      12_010,
      timing,
    );
    assert.equal(lost.change, 'end');
    assert.deepEqual(lost.next, { role: 'standby', leader: lease('b', 2, 70_000) });
  });

  it('a standby tries again when the lease it saw runs out, but at least every renewal interval', () => {
    const soon = afterAttempt(standby, { outcome: 'held-by-other', lease: lease('b', 1, 10_500), databaseNow: 10_000 }, 0, 10, timing);
    assert.equal(soon.change, 'none');
    assert.equal(soon.retryInMs, 501);
    const later = afterAttempt(standby, { outcome: 'held-by-other', lease: lease('b', 1, 19_000), databaseNow: 10_000 }, 0, 10, timing);
    assert.equal(later.retryInMs, 3_000);
    // Expired already (read between two statements): soon, never in a tight loop.
    const past = afterAttempt(standby, { outcome: 'held-by-other', lease: lease('b', 1, 9_000), databaseNow: 10_000 }, 0, 10, timing);
    assert.equal(past.retryInMs, 25);
  });

  it('a leader whose renewals fail keeps leading until its deadline, retrying sooner, then steps down', () => {
    const leading = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 0, 10, timing).next;
    const failed = afterAttempt(leading, { outcome: 'failed', error: 'connection refused' }, 3_000, 3_010, timing);
    assert.equal(failed.change, 'none');
    assert.equal(failed.next, leading);
    assert.equal(failed.retryInMs, 1_000);
    assert.deepEqual(afterDeadline(leading, 7_199), { next: leading, change: 'none' });
    assert.deepEqual(afterDeadline(leading, 7_200), { next: standby, change: 'end' });
    assert.deepEqual(afterDeadline(standby, 99_000), { next: standby, change: 'none' });
  });

  it('counts a lease held but answered after the term it gives was over as a failed attempt', () => {
    const late = afterAttempt(standby, { outcome: 'held', lease: lease('a', 1, 50_000) }, 0, 7_200, timing);
    assert.equal(late.change, 'none');
    assert.equal(late.next, standby);
  });

  it('a standby whose attempt failed stays standby and tries again after the renewal interval', () => {
    assert.deepEqual(afterAttempt(standby, { outcome: 'failed', error: 'timeout' }, 0, 10, timing), {
      next: standby,
      change: 'none',
      retryInMs: 3_000,
    });
  });
});
