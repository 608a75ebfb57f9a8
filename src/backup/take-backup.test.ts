import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { SqliteSnapshots } from '../store/snapshot/sqlite-snapshot.js';
import { folderTarget } from './folder/folder-target.js';
import { restoreBackup } from './restore-backup.js';
import { takeBackup } from './take-backup.js';

/**
 * Incremental backups of a data directory whose database a "server" connection keeps open and
 * writes in WAL mode, as a running Trellis does: what is copied again, what is not, and that a
 * write between two backups is never hidden by the reuse of the last snapshot.
 */
describe('takeBackup, incrementally, beside a writing connection', () => {
  let scratch: string;
  let home: string;
  let server: SqliteDatabase.Database;
  const target = () => folderTarget(join(scratch, 'backups'));
  const backup = () => takeBackup({ home, snapshots: new SqliteSnapshots(join(home, 'trellis.db')), target: target() });

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-take-backup-'));
    home = join(scratch, 'home');
    await mkdir(join(home, 'artifacts', 'workspaces', 'default', 'objects'), { recursive: true });
    await mkdir(join(home, 'environments', 'abc'), { recursive: true });
    await writeFile(join(home, 'artifacts', 'workspaces', 'default', 'objects', 'a.txt'), 'artifact a');
    await writeFile(join(home, 'artifacts', 'workspaces', 'default', 'objects', 'same.txt'), 'artifact a');
    await writeFile(join(home, 'environments', 'abc', 'python'), 'a cache');
    server = new SqliteDatabase(join(home, 'trellis.db'));
    server.pragma('journal_mode = WAL');
    server.exec(
      "create table kysely_migration (name text); insert into kysely_migration values ('001-initial'); create table runs (id integer)",
    );
  });
  after(async () => {
    server?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('copies each new byte once, then nothing while nothing changes, then only what changed', async () => {
    const first = await backup();
    assert.equal(first.files, 2, 'the cache is left out');
    // Two files with the same bytes are one object; the snapshot is another.
    assert.deepEqual(first.copied.objects, 2);
    assert.equal(first.metadata.reused, false);

    const unchanged = await backup();
    assert.deepEqual(unchanged.copied, { objects: 0, bytes: 0 });
    assert.equal(unchanged.metadata.reused, true, 'the database did not change: not read again');

    server.exec('insert into runs values (1)');
    await writeFile(join(home, 'artifacts', 'workspaces', 'default', 'objects', 'b.txt'), 'artifact b');
    const changed = await backup();
    assert.equal(changed.metadata.reused, false, 'a write since the last backup takes a new snapshot');
    assert.equal(changed.metadata.copied, true);
    assert.equal(changed.copied.objects, 2, 'the new snapshot and the new file');
    assert.equal(changed.files, 3);

    // The newest backup restores with the row written last.
    const restored = join(scratch, 'restored');
    await restoreBackup({ home: restored, snapshots: new SqliteSnapshots(join(restored, 'trellis.db')), target: target(), replace: false });
    const copy = new SqliteDatabase(join(restored, 'trellis.db'), { readonly: true });
    try {
      assert.deepEqual(copy.prepare('select id from runs').all(), [{ id: 1 }]);
    } finally {
      copy.close();
    }
    assert.equal(await readFile(join(restored, 'artifacts', 'workspaces', 'default', 'objects', 'b.txt'), 'utf8'), 'artifact b');
  });
});
