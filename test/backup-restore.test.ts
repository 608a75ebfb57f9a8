import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BackupSummary } from '../src/backup/take-backup.js';
import type { RestoreSummary } from '../src/backup/restore-backup.js';
import type { VerifyReport } from '../src/backup/verify-backup.js';
import type { TrellisClient } from '../src/client/trellis-client.js';
import { identityRoutes } from '../src/client/trellis-client.js';
import { parseBackupManifest } from '../src/core/backup/backup-manifest.js';
import { cliJson, score, waitForDeployment } from './support/endpoints.js';
import { finished, waitForJob } from './support/jobs.js';
import { mlflowPost } from './support/mlflow-rest.js';
import { removeHome, repositoryRoot, runCli, startTrellis, type TrellisProcess } from './support/trellis-process.js';
import { waitFor } from './support/wait-for.js';

/**
 * Backup and restore of a data directory populated through a running server: runs with params and
 * metrics (the MLflow REST API), run artifacts, a registered model with files, uploads, a job with
 * its log, an online endpoint serving a model, a role assignment, an encrypted workspace and the
 * audit log. Backed up while the server runs, the directory wiped, restored into a fresh one: a
 * server started there answers every record and file as before, one by one, and the endpoint scores again.
 */

const environmentCache = join(repositoryRoot, '.cache', 'environments');
const serverEnv = { TRELLIS_ENV_CACHE: environmentCache, TRELLIS_JOB_TICK_MS: '200' };
const iris = JSON.stringify({
  data: [
    [5.1, 3.5, 1.4, 0.2],
    [6.3, 3.3, 6.0, 2.5],
  ],
});
const workspaces = ['default', 'sealed'] as const;

/** `trellis <args>` against a data directory (no server needed); the exit code, and stdout parsed when it is JSON. */
async function trellis(args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...args, '--home', home], { env: { TRELLIS_HOME: home } });
}

