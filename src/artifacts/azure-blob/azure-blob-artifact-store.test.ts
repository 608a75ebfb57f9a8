import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, describe, it } from 'node:test';
import { type RunningAzurite, startAzurite, azuriteAccount } from '../../../test/support/azurite.js';
import { once } from '../../../test/support/once.js';
import { isTrellisError } from '../../core/errors.js';
import { ObjectArtifactStore } from '../object-store/object-artifact-store.js';
import { describeObjectStore } from '../object-store/object-store.contract.js';
import { accountNameOf, AzureBlobBucket } from './azure-blob-bucket.js';

/** One Azurite for the file, one container in it; each test gets a space of its own under a fresh prefix. */
const azurite = once(startAzurite);
const container = `trellis-${randomBytes(4).toString('hex')}`;
let started: RunningAzurite | undefined;
after(async () => started?.stop());

async function bucket(): Promise<AzureBlobBucket> {
  started = await azurite();
  const made = new AzureBlobBucket({
    accountUrl: started.accountUrl,
    container,
    credential: { accountKey: azuriteAccount.key },
  });
  await made.ensureReady();
  return made;
}

describeObjectStore('Azure Blob (Azurite)', async () => {
  const made = await bucket();
  const prefix = `artifacts/workspaces/${randomBytes(6).toString('hex')}/`;
  return {
    bucket: made,
    prefix,
    async listRawObjects() {
      const keys: string[] = [];
      // Blobs with only uncommitted blocks count too: a refused upload must not leave even those.
      for await (const blob of made.container.listBlobsFlat({ prefix, includeUncommitedBlobs: true }))
        keys.push(blob.name.slice(prefix.length));
      return keys.sort();
    },
    cleanup: () => made.deletePrefix(prefix),
  };
});

describe('AzureBlobBucket', () => {
  it('takes the account name from the endpoint, as Azure and Azurite spell it', () => {
    assert.equal(accountNameOf('https://mlstore.blob.core.windows.net'), 'mlstore');
    assert.equal(accountNameOf('http://127.0.0.1:10000/devstoreaccount1'), 'devstoreaccount1');
  });

  it("refuses, never tears, an upload whose blocks another server's upload of the same blob dropped", async () => {
    // Two buckets stand for two servers: their writes of one blob do not take turns.
    const one = await bucket();
    const other = await bucket();
    const prefix = `conflict-${randomBytes(4).toString('hex')}/`;
    const size = one.partSize * 2 + 99;
    const payloads = [1, 2, 3, 4].map((fill) => Buffer.alloc(size, fill));
    const results = await Promise.allSettled(
      payloads.map((payload, index) =>
        new ObjectArtifactStore(index % 2 === 0 ? one : other, prefix).put('model.bin', Readable.from([payload])),
      ),
    );
    for (const result of results) {
      if (result.status === 'rejected')
        assert.ok(isTrellisError(result.reason) && result.reason.code === 'ArtifactWriteConflict', String(result.reason));
    }
    const stored = await buffer(await new ObjectArtifactStore(one, prefix).open('model.bin'));
    assert.ok(
      payloads.some((payload, index) => results[index]?.status === 'fulfilled' && stored.equals(payload)),
      'one whole upload that succeeded',
    );
    await one.deletePrefix(prefix);
  });

  it('says which store failed, its URL and why, when the account is unreachable or the key is wrong', async () => {
    started = await azurite();
    const running = started;
    const unreachable = new AzureBlobBucket({
      accountUrl: 'http://127.0.0.1:9/devstoreaccount1',
      container,
      credential: { accountKey: azuriteAccount.key },
    });
    await assert.rejects(unreachable.ensureReady(), (error) => {
      assert.ok(isTrellisError(error));
      assert.equal(error.code, 'ArtifactStoreUnavailable');
      assert.match(
        error.message,
        /Azure Blob container 'trellis-[0-9a-f]+' at http:\/\/127\.0\.0\.1:9\/devstoreaccount1\) failed while checking it at start: .*ECONNREFUSED/,
      );
      return true;
    });
    const wrongKey = new AzureBlobBucket({
      accountUrl: running.accountUrl,
      container,
      credential: { accountKey: Buffer.from('not the key').toString('base64') },
    });
    await assert.rejects(wrongKey.ensureReady(), (error) => {
      assert.ok(isTrellisError(error));
      assert.match(error.message, /failed while checking it at start: 403 AuthorizationFailure: Server failed to authenticate the request/);
      assert.ok(!error.message.includes(Buffer.from('not the key').toString('base64')), 'the key stays out of the message');
      return true;
    });
  });
});
