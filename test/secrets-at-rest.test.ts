import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { TrellisClient } from '../src/client/trellis-client.js';
import { loadConfig } from '../src/config/config.js';
import { type RunningServer, startServer } from '../src/server/start-server.js';
import { Pkcs11KekProvider } from '../src/store/secrets/pkcs11-kek.js';
import { skipUnless } from './support/capabilities.js';
import { createTestDatabase, type TestDatabase, testDialects } from './support/databases.js';
import { createSoftHsmTokens, type SoftHsmTokens, softhsmMissing, softhsmModule } from './support/softhsm.js';
import { filesHolding } from './support/files-holding.js';

/**
 * Endpoint keys are encrypted at rest: no file of the data directory (the SQLite database with its
 * -wal and -shm included) and no row of the database holds a key, yet the API still shows them,
 * after a restart and after the key-encryption key is rotated. With a key file Trellis makes, and
 * with a customer-managed key in a PKCS#11 token (SoftHSM2).
 */

async function rows(database: TestDatabase, home: string, text: string): Promise<Array<Record<string, unknown>>> {
  if (database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }
  const connection = new SqliteDatabase(join(home, 'trellis.db'), { readonly: true });
  try {
    return connection.prepare(text).all() as Array<Record<string, unknown>>;
  } finally {
    connection.close();
  }
}

/** A running server on `home`, with `databaseUrl` (PostgreSQL) or its own SQLite file. */
async function serve(home: string, database: TestDatabase): Promise<{ server: RunningServer; client: TrellisClient }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: '0', TRELLIS_HOST: '127.0.0.1' };
  delete env.TRELLIS_DATABASE_URL;
  if (database.url) env.TRELLIS_DATABASE_URL = database.url;
  const server = await startServer(loadConfig(env), { logLevel: 'silent' });
  return { server, client: new TrellisClient(server.url) };
}

async function primaryKey(
  client: TrellisClient,
  workspace: string,
  endpoint: string,
): Promise<{ primaryKey: string; secondaryKey: string }> {
  const credentials = await client.endpointCredentials(workspace, endpoint);
  assert.ok('primaryKey' in credentials, JSON.stringify(credentials));
  return { primaryKey: credentials.primaryKey, secondaryKey: credentials.secondaryKey };
}

/** Neither key, as text or as its 32 raw bytes, in any file under `home` or in any row of the endpoint tables. */
async function assertNowhere(home: string, database: TestDatabase, keys: { primaryKey: string; secondaryKey: string }): Promise<void> {
  for (const key of [keys.primaryKey, keys.secondaryKey]) {
    assert.deepEqual(await filesHolding(home, Buffer.from(key, 'utf8')), [], 'the key as text');
    assert.deepEqual(await filesHolding(home, Buffer.from(key, 'base64url')), [], 'the key as bytes');
    const stored = JSON.stringify(await rows(database, home, 'select * from endpoint_secrets'));
    assert.ok(stored.includes('enc:v1:'), stored.slice(0, 200));
    assert.ok(!stored.includes(key), 'a row of endpoint_secrets holds the key');
  }
}

for (const dialect of testDialects()) {
  describe(`secrets at rest with the key file on ${dialect}`, () => {
    let home: string;
    let database: TestDatabase;
    let running: { server: RunningServer; client: TrellisClient } | undefined;

    before(async () => {
      home = await mkdtemp(join(tmpdir(), 'trellis-secrets-'));
      database = await createTestDatabase(dialect);
      running = await serve(home, database);
    });
    after(async () => {
      await running?.server.close();
      await database?.drop();
      await rm(home, { recursive: true, force: true });
    });

    it('keeps endpoint keys out of every file and row, and still shows them, across restarts and a rotation', async () => {
      assert.ok(running);
      await running.client.applyOnlineEndpoint('default', { fileName: 'endpoint.yml', text: 'name: sealed-online\nauth_mode: key\n' });
      const keys = await primaryKey(running.client, 'default', 'sealed-online');
      await assertNowhere(home, database, keys);
      assert.deepEqual(await readdir(join(home, 'keys')), ['kek-1.key']);

      await running.server.close();
      running = undefined;
      await assertNowhere(home, database, keys);
      running = await serve(home, database);
      assert.deepEqual(await primaryKey(running.client, 'default', 'sealed-online'), keys);

      // Through the API, as trellis workspace rotate-key does it.
      const { rewrapped } = await running.client.rotateWorkspaceKey('default');
      assert.deepEqual(
        rewrapped.map((key) => [key.workspace, key.fromKekId, key.toKekId]),
        [['default', 'file:1', 'file:2']],
      );
      const audit = await running.client.audit('default', { kind: 'workspaceKey' });
      assert.match(audit.items[0]?.summary ?? '', /re-wrapped from file:1 to file:2/);
      assert.deepEqual(await primaryKey(running.client, 'default', 'sealed-online'), keys);
      await running.server.close();
      running = await serve(home, database);
      assert.deepEqual(await primaryKey(running.client, 'default', 'sealed-online'), keys);
      assert.deepEqual(await rows(database, home, 'select workspace, kek_id from workspace_keys'), [
        { workspace: 'default', kek_id: 'file:2' },
      ]);
      await assertNowhere(home, database, keys);
    });
  });
}

