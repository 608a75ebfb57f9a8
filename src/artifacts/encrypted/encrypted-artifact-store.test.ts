import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { isTrellisError } from '../../core/errors.js';
import { describeArtifactStoreContract } from '../artifact-store.contract.js';
import { LocalArtifactStore } from '../local/local-artifact-store.js';
import { folderSize, QuotaArtifactStore } from '../quota-artifact-store.js';
import { type ArtifactKeys, EncryptedArtifactStore, requiresEncryptedArtifacts } from './encrypted-artifact-store.js';

/** Every regular file under `dir`, as '/'-separated paths relative to it. */
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

/** Every file under `dir` holding `needle`. */
async function filesHolding(dir: string, needle: Buffer): Promise<string[]> {
  const holding: string[] = [];
  for (const file of await listFiles(dir)) if ((await readFile(join(dir, file))).includes(needle)) holding.push(file);
  return holding;
}

function memoryKeys(): ArtifactKeys & { rotate(): void } {
  const keys = new Map<string, Buffer>([['dk-1', randomBytes(32)]]);
  let current = 'dk-1';
  return {
    currentKey: async () => ({ id: current, key: keys.get(current) ?? Buffer.alloc(0) }),
    keyById: async (id) => keys.get(id),
    rotate() {
      current = `dk-${keys.size + 1}`;
      keys.set(current, randomBytes(32));
    },
  };
}

const bytes = (value: Buffer | string) => Readable.from([Buffer.from(value)]);

