import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestDatabase, testDialects } from './support/databases.js';
import { removeHome, startTrellis } from './support/trellis-process.js';

for (const dialect of testDialects()) {
  describe(`durability on ${dialect}`, () => {
    it('keeps every acknowledged create across kill -9 of the server', async () => {
      const database = await createTestDatabase(dialect);
      const first = await startTrellis({ databaseUrl: database.url });
      const acknowledged: string[] = [];
      // Fire creates back to back and kill the server right after the last acknowledgement.
      for (let i = 0; i < 20; i++) {
        const result = await first.client.apply('default', {
          fileName: 'c.yml',
          text: `name: cluster-${i}\ntype: amlcompute\nmax_instances: ${i + 1}\n`,
          kind: 'compute',
        });
        assert.equal(result.action, 'created');
        acknowledged.push(result.name);
      }
      await first.stop('SIGKILL');
      assert.equal(first.child.signalCode, 'SIGKILL');

      const second = await startTrellis({ databaseUrl: database.url, home: first.home });
      try {
        const page = await second.client.list('default', 'compute', { limit: 100 });
        assert.deepEqual(page.items.map((r) => r.name).sort(), [...acknowledged].sort());
        const audit = await second.client.audit('default', { kind: 'compute', limit: 100 });
        assert.equal(audit.items.length, acknowledged.length);
      } finally {
        await second.stop();
        await removeHome(first.home);
        await database.drop();
      }
    });
  });
}
