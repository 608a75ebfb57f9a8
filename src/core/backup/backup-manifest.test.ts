import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInsidePath, parseBackupManifest } from './backup-manifest.js';

const sha = 'a'.repeat(64);
const manifest = (path: string) =>
  JSON.stringify({
    format: 'trellis-backup',
    formatVersion: 1,
    id: '2026-12-07T12-00-00-000Z',
    createdAt: '2026-12-07T12:00:00.000Z',
    seconds: 1,
    trellisVersion: '0.1.0',
    source: { home: '/root/.trellis', host: 'vm' },
    metadata: { dialect: 'sqlite', format: 'sqlite', migration: '021-x', migrationsApplied: 21, object: { sha256: sha, size: 1 } },
    files: [{ path, sha256: sha, size: 1, modifiedAtMs: 0, changedAtMs: 0, inode: 1 }],
    totals: { files: 1, bytes: 1 },
  });

describe('backup manifests', () => {
  it('take paths inside the data directory only, since a restore writes where they say', () => {
    for (const path of ['keys/kek-1.key', 'artifacts/workspaces/@shared/objects/a b.txt', 'config.yaml'])
      assert.ok(isInsidePath(path), path);
    for (const path of ['', '../etc/passwd', '/etc/passwd', 'keys/../../x', 'a//b', './a', 'a\\..\\b'])
      assert.ok(!isInsidePath(path), path);
    assert.equal(parseBackupManifest(manifest('keys/kek-1.key'), 'm').files[0]?.path, 'keys/kek-1.key');
    assert.throws(
      () => parseBackupManifest(manifest('../../etc/cron.d/x'), 'the manifest'),
      /the manifest is not a Trellis backup manifest: files\.0\.path/,
    );
  });

  it('says a manifest that is not JSON is damaged', () => {
    assert.throws(() => parseBackupManifest('{', 'the manifest of backup x'), /the manifest of backup x is not JSON .*damaged/);
  });
});
