/**
 * Benchmark for BENCHMARKS.md: how long a trivial command job waits between its submit and its
 * process running, on a local amlcompute cluster of a real `trellis up` (SQLite), against the
 * peer that does no scheduling at all — Node spawning the same `bash -c <command>` itself — in the
 * same run:
 *   (a) idle cluster: jobs submitted one at a time, each after the previous one completed;
 *   (b) saturated queue: N jobs submitted as fast as a few clients can, all run to completion;
 *       the peer runs the same N commands through a pool as wide as the cluster's max_instances.
 * The command prints bash's $EPOCHREALTIME, so "running" is the moment the command itself runs,
 * read from its own output, on the same wall clock as the client's timestamps.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobBody, TrellisClient } from '../src/client/trellis-client.js';
import { removeHome, startTrellis, type TrellisProcess } from '../test/support/trellis-process.js';

export interface JobBenchOptions {
  /** Jobs in the saturated run. */
  jobs: number;
  /** Jobs submitted one at a time on the idle cluster. */
  idleJobs: number;
  /** The cluster's max_instances, and the width of the peer's process pool. */
  nodes: number;
  /** Concurrent submitters in the saturated run. */
  clients: number;
  log: (line: string) => void;
}

export interface Summary {
  p50: number;
  p99: number;
  max: number;
}

/** Server-side phases of one job, from its events (ms, the server's clock). */
interface Phases {
  queued: number;
  preparing: number;
  running: number;
  ended: number;
}

interface JobSample {
  /** Client clock (ms, sub-ms resolution): the submit request was sent, its 201 came back. */
  sent: number;
  acknowledged: number;
  /** When the command ran: its own $EPOCHREALTIME. */
  commandRan: number;
  phases: Phases;
}

export interface JobBenchResult {
  nodes: number;
  idle: {
    jobs: number;
    submit: Summary;
    /** 201 received → command running: the figure the goal is about. */
    ackToRunning: Summary;
    /** Submit sent → command running. */
    sentToRunning: Summary;
    peerSpawnToRunning: Summary;
    phases: PhaseSummaries;
  };
  saturated: {
    jobs: number;
    clients: number;
    submitSeconds: number;
    submitsPerSecond: number;
    seconds: number;
    jobsPerSecond: number;
    ackToRunning: Summary;
    /** Preparing → command running: Trellis's own work per job once a node is free. */
    preparingToRunning: Summary;
    phases: PhaseSummaries;
    peerSeconds: number;
    peerJobsPerSecond: number;
    peerEnqueueToRunning: Summary;
    peerSpawnToRunning: Summary;
  };
}

/** Medians and tails of each server-side phase. */
export interface PhaseSummaries {
  queuedToPreparing: Summary;
  preparingToRunningEvent: Summary;
  runningEventToCommand: Summary;
  commandToEnded: Summary;
}

const command = 'echo $EPOCHREALTIME';
const clusterName = 'bench-cluster';
const workspace = 'default';
const jobText = `$schema: https://azuremlschemas.azureedge.net/latest/commandJob.schema.json
type: command
command: ${command}
environment: azureml:trellis-node:1
compute: azureml:${clusterName}
experiment_name: bench-jobs
`;

/** Wall-clock milliseconds with sub-millisecond resolution (comparable with $EPOCHREALTIME). */
function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function summarise(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

function summarisePhases(samples: JobSample[]): PhaseSummaries {
  return {
    queuedToPreparing: summarise(samples.map((sample) => sample.phases.preparing - sample.phases.queued)),
    preparingToRunningEvent: summarise(samples.map((sample) => sample.phases.running - sample.phases.preparing)),
    runningEventToCommand: summarise(samples.map((sample) => sample.commandRan - sample.phases.running)),
    commandToEnded: summarise(samples.map((sample) => sample.phases.ended - sample.commandRan)),
  };
}

/** Runs `bash -c <command>` from this process; returns when it was asked for and when the command ran. */
function spawnDirect(): Promise<{ spawned: number; commandRan: number }> {
  return new Promise((resolve, reject) => {
    const spawned = wallNow();
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const commandRan = Number(output.trim()) * 1000;
      if (code !== 0 || !Number.isFinite(commandRan)) reject(new Error(`bash -c '${command}' exited ${code} with '${output}'`));
      else resolve({ spawned, commandRan });
    });
  });
}

async function submit(client: TrellisClient): Promise<{ job: JobBody; sent: number; acknowledged: number }> {
  const sent = wallNow();
  const job = await client.submitJob(workspace, { fileName: 'job.yml', text: jobText, uploads: {}, inlined: {} });
  return { job, sent, acknowledged: wallNow() };
}

const isFinished = (job: JobBody) => ['Completed', 'Failed', 'Canceled'].includes(job.state);

async function waitFinished(client: TrellisClient, name: string, pollMs: number): Promise<JobBody> {
  for (;;) {
    const job = await client.getJob(workspace, name);
    if (isFinished(job)) {
      if (job.state !== 'Completed') throw new Error(`job ${name} ended ${job.state}: ${job.reason ?? ''}`);
      return job;
    }
    await sleep(pollMs);
  }
}

/** The job's events and its command's own timestamp, read back over HTTP once it finished. */
async function observe(trellis: TrellisProcess, name: string, sent: number, acknowledged: number): Promise<JobSample> {
  const { items } = await trellis.client.jobEvents(workspace, name);
  const at = (state: string) => {
    const event = items.find((item) => item.state === state);
    if (!event) throw new Error(`job ${name} has no ${state} event: ${JSON.stringify(items)}`);
    return event.at;
  };
  const response = await fetch(`${trellis.url}/api/v1/workspaces/${workspace}/jobs/${name}/logs`);
  const text = await response.text();
  // The backend may write lines of its own (the node's limits) before the command's output.
  const stamp = text.split('\n').find((line) => /^\d+\.\d+$/.test(line.trim()));
  const commandRan = Number(stamp) * 1000;
  if (!response.ok || stamp === undefined) throw new Error(`job ${name}: log '${text}' holds no timestamp`);
  return {
    sent,
    acknowledged,
    commandRan,
    phases: { queued: at('Queued'), preparing: at('Preparing'), running: at('Running'), ended: at('Completed') },
  };
}