async function trellisJson<T>(args: string[]): Promise<T> {
  const result = await runCli([...args, '-o', 'json']);
  assert.equal(result.code, 0, `trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

const mlflowBase = (url: string, workspace: string) => (workspace === 'default' ? url : `${url}/workspaces/${workspace}/mlflow`);

async function mlflowGet<T>(base: string, path: string): Promise<T> {
  const response = await fetch(`${base}/api/2.0/mlflow/${path}`);
  const text = await response.text();
  assert.equal(response.status, 200, `${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function bytesOf(response: Response | Promise<Response>): Promise<Buffer> {
  const answered = await response;
  assert.equal(answered.status, 200, `${answered.url} answered ${answered.status}`);
  return Buffer.from(await answered.arrayBuffer());
}

/** What the test wrote whose bytes it reads again after the restore. */
interface Written {
  /** Per workspace: the run artifact's URL path (after the server's URL) and its bytes. */
  runArtifacts: Array<{ path: string; bytes: Buffer }>;
  /** Per workspace: uploaded content by digest. */
  uploads: Array<{ workspace: string; digest: string; bytes: Buffer }>;
  job: string;
}

/** Everything the server answers about its records, read through its APIs, in an order that does not depend on timing. */
async function recordsOf(server: TrellisProcess, written: Written): Promise<Record<string, unknown>> {
  const client = server.client;
  const records: Record<string, unknown> = {};
  records.workspaces = (await client.listWorkspaces()).items.map(({ name, spec }) => ({ name, spec }));
  for (const workspace of workspaces) {
    for (const kind of ['model', 'data', 'code', 'compute', 'environment'] as const) {
      const items = (await client.list(workspace, kind, { limit: 100 })).items;
      records[`${workspace}/${kind}`] = items.map((item) => ({ name: item.name, version: item.version, spec: item.spec, tags: item.tags }));
    }
    const base = mlflowBase(server.url, workspace);
    const experiments = await mlflowPost<{ experiments?: Array<{ experiment_id: string }> }>(base, 'experiments/search', {
      max_results: 1000,
    });
    records[`${workspace}/experiments`] = experiments.experiments;
    const runs = await mlflowPost<{ runs?: Array<{ info: { run_id: string }; data: { metrics?: Array<{ key: string }> } }> }>(
      base,
      'runs/search',
      { experiment_ids: (experiments.experiments ?? []).map((experiment) => experiment.experiment_id), max_results: 1000 },
    );
    records[`${workspace}/runs`] = runs.runs;
    for (const run of runs.runs ?? [])
      for (const metric of run.data.metrics ?? [])
        records[`${workspace}/history/${run.info.run_id}/${metric.key}`] = await mlflowGet(
          base,
          `metrics/get-history?run_id=${run.info.run_id}&metric_key=${encodeURIComponent(metric.key)}&max_results=10000`,
        );
    records[`${workspace}/registered-models`] = await mlflowGet(base, 'registered-models/search?max_results=1000');
    records[`${workspace}/model-versions`] = await mlflowGet(base, 'model-versions/search?max_results=1000');
    records[`${workspace}/jobs`] = (await client.listJobs(workspace, { limit: 100 })).items;
    records[`${workspace}/audit`] = await auditOf(client, workspace);
  }
  records.endpoints = (await client.listOnlineEndpoints('default')).items;
  records.deployments = (await client.listOnlineDeployments('default', 'iris-backup')).items.map(({ name, spec, state }) => ({
    name,
    spec,
    state,
  }));
  records.credentials = await client.endpointCredentials('default', 'iris-backup');
  records.principals = (await client.call(identityRoutes.listPrincipals, { query: {} })).items;
  records.roleAssignments = (await client.call(identityRoutes.listAssignments, { query: { scope: '/workspaces/sealed' } })).items;
  records.jobLog = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${written.job}/logs`)).text();
  // Addresses name the server's port, which differs from one start to the next.
  return JSON.parse(JSON.stringify(records).replaceAll(server.url, '<server>')) as Record<string, unknown>;
}

/** Every audit event of a workspace, oldest first. */
async function auditOf(client: TrellisClient, workspace: string): Promise<unknown[]> {
  const events: unknown[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.audit(workspace, { limit: 1000, ...(pageToken ? { pageToken } : {}) });
    events.push(...page.items);
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken);
  return events.reverse();
}

/** Reads every file the test wrote, through the server, and checks its bytes. */
async function checkBytes(server: TrellisProcess, written: Written): Promise<void> {
  for (const artifact of written.runArtifacts)
    assert.ok((await bytesOf(fetch(`${server.url}${artifact.path}`))).equals(artifact.bytes), `run artifact ${artifact.path}`);
  for (const upload of written.uploads)
    assert.ok(
      (await bytesOf(server.client.openContent(upload.workspace, upload.digest))).equals(upload.bytes),
      `upload ${upload.digest} in ${upload.workspace}`,
    );
}

describe('backup and restore of a populated data directory on sqlite', () => {
  let source: TrellisProcess;
  let restored: TrellisProcess | undefined;
  let scratch: string;
  let folder: string;
  let written: Written;
  let recordsBefore: Record<string, unknown>;
  let scoredBefore: string;
  let firstBackup: BackupSummary;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'trellis-backup-test-'));
    folder = join(scratch, 'backups');
    source = await startTrellis({ env: serverEnv });
    const { client, url } = source;
    written = { runArtifacts: [], uploads: [], job: '' };

    // An encrypted workspace (its artifacts sealed with its data key, wrapped by the key file) beside the default one.
    await client.createWorkspace({ name: 'sealed', hbi_workspace: true });
    for (const workspace of workspaces) {
      const base = mlflowBase(url, workspace);
      const { experiment_id: experimentId } = await mlflowPost<{ experiment_id: string }>(base, 'experiments/create', {
        name: `backup-${workspace}`,
      });
      const { run } = await mlflowPost<{ run: { info: { run_id: string; artifact_uri: string } } }>(base, 'runs/create', {
        experiment_id: experimentId,
        run_name: 'trained',
        start_time: 1_700_000_000_000,
      });
      const metrics = Array.from({ length: 200 }, (_, step) => [
        { key: 'loss', value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step },
        { key: 'accuracy', value: step / 200, timestamp: 1_700_000_000_000 + step, step },
      ]).flat();
      await mlflowPost(base, 'runs/log-batch', {
        run_id: run.info.run_id,
        metrics,
        params: [
          { key: 'learning_rate', value: '0.01' },
          { key: 'epochs', value: '200' },
        ],
        tags: [{ key: 'team', value: 'backup' }],
      });
      await mlflowPost(base, 'runs/update', { run_id: run.info.run_id, status: 'FINISHED', end_time: 1_700_000_100_000 });
      // A run artifact through the MLflow artifact proxy.
      const artifact = randomBytes(150_000);
      const path = `${workspace === 'default' ? '' : `/workspaces/${workspace}/mlflow`}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/model/weights.bin`;
      const put = await fetch(`${url}${path}`, { method: 'PUT', body: artifact });
      assert.equal(put.status, 200, await put.text());
      written.runArtifacts.push({ path, bytes: artifact });
      // A registered model (MLflow's registry) whose version points at that run.
      await mlflowPost(base, 'registered-models/create', { name: `model-${workspace}` });
      await mlflowPost(base, 'model-versions/create', {
        name: `model-${workspace}`,
        source: `${run.info.artifact_uri}/model`,
        run_id: run.info.run_id,
      });
      // An Azure ML model with a file of its own, uploaded.
      const modelFile = randomBytes(80_000);
      const upload = await client.uploadFile(workspace, Readable.from([modelFile]));
      written.uploads.push({ workspace, digest: upload.digest, bytes: modelFile });
      const uploads = { './model.bin': { type: 'file', digest: upload.digest, size: upload.size, fileName: 'model.bin' } };
      const model = `name: backup-model\nversion: 1\ntype: custom_model\npath: ./model.bin\ndescription: kept by the backup\n`;
      await client.apply(workspace, { fileName: 'model.yml', text: model, uploads, kind: 'model' });
    }

    // A job on the local compute, with its log.
    await client.apply('default', {
      fileName: 'compute.yml',
      text: 'name: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 1\nidle_time_before_scale_down: 1\n',
      kind: 'compute',
    });
    const job = await client.submitJob('default', {
      fileName: 'job.yml',
      text: 'command: echo hello from the job that a backup keeps\ncompute: azureml:cpu\nenvironment:\n  image: library/python:latest\n',
      uploads: {},
      inlined: {},
    });
    written.job = job.name;
    assert.equal((await waitForJob(client, job.name, finished)).state, 'Completed');

    // An online endpoint serving an ONNX model.
    await cliJson(url, ['online-endpoint', 'create', '--file', 'endpoint.yml', '--name', 'iris-backup']);
    await cliJson(url, ['online-deployment', 'create', '--file', 'blue.yml', '--endpoint-name', 'iris-backup', '--all-traffic']);
    const ready = await waitForDeployment(client, 'iris-backup', 'blue');
    assert.equal(ready.state, 'Succeeded', `${ready.reason}\n${source.output()}`);
    const keys = await client.endpointCredentials('default', 'iris-backup');
    const scored = await score(`${url}/endpoints/iris-backup/score`, { credential: primaryKeyOf(keys), body: iris });
    assert.equal(scored.status, 200, scored.text);
    scoredBefore = scored.text;

    // A service principal with a role in the sealed workspace.
    await client.call(identityRoutes.createPrincipal, { body: { name: 'ci-bot', kind: 'servicePrincipal' } });
    await client.call(identityRoutes.createAssignment, {
      body: { role: 'AzureML Data Scientist', assignee: 'ci-bot', scope: '/workspaces/sealed' },
    });
    recordsBefore = await recordsOf(source, written);
    // What is compared after the restore is there to compare.
    for (const workspace of workspaces) {
      // The default workspace's job is a run too.
      assert.equal((recordsBefore[`${workspace}/runs`] as unknown[]).length, workspace === 'default' ? 2 : 1, `${workspace}: runs`);
      const histories = Object.keys(recordsBefore).filter(
        (key) => /\/(loss|accuracy)$/.test(key) && key.startsWith(`${workspace}/history/`),
      );
      assert.equal(histories.length, 2, `${workspace}: two metric histories`);
      for (const key of histories) assert.equal((recordsBefore[key] as { metrics: unknown[] }).metrics.length, 200, key);
      assert.equal((recordsBefore[`${workspace}/model`] as unknown[]).length >= 2, true, `${workspace}: models`);
    }
    assert.match(String(recordsBefore.jobLog), /hello from the job that a backup keeps/);
    assert.equal((recordsBefore.roleAssignments as unknown[]).length, 1);
    assert.equal((recordsBefore.deployments as unknown[]).length, 1);
  });

  after(async () => {
    await source?.stop();
    await restored?.stop();
    if (source) await removeHome(source.home);
    if (restored) await removeHome(restored.home);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('backs up while the server runs; wiped and restored into a fresh directory, a server there gives back every record and file, and the endpoint scores', async () => {
    firstBackup = await trellisJson<BackupSummary>(['backup', '--to', folder, '--home', source.home]);
    assert.equal(firstBackup.metadata.dialect, 'sqlite');
    assert.ok(firstBackup.files >= 8, `files kept: ${firstBackup.files}`);
    assert.ok(firstBackup.copied.objects > firstBackup.files / 2, JSON.stringify(firstBackup));
    // Files with the same bytes (a log kept twice) are one object: the second finds it present.
    assert.equal(firstBackup.copied.objects + firstBackup.present.objects, firstBackup.files + 1);
    const manifest = parseBackupManifest(await readFile(join(folder, 'objects', 'backups', `${firstBackup.id}.json`), 'utf8'), 'manifest');
    const kept = manifest.files.map((file) => file.path);
    for (const expected of [
      'keys/kek-1.key',
      'secrets/attempt-transfer.key',
      `jobs/default/${written.job}/attempt-1/user_logs/std_log.txt`,
    ])
      assert.ok(kept.includes(expected), `${expected} is kept; kept: ${kept.join(', ')}`);
    assert.ok(
      kept.some((path) => path.startsWith('artifacts/workspaces/sealed/blobs/')),
      'the sealed workspace’s content is kept',
    );
    assert.ok(!kept.some((path) => /^(serving|environments)\/|^owner-token$|^trellis\.db/.test(path)), kept.join(', '));

    // The records as the server answered them when the backup was taken; then the machine is lost.
    await source.stop();
    await rm(source.home, { recursive: true, force: true });

    const home = await mkdtemp(join(tmpdir(), 'trellis-restored-'));
    const summary = await trellisJson<RestoreSummary>(['restore', '--from', folder, '--home', home]);
    assert.equal(summary.id, firstBackup.id);
    assert.equal(summary.files, firstBackup.files);
    restored = await startTrellis({ home, env: serverEnv });

    // The serving controller redeploys the endpoint from the restored records, and it answers as before.
    const keys = await restored.client.endpointCredentials('default', 'iris-backup');
    const scoringUrl = `${restored.url}/endpoints/iris-backup/score`;
    const scored = await waitFor(() => score(scoringUrl, { credential: primaryKeyOf(keys), body: iris }), {
      what: 'the restored endpoint to answer a scoring call',
      until: (answer) => answer.status === 200,
      timeoutMs: 60_000,
      intervalMs: 250,
      describe: (answer) => `${answer.status} ${answer.text}`,
    });
    assert.equal(scored.text, scoredBefore);

    const after = await recordsOf(restored, written);
    assert.deepEqual(Object.keys(after).sort(), Object.keys(recordsBefore).sort());
    for (const key of Object.keys(recordsBefore)) {
      if (!key.endsWith('/audit')) {
        assert.deepEqual(after[key], recordsBefore[key], `${key} is back as it was`);
        continue;
      }
      // The audit log is back whole; the restarted server only adds to it (redeploying, it issues the deployment a token).
      const events = after[key] as Array<{ actor: string }>;
      const kept = recordsBefore[key] as unknown[];
      assert.deepEqual(events.slice(0, kept.length), kept, `${key} is back as it was`);
      assert.deepEqual(
        events.slice(kept.length).filter((event) => !event.actor.startsWith('system:')),
        [],
        `${key}: only the server's own events after the restore`,
      );
    }
    await checkBytes(restored, written);
  });

  it('copies no object when nothing changed since the last backup', async () => {
    assert.ok(restored, 'the restore test ran first');
    await restored.stop();
    const first = await trellisJson<BackupSummary>(['backup', '--to', folder, '--home', restored.home]);
    // A restored directory's files are new to this folder's records (another directory), yet their bytes are in the pool.
    assert.equal(first.copied.objects - (first.metadata.copied ? 1 : 0), 0, JSON.stringify(first));
    const again = await trellisJson<BackupSummary>(['backup', '--to', folder, '--home', restored.home]);
    assert.deepEqual(again.copied, { objects: 0, bytes: 0 });
    assert.equal(again.present.objects, again.files + 1, 'every file and the metadata found in the pool');
    assert.equal(again.metadata.copied, false);
    assert.equal(again.metadata.reused, true, 'an unchanged database is not even read');
    const listed = await trellisJson<Array<{ id: string }>>(['backup', 'list', '--from', folder]);
    assert.deepEqual(
      listed.map((backup) => backup.id),
      [firstBackup.id, first.id, again.id],
    );
  });

  it('verify passes a sound backup and names a deleted and a corrupted object, with the files that need them', async () => {
    const sound = await trellisJson<VerifyReport>(['backup', 'verify', '--from', folder, '--backup', firstBackup.id]);
    assert.equal(sound.isSound, true);
    assert.equal(sound.metadataOpens, true);

    const damaged = join(scratch, 'damaged');
    await cp(folder, damaged, { recursive: true });
    const manifest = parseBackupManifest(await readFile(join(damaged, 'objects', 'backups', `${firstBackup.id}.json`), 'utf8'), 'manifest');
    const log = manifest.files.find((file) => file.path.endsWith('/user_logs/std_log.txt'));
    const key = manifest.files.find((file) => file.path === 'keys/kek-1.key');
    assert.ok(log && key);
    const objectPath = (sha256: string) => join(damaged, 'blobs', 'sha256', sha256.slice(0, 2), sha256);
    await unlink(objectPath(log.sha256));
    await writeFile(objectPath(key.sha256), randomBytes(key.size));

    const result = await runCli(['backup', 'verify', '--from', damaged, '--backup', firstBackup.id]);
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`missing object ${log.sha256} .*${log.path}`));
    assert.match(result.stdout, new RegExp(`corrupt object ${key.sha256} .*keys/kek-1.key`));
    assert.match(result.stderr, /failed verification: 1 missing and 1 corrupt object/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');

    // A restore from the damaged backup stops at the bad object and says which.
    const home = await mkdtemp(join(tmpdir(), 'trellis-restore-damaged-'));
    try {
      const refused = await runCli(['restore', '--from', damaged, '--backup', firstBackup.id, '--home', home]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /object [0-9a-f]{64}.* (is missing|is corrupt)/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('refuses to restore into a data directory that holds anything unless told to replace it', async () => {
    assert.ok(restored);
    const refused = await trellis(['restore', '--from', folder], restored.home);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /data directory .* holds artifacts, .*pass --replace/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /);
    // Nothing was touched: a server starts on it and still has the records.
    const home = await mkdtemp(join(tmpdir(), 'trellis-replaced-'));
    try {
      await writeFile(join(home, 'stale.txt'), 'left from before');
      const replaced = await trellis(['restore', '--from', folder, '--backup', firstBackup.id, '--replace', '-o', 'json'], home);
      assert.equal(replaced.code, 0, replaced.stderr);
      await assert.rejects(readFile(join(home, 'stale.txt')), /ENOENT/);
      const server = await startTrellis({ home, env: serverEnv });
      try {
        assert.deepEqual((await server.client.listWorkspaces()).items.map((workspace) => workspace.name).sort(), ['default', 'sealed']);
        await checkBytes(server, written);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says clearly what is wrong with a target it cannot write, a folder without backups and a backup that is not there', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'not a folder');
    const home = join(scratch, 'bad-input-home');
    await mkdir(home);
    const cases: Array<{ args: string[]; message: RegExp }> = [
      {
        args: ['backup', '--to', join(file, 'backups'), '--home', restored?.home ?? scratch],
        message: /cannot be written \(a file is in the way\)/,
      },
      { args: ['backup', 'verify', '--from', join(scratch, 'nowhere')], message: /there is no backup folder at .*nowhere/ },
      { args: ['backup', 'list', '--from', file], message: /is a file, not a backup folder/ },
      {
        args: ['restore', '--from', folder, '--backup', 'no-such-backup', '--home', join(scratch, 'fresh')],
        message: /there is no backup 'no-such-backup'/,
      },
      { args: ['restore', '--from', join(scratch, 'empty'), '--home', join(scratch, 'fresh')], message: /no backup folder/ },
      { args: ['backup', '--to', folder, '--home', join(scratch, 'no-home')], message: /there is no data directory at/ },
      { args: ['backup', '--home', home], message: /--to <folder>/ },
    ];
    for (const { args, message } of cases) {
      const result = await runCli(args);
      assert.notEqual(result.code, 0, `trellis ${args.join(' ')} succeeded`);
      assert.match(result.stderr, message, `trellis ${args.join(' ')}`);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `no stack trace from trellis ${args.join(' ')}`);
    }
  });
});

function primaryKeyOf(credentials: { primaryKey: string } | { accessToken: string }): string {
  assert.ok('primaryKey' in credentials, 'a key-auth endpoint has keys');
  return credentials.primaryKey;
}
