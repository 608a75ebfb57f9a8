import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { secureDataDirectory } from './data-directory.js';

describe('secureDataDirectory', () => {
  const made: string[] = [];
  const temporary = async () => {
    const folder = await mkdtemp(join(tmpdir(), 'trellis-home-test-'));
    made.push(folder);
    return folder;
  };
  after(async () => {
    for (const folder of made) await rm(folder, { recursive: true, force: true });
  });

  it('creates a missing data directory 0700 and has nothing to report', async () => {
    const home = join(await temporary(), 'new', 'home');
    assert.equal(await secureDataDirectory(home), undefined);
    assert.equal((await stat(home)).mode & 0o777, 0o700);
  });

  it('makes an open one owner-only, top level and database files, and says what it fixed once', async () => {
    const home = await temporary();
    const elsewhere = await temporary();
    await chmod(home, 0o755);
    await mkdir(join(home, 'artifacts'));
    await chmod(join(home, 'artifacts'), 0o755);
    await writeFile(join(home, 'trellis.db'), '');
    await chmod(join(home, 'trellis.db'), 0o644);
    await writeFile(join(elsewhere, 'other.db-wal'), '');
    await chmod(join(elsewhere, 'other.db-wal'), 0o640);
    const line = await secureDataDirectory(home, [join(elsewhere, 'other.db')]);
    assert.equal(
      line,
      `data directory ${home}: made owner-only what others could read: itself 0755 -> 0700, artifacts 0755 -> 0700, trellis.db 0644 -> 0600, ${join(elsewhere, 'other.db-wal')} 0640 -> 0600`,
    );
    assert.equal((await stat(join(home, 'trellis.db'))).mode & 0o777, 0o600);
    assert.equal(await secureDataDirectory(home, [join(elsewhere, 'other.db')]), undefined);
  });
});
