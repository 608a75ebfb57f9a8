import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LocalArtifactStore } from './local/local-artifact-store.js';
import { folderSize, QuotaArtifactStore, storageQuotaOf } from './quota-artifact-store.js';

describe('QuotaArtifactStore', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'trellis-quota-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('lets writes use what the quota leaves, refuses the one that would go over and stores nothing of it', async () => {
    const store = new QuotaArtifactStore(new LocalArtifactStore(root), {
      workspace: 'ws',
      quotaBytes: 1000,
      measureUsage: () => folderSize(root),
    });
    await store.put('runs/1/a.bin', Readable.from([Buffer.alloc(600, 1)]));
    assert.equal(await store.usage(), 600);
    await assert.rejects(
      store.put('runs/1/b.bin', Readable.from([Buffer.alloc(600, 2)])),
      (error: Error & { code?: string; status?: number }) => {
        assert.equal(error.code, 'StorageQuotaExceeded');
        assert.equal(error.status, 413);
        assert.match(error.message, /holds 600 of its 1000 bytes.*storage_quota_bytes/);
        return true;
      },
    );
    assert.equal(await store.stat('runs/1/b.bin'), undefined, 'nothing of the refused upload is stored');
    await assert.rejects(store.putContent(Readable.from([Buffer.alloc(500, 3)])), /StorageQuotaExceeded|would go over/);
    // Replacing a file counts only the difference; deleting frees its bytes.
    await store.put('runs/1/a.bin', Readable.from([Buffer.alloc(900, 4)]));
    assert.equal(await store.usage(), 900);
    assert.ok(await store.delete('runs/1/a.bin'));
    await store.put('runs/1/c.bin', Readable.from([Buffer.alloc(950, 5)]));
    assert.equal(await store.usage(), 950);
  });

  it("keeps the upload limit's own error when that is the smaller limit", async () => {
    const store = new QuotaArtifactStore(new LocalArtifactStore(join(root, 'other')), {
      workspace: 'ws',
      quotaBytes: 10_000,
      measureUsage: () => folderSize(join(root, 'other')),
    });
    await assert.rejects(
      store.put('x.bin', Readable.from([Buffer.alloc(200)]), { maxBytes: 100 }),
      (error: Error & { code?: string }) => error.code === 'ArtifactTooLarge',
    );
  });

  it("takes a workspace's own quota, else the '*' one", () => {
    assert.equal(storageQuotaOf({ team: 5, '*': 10 }, 'team'), 5);
    assert.equal(storageQuotaOf({ team: 5, '*': 10 }, 'other'), 10);
    assert.equal(storageQuotaOf({}, 'other'), undefined);
  });
});
