import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isTrellisError, TrellisError } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';

/**
 * The behaviour every ArtifactStore backend must show, run by each backend's own test file
 * (local/local-artifact-store.test.ts, encrypted/encrypted-artifact-store.test.ts, and through
 * object-store/object-store.contract.ts azure-blob/ against Azurite and s3/ against moto).
 */
export interface ArtifactStoreHarness {
  store: ArtifactStore;
  /** Every object the backend holds, temp objects included, as '/'-separated keys (content at `blobs/sha256/…`). */
  listRawObjects(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Registers the contract suite for one backend; `makeHarness` gives each test a fresh, empty store. */
export function describeArtifactStoreContract(name: string, makeHarness: () => Promise<ArtifactStoreHarness>): void {
  describe(`ArtifactStore contract: ${name}`, () => {
    let harness: ArtifactStoreHarness;
    let store: ArtifactStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    afterEach(async () => harness.cleanup());

    /** Runs `action` and checks it failed with `code` and left the backend's objects as they were. */
    async function refusesCleanly(action: () => Promise<unknown>, code: string, status: number) {
      const before = (await harness.listRawObjects()).sort();
      await rejectsWith(action(), code, status);
      assert.deepEqual((await harness.listRawObjects()).sort(), before, 'a refused write left objects behind');
    }

    describe('named objects', () => {
      it('round-trips a 20 MB stream generated on the fly', async () => {
        const size = 20 * 1024 * 1024;
        const expected = digestOfGenerated(size);
        assert.deepEqual(await store.put('big/20mb.bin', generated(size)), { size, digest: expected });
        assert.equal((await store.stat('big/20mb.bin'))?.size, size);
        assert.deepEqual(await hashStream(await store.open('big/20mb.bin')), { size, digest: expected });
      });

      it('overwrites atomically, and keeps the old object when a replacement fails', async () => {
        await store.put('a.txt', fromText('one'));
        assert.deepEqual(await store.put('a.txt', fromText('second')), { size: 6, digest: sha256('second') });
        assert.equal(await readText(await store.open('a.txt')), 'second');
        await refusesCleanly(() => store.put('a.txt', fromText('far too long'), { maxBytes: 3 }), 'ArtifactTooLarge', 413);
        await refusesCleanly(() => store.put('a.txt', failingSource()), 'SourceFailed', 500);
        assert.equal(await readText(await store.open('a.txt')), 'second');
      });

      it('reads byte ranges: inclusive end, clamped to the size, 416 past the end', async () => {
        await store.put('r.txt', fromText('0123456789'));
        const read = async (start: number, end?: number) =>
          readText(await store.open('r.txt', end === undefined ? { start } : { start, end }));
        assert.equal(await read(2, 5), '2345');
        assert.equal(await read(7), '789');
        assert.equal(await read(8, 100), '89');
        assert.equal(await read(0, 0), '0');
        await rejectsWith(store.open('r.txt', { start: 10 }), 'RangeNotSatisfiable', 416);
        await rejectsWith(store.open('r.txt', { start: 5, end: 4 }), 'InvalidRange', 400);
      });

      it('stats objects, not folders', async () => {
        await store.put('dir/f.txt', fromText('abc'));
        const stat = await store.stat('dir/f.txt');
        assert.equal(stat?.size, 3);
        assert.ok(stat.modifiedAt instanceof Date && Math.abs(stat.modifiedAt.getTime() - Date.now()) < 60_000);
        assert.equal(await store.stat('dir'), undefined);
        assert.equal(await store.stat('missing'), undefined);
        await rejectsWith(store.open('dir'), 'ArtifactNotFound', 404);
      });

      it('says ArtifactNotFound for a missing object, naming it', async () => {
        const error = await rejectsWith(store.open('no/such/file.txt'), 'ArtifactNotFound', 404);
        assert.match(error.message, /no\/such\/file\.txt/);
      });

      it('deletes objects, and folders left empty disappear', async () => {
        await store.put('x/y/z.txt', fromText('z'));
        await store.put('x/w.txt', fromText('w'));
        await store.put('keep.txt', fromText('k'));
        assert.equal(await store.delete('x'), false, 'a folder is not an object');
        assert.equal(await store.delete('x/y/z.txt'), true);
        assert.equal(await store.delete('x/y/z.txt'), false);
        assert.equal(await store.delete('missing'), false);
        assert.equal(await store.stat('x/y/z.txt'), undefined);
        await rejectsWith(store.open('x/y/z.txt'), 'ArtifactNotFound', 404);
        assert.deepEqual(paths(await store.list('x')), ['x/w.txt']);
        assert.equal(await store.delete('x/w.txt'), true);
        assert.deepEqual(paths(await store.list('')), ['keep.txt']);
      });

      it('deletes everything, objects and content, and starts empty for the next write', async () => {
        await store.put('runs/1/model.pkl', fromText('model'));
        const content = await store.putContent(fromText('code'));
        await store.deleteAll();
        assert.deepEqual(await harness.listRawObjects(), []);
        assert.equal(await store.stat('runs/1/model.pkl'), undefined);
        assert.equal(await store.hasContent(content.digest), undefined);
        await store.put('runs/2/model.pkl', fromText('new'));
        assert.equal((await store.putContent(fromText('code'))).isNew, true);
        assert.deepEqual(paths(await store.list('', { recursive: true })), ['runs/2/model.pkl']);
      });

      it('enforces maxBytes while streaming, storing nothing', async () => {
        assert.equal((await store.put('exact.bin', generated(1000), { maxBytes: 1000 })).size, 1000);
        await refusesCleanly(() => store.put('over.bin', generated(1001), { maxBytes: 1000 }), 'ArtifactTooLarge', 413);
        const endless = endlessSource();
        await refusesCleanly(() => store.put('endless.bin', endless, { maxBytes: 1024 * 1024 }), 'ArtifactTooLarge', 413);
        assert.ok(endless.destroyed, 'the source should be stopped, not drained');
        assert.equal(await store.stat('over.bin'), undefined);
      });
    });

    describe('content', () => {
      it('round-trips a 20 MB stream by digest', async () => {
        const size = 20 * 1024 * 1024;
        const digest = digestOfGenerated(size, 7);
        assert.deepEqual(await store.putContent(generated(size, 7)), { digest, size, isNew: true });
        assert.deepEqual(await store.hasContent(digest), { size });
        assert.deepEqual(await hashStream(await store.openContent(digest)), { size, digest });
      });

      it('stores the same bytes once, at blobs/sha256/<2 hex>/<hex>', async () => {
        const first = await store.putContent(fromText('same bytes'));
        const second = await store.putContent(fromText('same bytes'));
        assert.deepEqual(first, { digest: sha256('same bytes'), size: 10, isNew: true });
        assert.deepEqual(second, { ...first, isNew: false });
        const hex = first.digest.slice('sha256:'.length);
        assert.deepEqual(await harness.listRawObjects(), [`blobs/sha256/${hex.slice(0, 2)}/${hex}`]);
      });

      it('tells exactly one of several concurrent writers that the bytes are new', async () => {
        const results = await Promise.all([1, 2, 3, 4, 5].map(() => store.putContent(generated(300_000, 3))));
        assert.equal(results.filter((result) => result.isNew).length, 1);
        assert.equal((await harness.listRawObjects()).length, 1);
      });

      it('checks expectedDigest, storing nothing on a mismatch', async () => {
        const digest = sha256('hello');
        assert.equal((await store.putContent(fromText('hello'), { expectedDigest: digest })).digest, digest);
        const error = await rejectsWith(store.putContent(fromText('tampered'), { expectedDigest: digest }), 'DigestMismatch', 400);
        assert.match(error.message, new RegExp(sha256('tampered')));
        assert.equal(await store.hasContent(sha256('tampered')), undefined);
        assert.equal((await harness.listRawObjects()).length, 1);
        await refusesCleanly(() => store.putContent(fromText('x'), { expectedDigest: 'md5:abc' }), 'InvalidDigest', 400);
      });

      it('enforces maxBytes and cleans up after a failing source', async () => {
        await refusesCleanly(() => store.putContent(endlessSource(), { maxBytes: 1024 * 1024 }), 'ArtifactTooLarge', 413);
        await refusesCleanly(() => store.putContent(failingSource()), 'SourceFailed', 500);
      });

      it('answers for missing and malformed digests, and deletes content', async () => {
        const missing = sha256('never stored');
        await rejectsWith(store.openContent(missing), 'ArtifactNotFound', 404);
        assert.equal(await store.hasContent(missing), undefined);
        assert.equal(await store.deleteContent(missing), false);
        for (const bad of ['sha256:../../etc/passwd', 'abc', `sha256:${'A'.repeat(64)}`]) {
          await rejectsWith(store.openContent(bad), 'InvalidDigest', 400);
        }
        const { digest } = await store.putContent(fromText(''));
        assert.equal(digest, sha256(''));
        assert.equal(await readText(await store.openContent(digest)), '');
        assert.equal(await store.deleteContent(digest), true);
        assert.equal(await store.hasContent(digest), undefined);
      });

      it('keeps content apart from named objects of the same key', async () => {
        const { digest } = await store.putContent(fromText('good'));
        const hex = digest.slice('sha256:'.length);
        await store.put(`blobs/sha256/${hex.slice(0, 2)}/${hex}`, fromText('evil'));
        assert.equal(await readText(await store.openContent(digest)), 'good');
      });
    });

    describe('listing', () => {
      const keys = ['runs/1/a.txt', 'runs/1/b/c.txt', 'runs/1/b/d.txt', 'runs/10/x.txt', 'runs/1-x/y.txt', 'top.txt'];
      beforeEach(async () => {
        for (const key of keys) await store.put(key, fromText(key));
      });

      it('lists a folder recursively, never a sibling that merely shares its prefix', async () => {
        const listing = await store.list('runs/1', { recursive: true });
        assert.deepEqual(listing, {
          items: [
            { path: 'runs/1/a.txt', size: 12, isDirectory: false },
            { path: 'runs/1/b/c.txt', size: 14, isDirectory: false },
            { path: 'runs/1/b/d.txt', size: 14, isDirectory: false },
          ],
        });
        assert.deepEqual(await store.list('runs/1/', { recursive: true }), listing);
      });

      it('lists immediate children with folders marked', async () => {
        assert.deepEqual((await store.list('runs/1')).items, [
          { path: 'runs/1/a.txt', size: 12, isDirectory: false },
          { path: 'runs/1/b', isDirectory: true },
        ]);
        assert.deepEqual((await store.list('')).items, [
          { path: 'runs', isDirectory: true },
          { path: 'top.txt', size: 7, isDirectory: false },
        ]);
      });

      it('sorts by UTF-8 bytes with a folder sorting as path/, like S3 and Azure', async () => {
        // '-' (2D) < '/' (2F) < '0' (30): runs/1-x/ comes before runs/1/, which comes before runs/10/.
        assert.deepEqual(paths(await store.list('runs')), ['runs/1-x', 'runs/1', 'runs/10']);
        assert.deepEqual(paths(await store.list('', { recursive: true })), [
          'runs/1-x/y.txt',
          'runs/1/a.txt',
          'runs/1/b/c.txt',
          'runs/1/b/d.txt',
          'runs/10/x.txt',
          'top.txt',
        ]);
      });

      it('pages with a limit and a continuation token', async () => {
        for (const recursive of [true, false]) {
          const all = paths(await store.list('runs', { recursive }));
          for (let limit = 1; limit <= all.length + 1; limit += 1) {
            const pages = await listAllPages(store, 'runs', { recursive, limit });
            assert.deepEqual(pages.flat(), all, `recursive=${recursive} limit=${limit}`);
            assert.ok(pages.slice(0, -1).every((page) => page.length === limit));
          }
        }
      });

      it('continues from its place when objects change between pages', async () => {
        const first = await store.list('', { recursive: true, limit: 2 });
        assert.deepEqual(paths(first), ['runs/1-x/y.txt', 'runs/1/a.txt']);
        await store.delete('runs/1/b/c.txt');
        await store.put('runs/0/new.txt', fromText('sorts before the token: not seen'));
        await store.put('runs/1/aa.txt', fromText('sorts after the token: seen'));
        const rest = await listAllPages(store, '', { recursive: true, continuationToken: first.continuationToken });
        assert.deepEqual(rest.flat(), ['runs/1/aa.txt', 'runs/1/b/d.txt', 'runs/10/x.txt', 'top.txt']);
      });

      it('lists nothing under a missing folder or a file, and refuses bad options', async () => {
        assert.deepEqual(await store.list('nope'), { items: [] });
        assert.deepEqual(await store.list('top.txt', { recursive: true }), { items: [] });
        await rejectsWith(store.list('', { limit: 0 }), 'InvalidListOptions', 400);
        await rejectsWith(store.list('', { limit: 1001 }), 'InvalidListOptions', 400);
        await rejectsWith(store.list('', { continuationToken: '!!not a token' }), 'InvalidListOptions', 400);
        const token = (await store.list('runs/1', { recursive: true, limit: 1 })).continuationToken;
        await rejectsWith(store.list('runs/10', { continuationToken: token }), 'InvalidListOptions', 400);
      });
    });

    describe('paths', () => {
      const refused = ['../x', '/etc/passwd', 'a/../../b', 'a\0b', 'C:\\x', 'a//b', './a', 'a/', '', 'x'.repeat(1025)];

      it('refuses traversal and malformed keys in every operation, reading nothing', async () => {
        for (const path of refused) {
          const source = fromText('payload');
          await refusesCleanly(() => store.put(path, source), 'InvalidArtifactPath', 400);
          assert.equal(source.readableDidRead, false, 'the source should be left unread');
          const error = await rejectsWith(store.open(path), 'InvalidArtifactPath', 400);
          assert.match(error.message, /relative path/);
          await rejectsWith(store.stat(path), 'InvalidArtifactPath', 400);
          await rejectsWith(store.delete(path), 'InvalidArtifactPath', 400);
          if (path !== '' && path !== 'a/') await rejectsWith(store.list(path), 'InvalidArtifactPath', 400);
        }
      });

      it('keeps unusual but valid names intact', async () => {
        const names = ['dir with spaces/ü 😀.txt', 'metrics:loss', '.hidden/...', '%2e%2e/x'];
        for (const name of names) await store.put(name, fromText(name));
        for (const name of names) assert.equal(await readText(await store.open(name)), name);
        assert.deepEqual(paths(await store.list('', { recursive: true })).sort(), [...names].sort());
      });
    });
  });
}

async function listAllPages(
  store: ArtifactStore,
  prefix: string,
  options: { recursive?: boolean; limit?: number; continuationToken?: string | undefined },
): Promise<string[][]> {
  const pages: string[][] = [];
  let token = options.continuationToken;
  do {
    const page = await store.list(prefix, { ...options, continuationToken: token });
    pages.push(paths(page));
    token = page.continuationToken;
  } while (token !== undefined);
  return pages;
}

async function rejectsWith(promise: Promise<unknown>, code: string, status: number) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isTrellisError(error), `expected a TrellisError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.equal(error.status, status);
    return error;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

function paths(listing: { items: Array<{ path: string }> }): string[] {
  return listing.items.map((item) => item.path);
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function fromText(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

/** Deterministic pseudo-random chunks, made as they are read, so a test never holds the whole stream. */
function* generatedChunks(size: number, seed: number): Generator<Buffer> {
  const chunkSize = 64 * 1024;
  for (let offset = 0, index = 0; offset < size; offset += chunkSize, index += 1) {
    const pattern = createHash('sha256').update(`${seed}:${index}`).digest();
    yield Buffer.alloc(Math.min(chunkSize, size - offset), pattern);
  }
}

function generated(size: number, seed = 0): Readable {
  return Readable.from(generatedChunks(size, seed));
}

function digestOfGenerated(size: number, seed = 0): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(size, seed)) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

function endlessSource(): Readable {
  return Readable.from(
    (function* () {
      for (;;) yield Buffer.alloc(64 * 1024, 1);
    })(),
  );
}

/** Sends some bytes, then fails, like a client that disconnects mid-upload. */
function failingSource(): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(100_000, 2);
      throw new TrellisError('SourceFailed', 500, 'the client went away');
    })(),
  );
}

async function hashStream(stream: Readable): Promise<{ size: number; digest: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, digest: `sha256:${hash.digest('hex')}` };
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
