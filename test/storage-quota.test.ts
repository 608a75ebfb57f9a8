import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeHome, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/** Uploads count against a workspace's storage quota (config.yaml storage_quota_bytes), over real HTTP. */
describe('per-workspace storage quota', () => {
  let trellis: TrellisProcess;

  before(async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-quota-'));
    await writeFile(join(home, 'config.yaml'), 'storage_quota_bytes:\n  "*": 4096\n');
    trellis = await startTrellis({ home });
  });
  after(async () => {
    await trellis?.stop();
    if (trellis) await removeHome(trellis.home);
  });

  const upload = (path: string, bytes: number, fill: number, method = 'POST') =>
    fetch(`${trellis.url}${path}`, {
      method,
      headers: { 'content-type': 'application/octet-stream', 'x-requested-by': 'test' },
      body: Buffer.alloc(bytes, fill),
    });

  it('stores uploads up to the quota, then refuses with 413 StorageQuotaExceeded and stores nothing more, on every upload route', async () => {
    const first = await upload('/api/v1/workspaces/default/uploads', 3000, 1);
    assert.equal(first.status, 201, await first.text());
    const over = await upload('/api/v1/workspaces/default/uploads', 3000, 2);
    assert.equal(over.status, 413);
    const problem = (await over.json()) as { code: string; detail: string };
    assert.equal(problem.code, 'StorageQuotaExceeded');
    assert.match(problem.detail, /holds 3000 of its 4096 bytes.*storage_quota_bytes/);

    const artifact = await upload('/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/big.bin', 3000, 3, 'PUT');
    assert.equal(artifact.status, 413, await artifact.text());
    const listed = await fetch(`${trellis.url}/api/2.0/mlflow-artifacts/artifacts?path=1/run/artifacts`);
    assert.deepEqual(((await listed.json()) as { files?: unknown[] }).files ?? [], [], 'the refused artifact is not there');

    // What is left still takes a small upload.
    assert.equal((await upload('/api/v1/workspaces/default/uploads', 1000, 4)).status, 201);
  });
});
