import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isTrellisError } from '../../core/errors.js';
import { describeArtifactStoreContract } from '../artifact-store.contract.js';
import { LocalArtifactStore } from './local-artifact-store.js';

/** Every regular file under `dir`, as '/'-separated paths relative to it (none once deleteAll removed it). */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      join(entry.parentPath, entry.name)
        .slice(dir.length + 1)
        .split('\\')
        .join('/'),
    )
    .sort();
}

const text = (value: string) => Readable.from([Buffer.from(value)]);

describeArtifactStoreContract('local filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'trellis-artifacts-'));
  return {
    store: new LocalArtifactStore(root),
    listRawObjects: () => listFiles(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('LocalArtifactStore on disk', () => {
  let base: string;
  let root: string;
  let store: LocalArtifactStore;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'trellis-artifacts-'));
    root = join(base, 'store');
    store = new LocalArtifactStore(root);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  async function refusesEscape(promise: Promise<unknown>) {
    await assert.rejects(promise, (error) => {
      assert.ok(isTrellisError(error));
      assert.equal(error.code, 'InvalidArtifactPath');
      assert.match(error.message, /outside the artifact store through a symbolic link/);
      return true;
    });
  }

  it('lays out content, named objects and temp files under the root', async () => {
    const { digest } = await store.putContent(text('content'));
    await store.put('a/b.txt', text('named'));
    const hex = digest.slice('sha256:'.length);
    assert.deepEqual(await listFiles(root), [`blobs/sha256/${hex.slice(0, 2)}/${hex}`, 'objects/a/b.txt']);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    // Deleting the last file of a folder removes the folder, as a blob store would show it.
    await store.put('a/c/d.txt', text('nested'));
    await store.delete('a/c/d.txt');
    await store.delete('a/b.txt');
    assert.deepEqual(await readdir(join(root, 'objects')), []);
  });

  it('refuses to follow a symbolic link out of the root', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await store.put('ok.txt', text('ok'));
    await symlink(outside, join(root, 'objects', 'escape'));
    await symlink(join(outside, 'secret.txt'), join(root, 'objects', 'secret-link.txt'));

    await refusesEscape(store.open('escape/secret.txt'));
    await refusesEscape(store.open('secret-link.txt'));
    await refusesEscape(store.stat('escape/secret.txt'));
    await refusesEscape(store.list('escape'));
    await refusesEscape(store.delete('escape/secret.txt'));
    await refusesEscape(store.put('escape/planted.txt', text('x')));
    await refusesEscape(store.put('escape/new/deeper/planted.txt', text('x')));
    assert.deepEqual(await readdir(outside), ['secret.txt'], 'nothing was written outside the root');
    assert.equal(await readFile(join(outside, 'secret.txt'), 'utf8'), 'secret');
    // Listings skip links rather than follow them.
    assert.deepEqual(
      (await store.list('', { recursive: true })).items.map((item) => item.path),
      ['ok.txt'],
    );
  });

  it('hides empty folders, which a blob store cannot have (left by a crash or by hand)', async () => {
    await store.put('kept/file.txt', text('x'));
    await mkdir(join(root, 'objects', 'empty', 'inner'), { recursive: true });
    await mkdir(join(root, 'objects', 'kept', 'hollow'));
    assert.deepEqual((await store.list('')).items, [{ path: 'kept', isDirectory: true }]);
    assert.deepEqual((await store.list('kept')).items, [{ path: 'kept/file.txt', size: 1, isDirectory: false }]);
  });

  it('deletes a file while the whole store is being removed, without an error', async () => {
    // A file deleted while the whole store is removed (a workspace deleted with --force beside it).
    for (let round = 0; round < 200; round += 1) {
      await store.put(`shared/${round}.txt`, text('x'));
      await Promise.all([store.delete(`shared/${round}.txt`), store.deleteAll()]);
    }
    assert.deepEqual(await listFiles(root), []);
  });

  it('refuses a file and a folder of the same name, which a filesystem cannot hold', async () => {
    await store.put('a', text('file'));
    await store.put('d/x', text('in folder'));
    for (const [path, what] of [
      ['a/b', 'under a file'],
      ['d', 'over a folder'],
    ] as const) {
      await assert.rejects(store.put(path, text('x')), (error) => {
        assert.ok(isTrellisError(error), what);
        return error.code === 'ArtifactPathConflict' && error.status === 409;
      });
    }
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  });

  it('never shows a half-written object when the writer is killed, and sweeps its temp file', async () => {
    await store.put('model.bin', text('old model'));
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', killedWriterScript(root)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // The child says "writing" once bytes reach the temp file; then it dies as with kill -9.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (data: Buffer) => data.toString().includes('writing') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;

    assert.equal(await readFile(join(root, 'objects', 'model.bin'), 'utf8'), 'old model');
    assert.equal((await store.stat('model.bin'))?.size, 9);
    assert.equal((await readdir(join(root, 'tmp'))).length, 1, 'the killed write left its temp file');
    assert.equal(await store.sweepTemporaryFiles(60_000), 0, 'a fresh temp file may still be in use');
    assert.equal(await store.sweepTemporaryFiles(0), 1);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
  });
});

/** A child process that overwrites model.bin from an endless stream, reporting once it is under way. */
function killedWriterScript(root: string): string {
  const storeModule = fileURLToPath(new URL('./local-artifact-store.ts', import.meta.url));
  return `
    import { Readable } from 'node:stream';
    import { LocalArtifactStore } from ${JSON.stringify(storeModule)};
    let sent = 0;
    const endless = new Readable({ read() {
      sent += 1;
      if (sent === 64) process.stdout.write('writing\\n');
      this.push(Buffer.alloc(64 * 1024, 7));
    } });
    await new LocalArtifactStore(${JSON.stringify(root)}).put('model.bin', endless);
  `;
}