describe('secrets at rest with a customer-managed key in SoftHSM2', { skip: skipUnless('softhsm2', softhsmMissing()) }, () => {
  let home: string;
  let tokens: SoftHsmTokens;
  let database: TestDatabase;
  let running: { server: RunningServer; client: TrellisClient } | undefined;
  const saved = { module: process.env.TRELLIS_PKCS11_MODULE, pin: process.env.TRELLIS_PKCS11_PIN };

  before(async () => {
    tokens = await createSoftHsmTokens({ trellis: '1234' });
    const admin = new Pkcs11KekProvider({ module: softhsmModule, pin: '1234' });
    await admin.createKey({ token: 'trellis', object: 'kek-a' });
    await admin.close();
    process.env.TRELLIS_PKCS11_MODULE = softhsmModule;
    process.env.TRELLIS_PKCS11_PIN = '1234';
    home = await mkdtemp(join(tmpdir(), 'trellis-secrets-hsm-'));
    database = await createTestDatabase('sqlite');
    running = await serve(home, database);
  });
  after(async () => {
    await running?.server.close();
    if (saved.module === undefined) delete process.env.TRELLIS_PKCS11_MODULE;
    else process.env.TRELLIS_PKCS11_MODULE = saved.module;
    if (saved.pin === undefined) delete process.env.TRELLIS_PKCS11_PIN;
    else process.env.TRELLIS_PKCS11_PIN = saved.pin;
    await rm(home, { recursive: true, force: true });
    await tokens?.cleanup();
  });

  it('wraps the workspace data key in the token named by customer_managed_key.key_uri, and rotates in the token', async () => {
    assert.ok(running);
    await running.client.createWorkspace({ name: 'cmk', customer_managed_key: { key_uri: 'pkcs11:token=trellis;object=kek-a' } });
    await running.client.applyOnlineEndpoint('cmk', { fileName: 'endpoint.yml', text: 'name: hsm-online\nauth_mode: key\n' });
    const keys = await primaryKey(running.client, 'cmk', 'hsm-online');
    await assertNowhere(home, database, keys);
    assert.deepEqual(await rows(database, home, "select kek_id from workspace_keys where workspace = 'cmk'"), [
      { kek_id: 'pkcs11:token=trellis;object=kek-a' },
    ]);

    const [rewrapped] = await running.server.store.rotateKeys({ workspace: 'cmk' });
    assert.equal(rewrapped?.toKekId, 'pkcs11:token=trellis;object=kek-a-v2');
    assert.deepEqual(await primaryKey(running.client, 'cmk', 'hsm-online'), keys);
    await running.server.close();
    running = await serve(home, database);
    assert.deepEqual(await primaryKey(running.client, 'cmk', 'hsm-online'), keys);
    await assertNowhere(home, database, keys);
  });

  it('answers 400 KeyNotFound, naming the label and the token, when the token lacks the key, and creates nothing', async () => {
    assert.ok(running);
    await running.client.createWorkspace({
      name: 'cmk-missing',
      customer_managed_key: { key_uri: 'pkcs11:token=trellis;object=absent-key' },
    });
    const refused = await fetch(`${running.server.url}/api/v1/workspaces/cmk-missing/online-endpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'endpoint.yml', text: 'name: never\nauth_mode: key\n' }),
    });
    const problem = (await refused.json()) as { code?: string; detail?: string; message?: string };
    assert.equal(refused.status, 400, JSON.stringify(problem));
    assert.match(JSON.stringify(problem), /KeyNotFound/);
    assert.match(JSON.stringify(problem), /absent-key/);
    assert.match(JSON.stringify(problem), /'trellis'/);
    assert.deepEqual((await running.client.listOnlineEndpoints('cmk-missing')).items, []);
  });
});
