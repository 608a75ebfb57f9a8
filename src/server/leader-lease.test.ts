import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { waitFor } from '../../test/support/wait-for.js';
import { type LeaseAttempt, type LeaseRecord, leaseTiming } from '../core/leases/leadership.js';
import { LeaderLease } from './leader-lease.js';

/** The lease table, in memory: who holds it until when, and a switch that makes the next asks hang or fail. */
class FakeLeases {
  holder = '';
  epoch = 0;
  expiresAt = 0;
  asks = 0;
  releases = 0;
  mode: 'answer' | 'hang' | 'fail' = 'answer';

  async acquire(
    name: string,
    holder: string,
    address: string | null,
    ttlMs: number,
  ): Promise<Exclude<LeaseAttempt, { outcome: 'failed' }>> {
    this.asks += 1;
    if (this.mode === 'hang') return new Promise(() => undefined);
    if (this.mode === 'fail') throw new Error('connection refused');
    const now = Date.now();
    if (this.holder !== holder && this.expiresAt > now)
      return { outcome: 'held-by-other', lease: this.record(name, address), databaseNow: now };
    if (this.holder !== holder || this.expiresAt <= now) this.epoch += 1;
    this.holder = holder;
    this.expiresAt = now + ttlMs;
    return { outcome: 'held', lease: this.record(name, address) };
  }

  async release(_name: string, holder: string): Promise<boolean> {
    if (this.holder !== holder) return false;
    this.releases += 1;
    this.expiresAt = 0;
    return true;
  }

  private record(name: string, address: string | null): LeaseRecord {
    return { name, holder: this.holder, address, epoch: this.epoch, acquiredAt: 0, renewedAt: 0, expiresAt: this.expiresAt };
  }
}

function leaseFor(leases: FakeLeases, holder: string, events: string[], options: { failBegin?: () => boolean } = {}) {
  return new LeaderLease({
    name: 'controllers',
    leases,
    holder,
    address: () => `http://${holder}`,
    timing: leaseTiming(600),
    logger: pino({ level: 'silent' }),
    onBegin: async (epoch) => {
      if (options.failBegin?.()) {
        events.push(`${holder} failed to begin ${epoch}`);
        throw new Error('the controllers could not start');
      }
      events.push(`${holder} begins ${epoch}`);
    },
    onEnd: async (reason) => {
      events.push(`${holder} ends: ${reason}`);
    },
  });
}

describe('the leader lease loop', () => {
  it('takes a free lease, begins one term, and keeps renewing it under the same epoch', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const lease = leaseFor(leases, 'a', events);
    await lease.start();
    assert.deepEqual(events, ['a begins 1']);
    assert.equal(lease.isLeader(), true);
    await waitFor(() => leases.asks >= 4, { what: 'three renewals' });
    assert.deepEqual(events, ['a begins 1'], 'renewals begin nothing new');
    assert.equal(await lease.close(), true);
    assert.deepEqual(events, ['a begins 1', 'a ends: the server is stopping']);
    assert.equal(leases.releases, 1);
  });

  it('stops its controllers by its own deadline when renewals hang, without an answer from the database', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const lease = leaseFor(leases, 'a', events);
    await lease.start();
    leases.mode = 'hang';
    await waitFor(() => events.length >= 2, { what: 'the term to end' });
    assert.match(events[1] ?? '', /^a ends: no renewal succeeded within the lease's 600 ms$/);
    assert.equal(lease.isLeader(), false);
    leases.mode = 'answer';
    await lease.close();
  });

  it('steps down when renewals fail, and a standby takes over once the lease lapses, under the next epoch', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const a = leaseFor(leases, 'a', events);
    const b = leaseFor(leases, 'b', events);
    await a.start();
    await b.start();
    assert.equal(b.isLeader(), false);
    const standing = b.status();
    assert.equal(standing.role === 'standby' ? standing.leader?.holder : undefined, 'a');
    // a's renewals fail from now (its database connection broke); b's tries still answer.
    const acquire = leases.acquire.bind(leases);
    leases.acquire = async (name, holder, address, ttlMs) => {
      if (holder === 'a') throw new Error('connection refused');
      return acquire(name, holder, address, ttlMs);
    };
    await waitFor(() => events.includes('b begins 2'), { what: 'b to lead' });
    // a stopped before b began: never two terms at once.
    assert.ok(events.indexOf("a ends: no renewal succeeded within the lease's 600 ms") < events.indexOf('b begins 2'), events.join('; '));
    await a.close();
    await b.close();
  });

  it('gives the lease up when its controllers fail to start, and tries again', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    let failures = 1;
    const lease = leaseFor(leases, 'a', events, { failBegin: () => failures-- > 0 });
    await lease.start();
    assert.deepEqual(events, ['a failed to begin 1']);
    assert.equal(leases.releases, 1);
    assert.equal(lease.isLeader(), false);
    await waitFor(() => events.includes('a begins 2'), { what: 'a second term' });
    await lease.close();
  });

  it('a standby told that the lease was given up takes it at once', async () => {
    const leases = new FakeLeases();
    const events: string[] = [];
    const a = leaseFor(leases, 'a', events);
    const b = leaseFor(leases, 'b', events);
    await a.start();
    await b.start();
    await a.close();
    const asks = leases.asks;
    await b.tryNow();
    assert.equal(leases.asks, asks + 1);
    assert.deepEqual(events.slice(-1), ['b begins 2']);
    await b.close();
  });
});
