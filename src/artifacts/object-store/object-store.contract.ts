import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isTrellisError, TrellisError } from '../../core/errors.js';
import { describeArtifactStoreContract } from '../artifact-store.contract.js';
import { type ArtifactKeys, EncryptedArtifactStore } from '../encrypted/encrypted-artifact-store.js';
import type { ObjectBucket } from './object-bucket.js';
import { ObjectArtifactStore } from './object-artifact-store.js';

/**
 * What every object-store backend must show beyond the ArtifactStore contract, run by each backend's
 * test file (azure-blob/, s3/) against its emulator: uploads of many parts that fail keep nothing,
 * large content is copied to its address once, keys that outgrow the service are refused, usage and
 * temp sweeping, and the contract again with encryption at rest on top.
 */
export interface ObjectStoreHarness {
  bucket: ObjectBucket;
  /** The space's prefix in the bucket, ending in '/'. */
  prefix: string;
  /** Every key under the prefix the service holds (relative to it), uploads it keeps but does not list included. */
  listRawObjects(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Registers the contract suite, the encrypted contract suite and the object-store checks for one backend; `makeHarness` gives each test a fresh, empty space. */
export function describeObjectStore(name: string, makeHarness: () => Promise<ObjectStoreHarness>): void {
  describeArtifactStoreContract(name, async () => {
    const harness = await makeHarness();
    return { ...harness, store: new ObjectArtifactStore(harness.bucket, harness.prefix) };
  });

  describeArtifactStoreContract(`${name}, encrypted`, async () => {
    const harness = await makeHarness();
    return {
      ...harness,
      store: new EncryptedArtifactStore(new ObjectArtifactStore(harness.bucket, harness.prefix), { workspace: 'ws', keys: memoryKeys() }),
    };
  });

  describe(`object store: ${name}`, () => {
    let harness: ObjectStoreHarness;
    let store: ObjectArtifactStore;
    beforeEach(async () => {
      harness = await makeHarness();
      store = new ObjectArtifactStore(harness.bucket, harness.prefix);
    });
    afterEach(() => harness.cleanup());

    /** More than two parts of pseudo-random bytes, then (when `failAt` is given) the source fails there. */
    const overParts = (failAt?: number) => {
      const size = harness.bucket.partSize * 2 + 1234;
      return Readable.from(
        (function* () {
          for (let at = 0; at < size; at += 1024 * 1024) {
            if (failAt !== undefined && at >= failAt) throw new TrellisError('SourceFailed', 500, 'the client went away');
            yield Buffer.alloc(Math.min(1024 * 1024, size - at), at % 251);
          }
        })(),
      );
    };

    it('keeps nothing of an upload that fails after some of its parts were sent, and keeps the object it would have replaced', async () => {
      await store.put('model.bin', Readable.from([Buffer.from('old model')]));
      const before = await harness.listRawObjects();
      const failAt = harness.bucket.partSize + 1;
      await assert.rejects(store.put('model.bin', overParts(failAt)), { code: 'SourceFailed' });
      await assert.rejects(store.put('model.bin', overParts(), { maxBytes: failAt }), { code: 'ArtifactTooLarge' });
      await assert.rejects(store.putContent(overParts(failAt)), { code: 'SourceFailed' });
      await assert.rejects(store.putContent(overParts(), { expectedDigest: `sha256:${'0'.repeat(64)}` }), { code: 'DigestMismatch' });
      assert.deepEqual(await harness.listRawObjects(), before, 'a failed upload left something behind');
      assert.equal((await buffer(await store.open('model.bin'))).toString(), 'old model');
    });

    it('copies large content to its address once: of concurrent writers one is told it is new, and no temp object stays', async () => {
      const results = await Promise.all([1, 2, 3].map(() => store.putContent(overParts())));
      assert.equal(results.filter((result) => result.isNew).length, 1);
      const digest = results[0]?.digest ?? '';
      const hex = digest.slice('sha256:'.length);
      assert.deepEqual(await harness.listRawObjects(), [`blobs/sha256/${hex.slice(0, 2)}/${hex}`]);
      const read = await buffer(await store.openContent(digest));
      assert.equal(`sha256:${createHash('sha256').update(read).digest('hex')}`, digest);
      const middle = harness.bucket.partSize - 5;
      assert.deepEqual(
        await buffer(await store.openContent(digest, { start: middle, end: middle + 9 })),
        read.subarray(middle, middle + 10),
      );
    });

    it('leaves one whole object when uploads of many parts replace it at once', async () => {
      const size = harness.bucket.partSize * 2 + 99;
      const payloads = [1, 2, 3].map((fill) => Buffer.alloc(size, fill));
      const results = await Promise.allSettled(payloads.map((payload) => store.put('shared/model.bin', Readable.from([payload]))));
      // S3 keeps the last upload to complete; Azure may refuse one whose blocks another's block list dropped (409).
      for (const result of results) {
        if (result.status === 'rejected')
          assert.ok(isTrellisError(result.reason) && result.reason.code === 'ArtifactWriteConflict', String(result.reason));
      }
      assert.ok(results.some((result) => result.status === 'fulfilled'));
      const stored = await buffer(await store.open('shared/model.bin'));
      assert.ok(
        payloads.some((payload, index) => results[index]?.status === 'fulfilled' && stored.equals(payload)),
        'the object is one whole upload that succeeded',
      );
      assert.deepEqual(await harness.listRawObjects(), ['objects/shared/model.bin']);
    });

    it('refuses a path whose key, with the prefix, is longer than the service takes', async () => {
      const path = `${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(200)}/${'g'.repeat(200)}/${'h'.repeat(200)}`;
      const source = Readable.from([Buffer.from('x')]);
      await assert.rejects(
        store.put(path, source),
        (error) => isTrellisError(error) && error.code === 'InvalidArtifactPath' && /shorter path/.test(error.message),
      );
      assert.equal(source.readableDidRead, false);
      assert.deepEqual(await harness.listRawObjects(), []);
    });

    it('measures what the space holds, and sweeps temp objects that uploads cut off left behind', async () => {
      await store.put('a.txt', Readable.from([Buffer.from('abc')]));
      await store.putContent(Readable.from([Buffer.from('hello')]));
      assert.equal(await store.usage(), 8);
      await harness.bucket.putObject(`${harness.prefix}tmp/left-by-a-crash`, Buffer.from('partial'), { ifAbsent: false });
      assert.equal(await store.sweepTemporaryObjects(60_000), 0, 'a fresh temp object may still be in use');
      assert.equal(await store.sweepTemporaryObjects(0), 1);
      assert.equal(await store.usage(), 8);
    });

    it('stores no plaintext byte when encrypted, and reads it back whole and by range', async () => {
      const encrypted = new EncryptedArtifactStore(store, { workspace: 'ws', keys: memoryKeys() });
      const marker = randomBytes(24).toString('hex');
      const payload = Buffer.concat([randomBytes(300_000), Buffer.from(marker), randomBytes(300_000)]);
      await encrypted.put('runs/1/model.bin', Readable.from([payload]));
      const { digest } = await encrypted.putContent(Readable.from([payload]));
      for (const key of await harness.listRawObjects()) {
        const raw = await buffer(await rawObject(harness, key));
        assert.ok(!raw.includes(Buffer.from(marker)), `${key} holds the plaintext`);
      }
      assert.ok((await buffer(await encrypted.open('runs/1/model.bin'))).equals(payload));
      assert.ok(
        (await buffer(await encrypted.openContent(digest, { start: 299_990, end: 300_100 }))).equals(payload.subarray(299_990, 300_101)),
      );
      assert.deepEqual((await encrypted.list('runs/1')).items, [{ path: 'runs/1/model.bin', size: payload.length, isDirectory: false }]);
    });
  });
}

async function rawObject(harness: ObjectStoreHarness, key: string): Promise<Readable> {
  const result = await harness.bucket.get(harness.prefix + key);
  assert.equal(result.status, 'found', key);
  return result.status === 'found' ? result.body : Readable.from([]);
}

function memoryKeys(): ArtifactKeys {
  const key = randomBytes(32);
  return { currentKey: async () => ({ id: 'dk-1', key }), keyById: async (id) => (id === 'dk-1' ? key : undefined) };
}
