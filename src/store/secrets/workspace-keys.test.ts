import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, type TestDatabase, testDialects } from '../../../test/support/databases.js';
import { Store } from '../store.js';

const now = '2026-12-06T00:00:00.000Z';
const secrets = { primaryKey: 'primary-secret-1', secondaryKey: 'secondary-secret-1', tokenSecret: 'token-secret-1' };

function endpoint(workspace: string, name: string) {
  return {
    workspace,
    name,
    type: 'online' as const,
    description: null,
    tags: {},
    authMode: 'key' as const,
    traffic: {},
    mirrorTraffic: {},
    defaultDeployment: null,
    compute: null,
    state: 'Succeeded' as const,
    createdBy: 'tester',
    createdAt: 1,
    updatedAt: 1,
    etag: 'e',
  };
}

type Row = Record<string, unknown>;

/** SQL straight at the database, around the store: what an attacker with the files would see. */
async function raw(database: TestDatabase, home: string, text: string, parameters: unknown[] = []): Promise<Row[]> {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      let index = 0;
      return (
        await client.query(
          text.replace(/\?/g, () => `$${++index}`),
          parameters,
        )
      ).rows;
    } finally {
      await client.end();
    }
  }
  const connection = new SqliteDatabase(join(home, 'trellis.db'));
  try {
    const statement = connection.prepare(text);
    if (statement.reader) return statement.all(...parameters) as Row[];
    statement.run(...parameters);
    return [];
  } finally {
    connection.close();
  }
}