describeArtifactStoreContract('encrypted local filesystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'trellis-encrypted-'));
  return {
    store: new EncryptedArtifactStore(new LocalArtifactStore(root), { workspace: 'ws', keys: memoryKeys() }),
    listRawObjects: () => listFiles(root),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('EncryptedArtifactStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trellis-encrypted-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('writes no plaintext byte to disk, and reports plaintext sizes and digests', async () => {
    const dir = join(root, 'sealed');
    const store = new EncryptedArtifactStore(new LocalArtifactStore(dir), { workspace: 'ws', keys: memoryKeys() });
    const marker = randomBytes(32).toString('hex');
    const payload = Buffer.concat([randomBytes(70_000), Buffer.from(marker), randomBytes(70_000)]);
    const put = await store.put('runs/1/model.bin', bytes(payload));
    const content = await store.putContent(bytes(payload));
    assert.equal(put.size, payload.length);
    assert.equal(put.digest, content.digest);
    assert.equal(content.isNew, true);
    assert.equal((await store.putContent(bytes(payload))).isNew, false, 'dedupes by the plaintext digest');
    await assert.rejects(store.putContent(bytes(`${marker}!`), { expectedDigest: content.digest }), /DigestMismatch|hashes to/);
    await assert.rejects(store.put('runs/1/too-big.bin', bytes(marker), { maxBytes: 10 }), /larger than the limit/);
    assert.deepEqual(await filesHolding(dir, Buffer.from(marker)), []);
    assert.deepEqual(await filesHolding(dir, payload.subarray(0, 32)), []);
    assert.deepEqual(
      (await listFiles(dir)).filter((file) => file.startsWith('tmp/')),
      [],
      'no temp file left',
    );

    assert.equal((await store.stat('runs/1/model.bin'))?.size, payload.length);
    assert.deepEqual(await store.hasContent(content.digest), { size: payload.length });
    assert.deepEqual((await store.list('runs/1')).items, [{ path: 'runs/1/model.bin', size: payload.length, isDirectory: false }]);
    assert.ok((await buffer(await store.open('runs/1/model.bin'))).equals(payload));
    assert.ok((await buffer(await store.openContent(content.digest))).equals(payload));
    const start = 70_000 - 3;
    const ranged = await buffer(await store.open('runs/1/model.bin', { start, end: start + 69 }));
    assert.ok(ranged.equals(payload.subarray(start, start + 70)));
  });

  it('reads objects stored as plaintext before, and writes plaintext when the workspace does not ask for encryption', async () => {
    const dir = join(root, 'mixed');
    await new LocalArtifactStore(dir).put('old.txt', bytes('stored before encryption'));
    let encrypt = false;
    const store = new EncryptedArtifactStore(new LocalArtifactStore(dir), {
      workspace: 'ws',
      keys: memoryKeys(),
      shouldEncrypt: async () => encrypt,
    });
    await store.put('plain.txt', bytes('plain marker'));
    assert.deepEqual(await filesHolding(dir, Buffer.from('plain marker')), ['objects/plain.txt']);
    encrypt = true;
    await store.put('sealed.txt', bytes('sealed marker'));
    assert.deepEqual(await filesHolding(dir, Buffer.from('sealed marker')), []);
    for (const [path, text] of [
      ['old.txt', 'stored before encryption'],
      ['plain.txt', 'plain marker'],
      ['sealed.txt', 'sealed marker'],
    ] as const) {
      assert.equal((await buffer(await store.open(path))).toString(), text);
      assert.equal((await buffer(await store.open(path, { start: 2, end: 5 }))).toString(), text.slice(2, 6));
      assert.equal((await store.stat(path))?.size, text.length);
    }
  });

  it("reads a plain workspace's file that only starts as a sealed one does as it is; in an encrypting workspace it is unreadable", async () => {
    const dir = join(root, 'lookalike');
    // The sealed magic, a version, a chunk size and a key id this workspace does not have: an upload could start so.
    const lookalike = Buffer.concat([
      Buffer.from([0x89]),
      Buffer.from('TRLSENC'),
      Buffer.from([1, 0, 0, 0, 16, 4]),
      Buffer.from('dk-9 and then some more text, long enough'),
    ]);
    const oddVersion = Buffer.concat([Buffer.from([0x89]), Buffer.from('TRLSENC'), Buffer.from([7]), Buffer.from('rest')]);
    let encrypt = false;
    const store = new EncryptedArtifactStore(new LocalArtifactStore(dir), {
      workspace: 'ws',
      keys: memoryKeys(),
      shouldEncrypt: async () => encrypt,
    });
    await store.put('lookalike.bin', Readable.from([lookalike]));
    await store.put('odd-version.bin', Readable.from([oddVersion]));
    for (const [path, content] of [
      ['lookalike.bin', lookalike],
      ['odd-version.bin', oddVersion],
    ] as const) {
      assert.ok((await buffer(await store.open(path))).equals(content), path);
      assert.equal((await store.stat(path))?.size, content.length);
    }
    encrypt = true;
    await assert.rejects(
      (async () => buffer(await store.open('lookalike.bin')))(),
      (error) => isTrellisError(error) && error.code === 'ArtifactUnreadable' && /data key 'dk-9'/.test(error.message),
    );
  });

  it('opens objects sealed with an older data key after the current one changed', async () => {
    const keys = memoryKeys();
    const store = new EncryptedArtifactStore(new LocalArtifactStore(join(root, 'rotated')), { workspace: 'ws', keys });
    await store.put('a.txt', bytes('first key'));
    keys.rotate();
    await store.put('b.txt', bytes('second key'));
    assert.equal((await buffer(await store.open('a.txt'))).toString(), 'first key');
    assert.equal((await buffer(await store.open('b.txt'))).toString(), 'second key');
  });

  it('answers 500 ArtifactUnreadable for a tampered file, a file moved to another name, or another workspace', async () => {
    const dir = join(root, 'tampered');
    const keys = memoryKeys();
    const store = new EncryptedArtifactStore(new LocalArtifactStore(dir), { workspace: 'ws', keys, chunkSize: 16 });
    await store.put('a.txt', bytes('x'.repeat(100)));
    await store.put('b.txt', bytes('y'.repeat(100)));
    const unreadable = async (path: string, other = store) => {
      await assert.rejects(
        (async () => buffer(await other.open(path)))(),
        (error) => isTrellisError(error) && error.code === 'ArtifactUnreadable' && error.status === 500,
      );
    };
    // Moved: b's file under a's name.
    await writeFile(join(dir, 'objects', 'a.txt'), await readFile(join(dir, 'objects', 'b.txt')));
    await unreadable('a.txt');
    // Another workspace's store with the same key material does not open it either.
    await unreadable('b.txt', new EncryptedArtifactStore(new LocalArtifactStore(dir), { workspace: 'other', keys }));
    // One flipped byte.
    const file = join(dir, 'objects', 'b.txt');
    const sealed = await readFile(file);
    sealed[sealed.length - 40] = (sealed[sealed.length - 40] ?? 0) ^ 1;
    await writeFile(file, sealed);
    await unreadable('b.txt');
  });

  it('works under the quota decoration, which counts the sealed bytes on disk', async () => {
    const dir = join(root, 'quota');
    const store = new QuotaArtifactStore(new EncryptedArtifactStore(new LocalArtifactStore(dir), { workspace: 'ws', keys: memoryKeys() }), {
      workspace: 'ws',
      quotaBytes: 1000,
      measureUsage: () => folderSize(dir),
    });
    await store.put('a.bin', bytes(Buffer.alloc(600, 1)));
    assert.equal((await store.stat('a.bin'))?.size, 600);
    await assert.rejects(
      store.put('b.bin', bytes(Buffer.alloc(600, 2))),
      (error) => isTrellisError(error) && error.code === 'StorageQuotaExceeded',
    );
    assert.equal(await store.stat('b.bin'), undefined);
    assert.deepEqual(
      (await listFiles(dir)).filter((file) => file.startsWith('tmp/')),
      [],
    );
  });

  it('encrypts for hbi_workspace: true or a customer_managed_key, not otherwise', () => {
    assert.equal(requiresEncryptedArtifacts({ hbi_workspace: true }), true);
    assert.equal(requiresEncryptedArtifacts({ customer_managed_key: { key_uri: 'https://vault/keys/k' } }), true);
    assert.equal(requiresEncryptedArtifacts({ hbi_workspace: false }), false);
    assert.equal(requiresEncryptedArtifacts({}), false);
  });
});
