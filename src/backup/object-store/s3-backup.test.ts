import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { motoCredentials, type RunningMoto, startMoto } from '../../../test/support/moto.js';
import { S3Bucket } from '../../artifacts/s3/s3-bucket.js';
import { SqliteSnapshots } from '../../store/snapshot/sqlite-snapshot.js';
import { openBackupTarget } from '../open-target.js';
import { restoreBackup } from '../restore-backup.js';
import { StoredArtifacts } from '../stored-artifacts.js';
import { takeBackup } from '../take-backup.js';
import { verifyBackup } from '../verify-backup.js';
import { chooseBackup } from '../read-backup.js';

/**
 * Backups into S3 (moto) of a data directory whose artifacts are in S3 too: the objects of the
 * artifact bucket are copied into the backup bucket (unfinished uploads left out), not again when
 * unchanged; verify reads them back there; a restore writes every artifact, the local files' too,
 * into the bucket the new directory names.
 */
describe('backups of S3 artifacts into s3:// (moto)', () => {
  let moto: RunningMoto;
  let scratch: string;
  let home: string;
  const bucketNamed = (bucket: string) =>
    new S3Bucket({ bucket, region: 'us-east-1', endpoint: moto.endpoint, forcePathStyle: true, credentials: motoCredentials });
  const env = () => ({
    TRELLIS_S3_ENDPOINT: moto.endpoint,
    TRELLIS_S3_ACCESS_KEY_ID: motoCredentials.accessKeyId,
    TRELLIS_S3_SECRET_ACCESS_KEY: motoCredentials.secretAccessKey,
  });
  const target = () => openBackupTarget('s3://trellis-backups/nightly', 'write', env());

  before(async () => {
    moto = await startMoto();
    scratch = await mkdtemp(join(tmpdir(), 'trellis-s3-backup-'));
    home = join(scratch, 'home');
    await mkdir(join(home, 'artifacts', 'workspaces', 'default', 'objects'), { recursive: true });
    await writeFile(join(home, 'artifacts', 'workspaces', 'default', 'objects', 'local.txt'), 'a local artifact');
    const database = new SqliteDatabase(join(home, 'trellis.db'));
    database.exec("create table kysely_migration (name text); insert into kysely_migration values ('001-initial')");
    database.close();
    const artifacts = bucketNamed('artifacts');
    await artifacts.ensureReady();
    await artifacts.putObject('team/artifacts/workspaces/default/objects/runs/1/model.pkl', Buffer.from('model bytes'), {
      ifAbsent: false,
    });
    await artifacts.putObject('team/artifacts/workspaces/default/tmp/unfinished', Buffer.from('half'), { ifAbsent: false });
  });

  after(async () => {
    await moto?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('backs up, incrementally, verifies and restores into another bucket', async () => {
    const stored = () => new StoredArtifacts(bucketNamed('artifacts'), 'team/');
    const snapshots = new SqliteSnapshots(join(home, 'trellis.db'));
    const first = await takeBackup({ home, snapshots, target: await target(), storedArtifacts: stored() });
    assert.equal(first.location, 's3://trellis-backups/nightly');
    assert.deepEqual(first.objectStore && { files: first.objectStore.files, bytes: first.objectStore.bytes }, { files: 1, bytes: 11 });
    const again = await takeBackup({ home, snapshots, target: await target(), storedArtifacts: stored() });
    assert.deepEqual(again.copied, { objects: 0, bytes: 0 });

    const from = await openBackupTarget('s3://trellis-backups/nightly', 'read', env());
    const report = await verifyBackup({ target: from, manifest: await chooseBackup(from, undefined) });
    assert.equal(report.isSound, true, JSON.stringify(report));

    const restoredHome = join(scratch, 'restored');
    const into = new StoredArtifacts(bucketNamed('restored'), '');
    const summary = await restoreBackup({
      home: restoredHome,
      snapshots: new SqliteSnapshots(join(restoredHome, 'trellis.db')),
      target: from,
      replace: false,
      artifactsInto: () => into,
    });
    assert.match(summary.artifactsIn ?? '', /restored/);
    assert.deepEqual(
      (await into.list()).map((artifact) => artifact.path),
      ['artifacts/workspaces/default/objects/local.txt', 'artifacts/workspaces/default/objects/runs/1/model.pkl'],
    );
    const model = await into.open('artifacts/workspaces/default/objects/runs/1/model.pkl');
    assert.ok(model);
    const chunks: Buffer[] = [];
    for await (const chunk of model) chunks.push(Buffer.from(chunk));
    assert.equal(Buffer.concat(chunks).toString(), 'model bytes');
    await assert.rejects(readFile(join(restoredHome, 'artifacts', 'workspaces', 'default', 'objects', 'local.txt')), { code: 'ENOENT' });
  });
});
