import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  BlobServiceClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { RestoreSummary } from '../src/backup/restore-backup.js';
import type { BackupSummary } from '../src/backup/take-backup.js';
import type { VerifyReport } from '../src/backup/verify-backup.js';
import { azuriteAccount, type RunningAzurite, startAzurite } from './support/azurite.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Backups of a data directory whose artifacts live in an object store (Azure Blob, Azurite), into an
 * object store: the artifacts are copied out of the server's container into a backup container named
 * by its URL with a SAS, incrementally; list and verify read it there; a restore writes them into the
 * container the new data directory is configured with, where a server finds every byte.
 */

const sharedKey = new StorageSharedKeyCredential(azuriteAccount.name, azuriteAccount.key);

describe('backup and restore with artifacts and backups in Azure Blob Storage (Azurite)', () => {
  let azurite: RunningAzurite;
  let source: TrellisProcess;
  let restored: TrellisProcess | undefined;
  let backupUrl: string;
  const homes: string[] = [];
  const uploads = { default: randomBytes(300_000), 'team-a': Buffer.from('a small file of team a\n') };
  const digests = new Map<string, string>();

  const storeEnv = (container: string): Record<string, string> => ({
    TRELLIS_ARTIFACT_STORE: 'azure_blob',
    TRELLIS_AZURE_BLOB_ACCOUNT_URL: azurite.accountUrl,
    TRELLIS_AZURE_BLOB_CONTAINER: container,
    TRELLIS_AZURE_BLOB_ACCOUNT_KEY: azuriteAccount.key,
  });

  async function cliJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
    const result = await runCli([...args, '-o', 'json'], { env });
    assert.equal(result.code, 0, `trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as T;
  }

  before(async () => {
    azurite = await startAzurite();
    const blobs = new BlobServiceClient(azurite.accountUrl, sharedKey);
    // The backup container exists, and the SAS is for it alone (it may not make containers).
    await blobs.getContainerClient('backups').create();
    const sas = generateBlobSASQueryParameters(
      { containerName: 'backups', permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: new Date(Date.now() + 3_600_000) },
      sharedKey,
    ).toString();
    backupUrl = `${azurite.accountUrl}/backups/trellis?${sas}`;
    source = await startTrellis({ env: storeEnv('artifacts-a') });
    homes.push(source.home);
    await source.client.createWorkspace({ name: 'team-a' });
    for (const [workspace, bytes] of Object.entries(uploads))
      digests.set(workspace, (await source.client.uploadFile(workspace, Readable.from([bytes]))).digest);
  });

  after(async () => {
    await source?.stop();
    await restored?.stop();
    for (const home of homes) await removeHome(home);
    await azurite?.stop();
  });

  it('copies the artifacts out of the store into a backup container, and an unchanged one again copies none of them', async () => {
    // The backup runs with the data directory's configuration, here the environment the server had.
    const first = await cliJson<BackupSummary>(['backup', '--to', backupUrl, '--home', source.home], storeEnv('artifacts-a'));
    assert.ok(first.objectStore, JSON.stringify(first));
    assert.match(first.objectStore.description, /container 'artifacts-a'/);
    assert.ok(first.objectStore.files >= 2, JSON.stringify(first));
    assert.ok(first.objectStore.bytes >= uploads.default.length, JSON.stringify(first));
    assert.ok(!first.location.includes('sig='), 'the SAS is not shown');
    // Nothing of the artifacts is in the data directory: they came from the container.
    assert.deepEqual(await readdir(join(source.home, 'artifacts', 'workspaces')).catch(() => []), []);
    await source.stop();
    const again = await cliJson<BackupSummary>(['backup', '--to', backupUrl, '--home', source.home], storeEnv('artifacts-a'));
    assert.equal(again.objectStore?.files, first.objectStore.files);
    assert.equal(again.copied.objects - (again.metadata.copied ? 1 : 0), 0, JSON.stringify(again));
    const listed = await cliJson<Array<{ id: string }>>(['backup', 'list', '--from', backupUrl]);
    assert.deepEqual(
      listed.map((backup) => backup.id),
      [first.id, again.id],
    );
    const report = await cliJson<VerifyReport>(['backup', 'verify', '--from', backupUrl]);
    assert.equal(report.isSound, true, JSON.stringify(report));
  });

  it('restores the artifacts into the container the new data directory is configured with, where a server reads them', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-restored-blob-'));
    homes.push(home);
    const summary = await cliJson<RestoreSummary>(['restore', '--from', backupUrl, '--home', home], storeEnv('artifacts-b'));
    assert.match(summary.artifactsIn ?? '', /container 'artifacts-b'/);
    restored = await startTrellis({ home, env: storeEnv('artifacts-b') });
    for (const [workspace, bytes] of Object.entries(uploads)) {
      const content = Buffer.from(await (await restored.client.openContent(workspace, digests.get(workspace) ?? '')).arrayBuffer());
      assert.ok(content.equals(bytes), `${workspace}'s upload reads back`);
    }
    await restored.stop();

    // That container holds artifacts now: another restore into it is refused unless --replace.
    const other = await mkdtemp(join(tmpdir(), 'trellis-restored-blob-again-'));
    homes.push(other);
    const refused = await runCli(['restore', '--from', backupUrl, '--home', other], { env: storeEnv('artifacts-b') });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /the artifact store \(Azure Blob container 'artifacts-b'.*already holds artifacts.*--replace/);
    const replaced = await cliJson<RestoreSummary>(['restore', '--from', backupUrl, '--home', other, '--replace'], storeEnv('artifacts-b'));
    assert.equal(replaced.files, summary.files);
  });

  it('restores artifacts kept in a store onto disk when the new data directory keeps them locally', async () => {
    const home = await mkdtemp(join(tmpdir(), 'trellis-restored-local-'));
    homes.push(home);
    const summary = await cliJson<RestoreSummary>(['restore', '--from', backupUrl, '--home', home]);
    assert.equal(summary.artifactsIn, undefined);
    const local = await startTrellis({ home });
    try {
      const content = Buffer.from(await (await local.client.openContent('team-a', digests.get('team-a') ?? '')).arrayBuffer());
      assert.ok(content.equals(uploads['team-a']));
    } finally {
      await local.stop();
    }
  });

  it('names what is wrong with an object store location', async () => {
    const noSas = await runCli(['backup', 'list', '--from', `${azurite.accountUrl}/backups`]);
    assert.equal(noSas.code, 1);
    assert.match(noSas.stderr, /carries no SAS token/);
    const ftp = await runCli(['backup', '--to', 'ftp://host/folder', '--home', source.home]);
    assert.equal(ftp.code, 1);
    assert.match(ftp.stderr, /ftp:\/\/ locations are not supported/);
  });
});
