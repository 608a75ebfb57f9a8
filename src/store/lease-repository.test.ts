import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, testDialects, type TestDatabase } from '../../test/support/databases.js';
import { waitFor } from '../../test/support/wait-for.js';
import { Store } from './store.js';

for (const dialect of testDialects()) {
  describe(`leases and signals on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-leases-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('gives a lease to one holder, renews it under the same epoch, and refuses it to another until released', async () => {
      const leases = store.repositories.leases;
      const first = await leases.acquire('renewal', 'a', 'http://a', 60_000);
      assert.equal(first.outcome, 'held');
      assert.equal(first.lease.epoch, 1);
      assert.equal(first.lease.address, 'http://a');
      assert.ok(first.lease.expiresAt - first.lease.renewedAt === 60_000);

      const other = await leases.acquire('renewal', 'b', 'http://b', 60_000);
      assert.equal(other.outcome, 'held-by-other');
      assert.equal(other.lease.holder, 'a');
      assert.ok(other.outcome === 'held-by-other' && other.databaseNow < other.lease.expiresAt);

      const renewed = await leases.acquire('renewal', 'a', 'http://a', 60_000);
      assert.equal(renewed.outcome, 'held');
      assert.equal(renewed.lease.epoch, 1);
      assert.equal(renewed.lease.acquiredAt, first.lease.acquiredAt);
      assert.ok(renewed.lease.expiresAt >= first.lease.expiresAt);

      // Only the holder releases it.
      assert.equal(await leases.release('renewal', 'b'), false);
      assert.equal(await leases.release('renewal', 'a'), true);
      const taken = await leases.acquire('renewal', 'b', 'http://b', 60_000);
      assert.equal(taken.outcome, 'held');
      assert.equal(taken.lease.epoch, 2, 'a new holder is a new epoch');
      assert.equal((await leases.get('renewal'))?.holder, 'b');
      assert.equal(await leases.get('nobody-took-this'), undefined);
    });

    it('frees a lease nobody renews once its TTL passes, and the next term has the next epoch', async () => {
      const leases = store.repositories.leases;
      assert.equal((await leases.acquire('expiry', 'a', null, 150)).outcome, 'held');
      // The database's clock decides: b's tries are refused until a's 150 ms have passed on it.
      const taken = await waitFor(() => leases.acquire('expiry', 'b', null, 60_000), {
        what: 'b to take the lease a stopped renewing',
        until: (attempt) => attempt.outcome === 'held',
        intervalMs: 20,
      });
      assert.equal(taken.lease.epoch, 2);
      // a comes back: refused, b holds it.
      assert.equal((await leases.acquire('expiry', 'a', null, 150)).outcome, 'held-by-other');
    });

    it('of many servers asking at once for a free lease, exactly one gets it', async () => {
      const leases = store.repositories.leases;
      const attempts = await Promise.all(Array.from({ length: 8 }, (_, index) => leases.acquire('race', `server-${index}`, null, 60_000)));
      const holders = attempts.filter((attempt) => attempt.outcome === 'held').map((attempt) => attempt.lease.holder);
      assert.equal(holders.length, 1, JSON.stringify(attempts));
      for (const attempt of attempts) assert.equal(attempt.lease.holder, holders[0]);
    });

    it('carries a signal from a publisher to every subscriber of its topic, and to no one else', async () => {
      const heard: string[] = [];
      const elsewhere: string[] = [];
      const subscription = await store.signals.subscribe(['job-runner', 'scheduler'], { onMessage: (topic) => heard.push(topic) });
      const other = await store.signals.subscribe(['serving'], { onMessage: (topic) => elsewhere.push(topic) });
      try {
        await store.signals.publish('job-runner');
        await store.signals.publish('scheduler');
        await waitFor(() => heard.length >= 2, { what: 'both signals to arrive' });
        assert.deepEqual(heard.sort(), ['job-runner', 'scheduler']);
        await store.signals.publish('serving');
        await waitFor(() => elsewhere.length >= 1, { what: 'the serving signal' });
        assert.deepEqual(heard.sort(), ['job-runner', 'scheduler'], 'a topic not subscribed is not heard');
      } finally {
        await subscription.close();
        await other.close();
      }
    });

    it('listens again after its connection is cut, and says so', {
      skip: dialect !== 'postgres' && 'SQLite signals have no connection',
    }, async () => {
      const heard: string[] = [];
      const errors: Error[] = [];
      let reconnects = 0;
      const subscription = await store.signals.subscribe(['reconnecting'], {
        onMessage: (topic) => heard.push(topic),
        onReconnect: () => (reconnects += 1),
        onError: (error) => errors.push(error),
      });
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        const cut = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen trellis_reconnecting'",
        );
        assert.equal(cut.rowCount, 1);
        await waitFor(() => reconnects, { what: 'the listener to connect again', timeoutMs: 15_000 });
        assert.ok(errors.length >= 1, 'the cut connection was reported');
        await store.signals.publish('reconnecting');
        await waitFor(() => heard.length, { what: 'a signal on the new connection' });
      } finally {
        await admin.end();
        await subscription.close();
      }
    });
  });
}
