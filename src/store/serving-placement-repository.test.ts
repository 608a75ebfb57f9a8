import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, testDialects, type TestDatabase } from '../../test/support/databases.js';
import { Store } from './store.js';

for (const dialect of testDialects()) {
  describe(`serving placements on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-placements-'));
      database = await createTestDatabase(dialect);
      store = Store.open({ home, databaseUrl: database.url });
      await store.migrate();
    });

    after(async () => {
      await store.close();
      await database.drop();
      await rm(home, { recursive: true, force: true });
    });

    it("replaces a server's placements with what it serves now, stamped with the database's clock, and withdraws them", async () => {
      const placements = store.repositories.servingPlacements;
      const served = (deployment: string, readyInstances: number) => ({ workspace: 'default', endpoint: 'e', deployment, readyInstances });
      await placements.publish('a', 'http://a', [served('blue', 1), served('green', 0)]);
      await placements.publish('b', 'http://b', [served('blue', 2)]);
      // a no longer serves green.
      await placements.publish('a', 'http://a', [served('blue', 3)]);
      const found = await placements.ofEndpoint('default', 'e');
      const rows = found.placements
        .map((placement) => [placement.server, placement.address, placement.deployment, placement.readyInstances])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
      assert.deepEqual(rows, [
        ['a', 'http://a', 'blue', 3],
        ['b', 'http://b', 'blue', 2],
      ]);
      for (const placement of found.placements) assert.ok(Math.abs(placement.seenAt - found.databaseNow) < 5_000);
      assert.deepEqual((await placements.ofEndpoint('default', 'other')).placements, []);

      await placements.withdraw('a');
      assert.deepEqual(
        (await placements.ofEndpoint('default', 'e')).placements.map((placement) => placement.server),
        ['b'],
      );
      await placements.publish('b', 'http://b', []);
      assert.deepEqual((await placements.ofEndpoint('default', 'e')).placements, []);
    });
  });
}
