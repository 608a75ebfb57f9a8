/**
 * Backup and restore of a data directory (issue 21): one Trellis server on SQLite is filled over
 * loopback HTTP with metric points (MLflow log-batch, 1,000 a call, 4 clients) and artifacts (MLflow
 * artifact proxy PUTs of random bytes, 4 clients); then, timed as a user runs them (the built CLI,
 * one process each): `trellis backup --to` while the server runs, the same again with nothing
 * changed (incremental), `trellis backup verify`, and, the server stopped, `trellis restore` into
 * a fresh data directory and `trellis up` on it until it listens. The restored server's metric
 * count and one artifact's bytes are checked, so a fast wrong answer cannot pass.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackupSummary } from '../src/backup/take-backup.js';
import { cliPath, removeHome, startTrellis } from '../test/support/trellis-process.js';

export interface BackupBenchOptions {
  points: number;
  artifactBytes: number;
  fileBytes: number;
  clients: number;
  log: (line: string) => void;
}

export interface BackupBenchResult {
  points: number;
  files: number;
  artifactBytes: number;
  databaseBytes: number;
  backup: { seconds: number; summary: BackupSummary };
  incremental: { seconds: number; summary: BackupSummary };
  verify: { seconds: number };
  restore: { seconds: number };
  start: { seconds: number };
}

const pointsPerCall = 1000;

/** Runs the built CLI; resolves with its stdout and the seconds it took, or rejects with what it printed. */
async function timedCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`trellis ${args.join(' ')} exited with ${code}:\n${stderr}${stdout}`);
  return { stdout, seconds };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Runs `work(i)` for i in [0, count) from `clients` loops at once. */
async function fanOut(count: number, clients: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const index = next;
        next += 1;
        await work(index);
      }
    }),
  );
}

export async function runBackupBench(options: BackupBenchOptions): Promise<BackupBenchResult> {
  const { log } = options;
  const scratch = await mkdtemp(join(tmpdir(), 'trellis-bench-backup-'));
  const folder = join(scratch, 'backups');
  const restoredHome = join(scratch, 'restored');
  const server = await startTrellis();
  const env = { ...process.env, TRELLIS_OUTPUT: 'json' };
  try {
    const api = `${server.url}/api/2.0/mlflow`;
    const { run } = (await post(`${api}/runs/create`, { experiment_id: '0' })) as {
      run: { info: { run_id: string; artifact_uri: string } };
    };
    const runId = run.info.run_id;

    log(`backup bench: logging ${options.points} metric points ...`);
    const calls = Math.ceil(options.points / pointsPerCall);
    const t0 = Date.now();
    await fanOut(calls, options.clients, async (call) => {
      const metrics = Array.from({ length: Math.min(pointsPerCall, options.points - call * pointsPerCall) }, (_, i) => {
        const step = call * pointsPerCall + i;
        return { key: `metric_${step % 10}`, value: Math.sin(step), timestamp: t0 + step, step };
      });
      await post(`${api}/runs/log-batch`, { run_id: runId, metrics });
    });

    const files = Math.max(1, Math.round(options.artifactBytes / options.fileBytes));
    log(`backup bench: uploading ${files} artifacts of ${options.fileBytes / 2 ** 20} MiB ...`);
    const artifactsUrl = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}`;
    let firstDigest = '';
    await fanOut(files, options.clients, async (index) => {
      const bytes = randomBytes(options.fileBytes);
      if (index === 0) firstDigest = createHash('sha256').update(bytes).digest('hex');
      const response = await fetch(`${artifactsUrl}/data/part-${String(index).padStart(5, '0')}.bin`, { method: 'PUT', body: bytes });
      if (response.status !== 200) throw new Error(`artifact upload answered ${response.status}: ${await response.text()}`);
    });
    const databaseBytes =
      (await stat(join(server.home, 'trellis.db'))).size +
      ((await stat(join(server.home, 'trellis.db-wal')).catch(() => undefined))?.size ?? 0);

    log('backup bench: trellis backup, the server running ...');
    const first = await timedCli(['backup', '--to', folder, '--home', server.home], env);
    log('backup bench: trellis backup again, nothing changed ...');
    const again = await timedCli(['backup', '--to', folder, '--home', server.home], env);
    log('backup bench: trellis backup verify ...');
    const verified = await timedCli(['backup', 'verify', '--from', folder], env);
    await server.stop();

    log('backup bench: trellis restore into a fresh data directory ...');
    const restored = await timedCli(['restore', '--from', folder, '--home', restoredHome], env);
    const startedAt = performance.now();
    const back = await startTrellis({ home: restoredHome });
    const startSeconds = (performance.now() - startedAt) / 1000;
    try {
      // The restored server has every point and the artifacts' bytes.
      let count = 0;
      for (let key = 0; key < 10; key += 1) {
        const history = (await (
          await fetch(`${back.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=metric_${key}&max_results=1000000`)
        ).json()) as {
          metrics?: unknown[];
        };
        count += history.metrics?.length ?? 0;
      }
      if (count !== options.points) throw new Error(`the restored server has ${count} metric points, not ${options.points}`);
      const artifact = await fetch(
        `${back.url}/api/2.0/mlflow-artifacts/artifacts/${run.info.artifact_uri.replace('mlflow-artifacts:/', '')}/data/part-00000.bin`,
      );
      const digest = createHash('sha256')
        .update(Buffer.from(await artifact.arrayBuffer()))
        .digest('hex');
      if (digest !== firstDigest) throw new Error('the restored artifact differs from the one uploaded');
    } finally {
      await back.stop();
      await rm(back.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
    return {
      points: options.points,
      files,
      artifactBytes: files * options.fileBytes,
      databaseBytes,
      backup: { seconds: first.seconds, summary: JSON.parse(first.stdout) as BackupSummary },
      incremental: { seconds: again.seconds, summary: JSON.parse(again.stdout) as BackupSummary },
      verify: { seconds: verified.seconds },
      restore: { seconds: restored.seconds },
      start: { seconds: startSeconds },
    };
  } finally {
    await server.stop();
    await removeHome(server.home);
    // Retried: a process the restored server started may still be closing files in it.
    await rm(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
