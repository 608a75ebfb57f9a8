import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/** Every path under a folder (itself included) whose mode lets group or others in. */
async function openToOthers(folder: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string) => {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) found.push(`${path} 0${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory())
      for (const entry of await readdir(path, { withFileTypes: true })) if (!entry.isSymbolicLink()) await visit(join(path, entry.name));
  };
  await visit(folder);
  return found;
}

// Issue 12: the database (endpoint keys, token secrets) was created world-readable.
describe('the data directory is owner-only, and keys stay out of logs and the audit', () => {
  let parent: string;
  let home: string;
  let trellis: TrellisProcess;
  const cli = (...args: string[]) => runCli(args, { url: trellis.url, cwd: parent });
  const json = async (...args: string[]) => {
    const result = await cli(...args, '-o', 'json');
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  before(async () => {
    parent = await mkdtemp(join(tmpdir(), 'trellis-private-'));
    // A home that does not exist yet: the server makes it.
    home = join(parent, 'home');
    trellis = await startTrellis({ home });
  });

  after(async () => {
    await trellis.stop();
    await removeHome(home);
    await rm(parent, { recursive: true, force: true });
  });

  it('creates the data directory 0700 and the database, its -wal and -shm 0600', async () => {
    await json('online-endpoint', 'create', '--name', 'private-ep');
    assert.equal((await stat(home)).mode & 0o777, 0o700);
    for (const file of ['trellis.db', 'trellis.db-wal', 'trellis.db-shm'])
      assert.equal((await stat(join(home, file))).mode & 0o777, 0o600, file);
    assert.deepEqual(await openToOthers(home), []);
    assert.doesNotMatch(trellis.output(), /made owner-only/);
  });

  it('keeps endpoint keys, tokens and the token secret out of the server output and the audit log', async () => {
    const first = await json('online-endpoint', 'get-credentials', '--name', 'private-ep');
    const scoringUri = String((await json('online-endpoint', 'show', '--name', 'private-ep')).scoring_uri);
    assert.match(scoringUri, /^http:/);
    // A right key and a wrong one at the scoring URI: the router answers both without echoing them.
    for (const key of [String(first.primaryKey), 'not-the-key-0123456789'])
      await fetch(scoringUri, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      });
    assert.equal((await cli('online-endpoint', 'regenerate-keys', '--name', 'private-ep', '--key-type', 'primary')).code, 0);
    assert.equal((await cli('online-endpoint', 'regenerate-keys', '--name', 'private-ep', '--key-type', 'secondary')).code, 0);
    const second = await json('online-endpoint', 'get-credentials', '--name', 'private-ep');
    await json('online-endpoint', 'create', '--name', 'token-ep', '--auth-mode', 'aml_token');
    const token = await json('online-endpoint', 'get-credentials', '--name', 'token-ep');

    const database = new SqliteDatabase(join(home, 'trellis.db'), { readonly: true });
    const stored = database.prepare('select primary_key, secondary_key, token_secret from endpoint_secrets').all() as Array<
      Record<string, string>
    >;
    database.close();
    const secrets = [
      first.primaryKey,
      first.secondaryKey,
      second.primaryKey,
      second.secondaryKey,
      token.accessToken,
      ...stored.flatMap((row) => Object.values(row)),
    ].map(String);
    assert.ok(
      secrets.every((secret) => secret.length >= 16),
      JSON.stringify(secrets),
    );

    const audit = await cli('audit', '--limit', '100', '-o', 'json');
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /regenerate-keys/);
    const serverOutput = trellis.output();
    for (const secret of secrets) {
      assert.ok(!serverOutput.includes(secret), 'a key or secret is in the server output');
      assert.ok(!audit.stdout.includes(secret), 'a key or secret is in the audit log');
    }
  });

  it('fixes the modes of an existing data directory at start, and says so in one line', async () => {
    await trellis.stop();
    await chmod(home, 0o755);
    await chmod(join(home, 'trellis.db'), 0o644);
    // As an older Trellis left it: folders 0755 under the 0022 umask.
    await mkdir(join(home, 'artifacts'), { recursive: true });
    await chmod(join(home, 'artifacts'), 0o755);
    trellis = await startTrellis({ home });
    const notices = trellis
      .output()
      .split('\n')
      .filter((line) => line.includes('made owner-only'));
    assert.equal(notices.length, 1, trellis.output());
    const notice = notices[0] ?? '';
    assert.ok(notice.startsWith(`data directory ${home}: made owner-only`), notice);
    for (const fixed of ['itself 0755 -> 0700', 'artifacts 0755 -> 0700', 'trellis.db 0644 -> 0600'])
      assert.ok(notice.includes(fixed), notice);
    assert.deepEqual(await openToOthers(home), []);
    const endpoints = await cli('online-endpoint', 'list');
    assert.match(endpoints.stdout, /private-ep/);
  });
});