async function runPeer(
  options: JobBenchOptions,
): Promise<{ idle: Summary; seconds: number; enqueueToRunning: Summary; spawnToRunning: Summary }> {
  for (let i = 0; i < 20; i++) await spawnDirect();
  const idle: number[] = [];
  for (let i = 0; i < options.idleJobs; i++) {
    const { spawned, commandRan } = await spawnDirect();
    idle.push(commandRan - spawned);
  }
  // The saturated peer: every command queued at once, `nodes` of them running at a time.
  const enqueued = wallNow();
  const enqueueToRunning: number[] = [];
  const spawnToRunning: number[] = [];
  let next = 0;
  let lastEnded = enqueued;
  await Promise.all(
    Array.from({ length: options.nodes }, async () => {
      while (next < options.jobs) {
        next++;
        const { spawned, commandRan } = await spawnDirect();
        enqueueToRunning.push(commandRan - enqueued);
        spawnToRunning.push(commandRan - spawned);
        lastEnded = Math.max(lastEnded, wallNow());
      }
    }),
  );
  return {
    idle: summarise(idle),
    seconds: (lastEnded - enqueued) / 1000,
    enqueueToRunning: summarise(enqueueToRunning),
    spawnToRunning: summarise(spawnToRunning),
  };
}

export async function runJobQueueBench(options: JobBenchOptions): Promise<JobBenchResult> {
  options.log(
    `  peer: bash -c '${command}' spawned by Node, ${options.idleJobs} one at a time, then ${options.jobs} through a pool of ${options.nodes}`,
  );
  const peer = await runPeer(options);

  const trellis = await startTrellis({});
  try {
    const client = trellis.client;
    await client.apply(workspace, {
      fileName: 'compute.yml',
      kind: 'compute',
      text: `name: ${clusterName}\ntype: amlcompute\nsize: Standard_DS2_v2\nmin_instances: 0\nmax_instances: ${options.nodes}\nidle_time_before_scale_down: 3600\n`,
    });
    // Warm-up: the first job makes the experiment and the cluster's first node; not measured.
    options.log('  trellis: warm-up jobs');
    for (let i = 0; i < 5; i++) await waitFinished(client, (await submit(client)).job.name, 5);

    options.log(`  trellis: ${options.idleJobs} jobs, one at a time on an idle cluster`);
    const idleSamples: JobSample[] = [];
    for (let i = 0; i < options.idleJobs; i++) {
      const { job, sent, acknowledged } = await submit(client);
      await waitFinished(client, job.name, 5);
      idleSamples.push(await observe(trellis, job.name, sent, acknowledged));
    }

    options.log(`  trellis: ${options.jobs} jobs from ${options.clients} clients at once, on up to ${options.nodes} nodes`);
    const submitted: Array<{ name: string; sent: number; acknowledged: number }> = [];
    const submitStart = wallNow();
    let remaining = options.jobs;
    await Promise.all(
      Array.from({ length: options.clients }, async () => {
        while (remaining > 0) {
          remaining--;
          const { job, sent, acknowledged } = await submit(client);
          submitted.push({ name: job.name, sent, acknowledged });
        }
      }),
    );
    const submitEnd = wallNow();
    options.log(`    submitted in ${((submitEnd - submitStart) / 1000).toFixed(1)} s; waiting for all to complete`);
    // Jobs start first come, first served: wait on the oldest unfinished one, so polling costs the server little.
    const pending = [...submitted].sort((a, b) => a.acknowledged - b.acknowledged);
    for (const { name } of pending) await waitFinished(client, name, 50);
    const saturatedSamples: JobSample[] = [];
    for (const { name, sent, acknowledged } of submitted) saturatedSamples.push(await observe(trellis, name, sent, acknowledged));
    const lastEnded = Math.max(...saturatedSamples.map((sample) => sample.phases.ended));
    const seconds = (lastEnded - submitStart) / 1000;

    return {
      nodes: options.nodes,
      idle: {
        jobs: options.idleJobs,
        submit: summarise(idleSamples.map((sample) => sample.acknowledged - sample.sent)),
        ackToRunning: summarise(idleSamples.map((sample) => sample.commandRan - sample.acknowledged)),
        sentToRunning: summarise(idleSamples.map((sample) => sample.commandRan - sample.sent)),
        peerSpawnToRunning: peer.idle,
        phases: summarisePhases(idleSamples),
      },
      saturated: {
        jobs: options.jobs,
        clients: options.clients,
        submitSeconds: (submitEnd - submitStart) / 1000,
        submitsPerSecond: options.jobs / ((submitEnd - submitStart) / 1000),
        seconds,
        jobsPerSecond: options.jobs / seconds,
        ackToRunning: summarise(saturatedSamples.map((sample) => sample.commandRan - sample.acknowledged)),
        preparingToRunning: summarise(saturatedSamples.map((sample) => sample.commandRan - sample.phases.preparing)),
        phases: summarisePhases(saturatedSamples),
        peerSeconds: peer.seconds,
        peerJobsPerSecond: options.jobs / peer.seconds,
        peerEnqueueToRunning: peer.enqueueToRunning,
        peerSpawnToRunning: peer.spawnToRunning,
      },
    };
  } finally {
    await trellis.stop();
    await removeHome(trellis.home);
  }
}