for (const dialect of testDialects()) {
  describe(`workspace keys on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let store: Store;
    const open = async () => {
      const opened = Store.open({ home, databaseUrl: database.url });
      await opened.migrate();
      return opened;
    };

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-keys-'));
      database = await createTestDatabase(dialect);
      store = await open();
      for (const name of ['dev', 'prod']) {
        await store.repositories.workspaces.insert({ name, spec: {}, status: {}, tags: {}, description: null }, 'tester', now);
        await store.repositories.endpoints.insertEndpoint(endpoint(name, 'web'));
        await store.repositories.endpoints.insertEndpoint(endpoint(name, 'api'));
      }
    });
    after(async () => {
      await store?.close();
      await database?.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('stores endpoint secrets sealed, one data key per workspace, wrapped by kek-1', async () => {
      await store.repositories.endpoints.putSecrets('dev', 'web', secrets);
      await store.repositories.endpoints.putSecrets('prod', 'web', secrets);
      const [row] = await raw(database, home, 'select * from endpoint_secrets where workspace = ? and endpoint = ?', ['dev', 'web']);
      for (const column of ['primary_key', 'secondary_key', 'token_secret']) assert.match(String(row?.[column]), /^enc:v1:dk-[\w-]+:/);
      assert.ok(!JSON.stringify(row).includes('secret-1'));
      assert.deepEqual(await store.repositories.endpoints.getSecrets('dev', 'web'), secrets);
      const keys = await raw(database, home, 'select workspace, kek_id from workspace_keys order by workspace');
      assert.deepEqual(keys, [
        { workspace: 'dev', kek_id: 'file:1' },
        { workspace: 'prod', kek_id: 'file:1' },
      ]);
      assert.deepEqual(await readdir(join(home, 'keys')), ['kek-1.key']);
    });

    it('writes nothing when the transaction that sealed rolls back, and seals again after', async () => {
      await assert.rejects(
        store.transaction(async (repositories) => {
          await repositories.endpoints.putSecrets('dev', 'api', secrets);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.equal(await store.repositories.endpoints.getSecrets('dev', 'api'), undefined);
      await store.transaction((repositories) => repositories.endpoints.putSecrets('dev', 'api', secrets));
      assert.deepEqual(await store.repositories.endpoints.getSecrets('dev', 'api'), secrets);
    });

    it('does not open a sealed value copied to another endpoint or another workspace', async () => {
      const [source] = await raw(database, home, 'select primary_key from endpoint_secrets where workspace = ? and endpoint = ?', [
        'dev',
        'web',
      ]);
      await raw(database, home, 'update endpoint_secrets set primary_key = ? where workspace = ? and endpoint = ?', [
        source?.primary_key,
        'dev',
        'api',
      ]);
      await raw(database, home, 'update endpoint_secrets set primary_key = ? where workspace = ? and endpoint = ?', [
        source?.primary_key,
        'prod',
        'web',
      ]);
      const fresh = await open();
      try {
        for (const [workspace, name] of [
          ['dev', 'api'],
          ['prod', 'web'],
        ] as const) {
          await assert.rejects(fresh.repositories.endpoints.getSecrets(workspace, name), (error: Error) => {
            assert.equal((error as Error & { code?: string }).code, 'SecretUnreadable');
            assert.ok(!error.message.includes('secret-1'));
            return true;
          });
        }
      } finally {
        await fresh.close();
      }
      await store.repositories.endpoints.putSecrets('dev', 'api', secrets);
      await store.repositories.endpoints.putSecrets('prod', 'web', secrets);
    });

    it('rotates to kek-2 by re-wrapping data keys only; everything still reads, after a restart too', async () => {
      const sealedBefore = await raw(database, home, 'select * from endpoint_secrets order by workspace, endpoint');
      const rewrapped = await store.rotateKeys();
      assert.deepEqual(
        rewrapped.map((key) => [key.workspace, key.fromKekId, key.toKekId]),
        [
          ['dev', 'file:1', 'file:2'],
          ['prod', 'file:1', 'file:2'],
        ],
      );
      assert.deepEqual(await raw(database, home, 'select * from endpoint_secrets order by workspace, endpoint'), sealedBefore);
      assert.deepEqual((await readdir(join(home, 'keys'))).sort(), ['kek-1.key', 'kek-2.key']);
      assert.deepEqual(await store.repositories.endpoints.getSecrets('prod', 'web'), secrets);
      const [dev] = await store.rotateKeys({ workspace: 'dev' });
      assert.deepEqual([dev?.fromKekId, dev?.toKekId], ['file:2', 'file:3']);
      await store.close();
      store = await open();
      assert.deepEqual(await store.repositories.endpoints.getSecrets('dev', 'web'), secrets);
      assert.deepEqual(await store.repositories.endpoints.getSecrets('prod', 'web'), secrets);
    });

    it('seals rows kept in the clear when the store starts', async () => {
      await raw(
        database,
        home,
        'insert into endpoint_secrets (workspace, endpoint, primary_key, secondary_key, token_secret) values (?, ?, ?, ?, ?)',
        ['prod', 'api', 'legacy-primary', 'legacy-secondary', 'legacy-token'],
      );
      await store.close();
      store = await open();
      const [row] = await raw(database, home, 'select * from endpoint_secrets where workspace = ? and endpoint = ?', ['prod', 'api']);
      assert.ok(!JSON.stringify(row).includes('legacy-'));
      if (dialect === 'sqlite') {
        // The pages that held the plaintext were rewritten, not only the row.
        for (const file of (await readdir(home)).filter((name) => name.startsWith('trellis.db'))) {
          assert.equal((await readFile(join(home, file))).indexOf('legacy-primary'), -1, file);
        }
      }
      assert.deepEqual(await store.repositories.endpoints.getSecrets('prod', 'api'), {
        primaryKey: 'legacy-primary',
        secondaryKey: 'legacy-secondary',
        tokenSecret: 'legacy-token',
      });
    });

    it("makes a workspace's first key inside a transaction while the store is making it outside, without a deadlock", async () => {
      await store.repositories.workspaces.insert({ name: 'race', spec: {}, status: {}, tags: {}, description: null }, 'tester', now);
      for (const name of ['inside', 'outside']) await store.repositories.endpoints.insertEndpoint(endpoint('race', name));
      // Another request's seal, started outside the transaction once the transaction holds the database.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const outside = held.then(() => store.repositories.endpoints.putSecrets('race', 'outside', secrets));
      const inside = store.transaction(async (repositories) => {
        release();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await repositories.endpoints.putSecrets('race', 'inside', secrets);
      });
      const settled = await Promise.race([
        Promise.all([inside, outside]).then(() => 'done'),
        new Promise((resolve) => setTimeout(() => resolve('deadlocked'), 5000)),
      ]);
      assert.equal(settled, 'done');
      assert.deepEqual(await store.repositories.endpoints.getSecrets('race', 'inside'), secrets);
      assert.deepEqual(await store.repositories.endpoints.getSecrets('race', 'outside'), secrets);
    });
  });
}
