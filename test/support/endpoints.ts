import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeploymentBody, TrellisClient } from '../../src/client/trellis-client.js';
import { repositoryRoot, runCli, type CliResult } from './trellis-process.js';
import { waitFor } from './wait-for.js';

/** What the endpoint tests share: the CLI with JSON output, waiting on deployments, scoring over HTTP, the load generator. */

export const endpointFixtures = join(repositoryRoot, 'test', 'fixtures', 'endpoints');

/** `trellis <args> -o json` from the fixtures folder (the YAML files' relative paths resolve there); fails on a non-zero exit. */
export async function cliJson<T>(url: string, args: string[]): Promise<T> {
  const result = await runCli([...args, '-o', 'json'], { url, cwd: endpointFixtures });
  if (result.code !== 0) throw new Error(`trellis ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/** `trellis <args>` from the fixtures folder, whatever its exit code. */
export function cli(url: string, args: string[]): Promise<CliResult> {
  return runCli(args, { url, cwd: endpointFixtures });
}

export const settled = (deployment: DeploymentBody) => deployment.state === 'Succeeded' || deployment.state === 'Failed';

/** Polls the deployment until `done` says so; the error names the state and reason it was stuck in. */
export function waitForDeployment(
  client: TrellisClient,
  endpoint: string,
  name: string,
  done: (deployment: DeploymentBody) => boolean = settled,
  timeoutMs = 60_000,
): Promise<DeploymentBody> {
  return waitFor(() => client.getOnlineDeployment('default', endpoint, name), {
    what: `deployment ${endpoint}/${name} to be done`,
    until: done,
    timeoutMs,
    describe: (deployment) => `state ${deployment.state} (${deployment.reason ?? ''})`,
  });
}

export interface Scored {
  status: number;
  headers: Headers;
  text: string;
  json(): unknown;
}

/** One scoring request as any HTTP client sends it. */
export async function score(
  url: string,
  options: { credential?: string; body?: string; deployment?: string; contentType?: string } = {},
): Promise<Scored> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'application/json',
      ...(options.credential !== undefined ? { authorization: `Bearer ${options.credential}` } : {}),
      ...(options.deployment ? { 'azureml-model-deployment': options.deployment } : {}),
    },
    body: options.body ?? '{}',
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as unknown };
}

/** What src/serving/load-generator.mjs wrote: its summary and one row per response. */
export interface LoadResult {
  requests: number;
  durationMs: number;
  ratePerSecond: number;
  targetRate: number;
  connections: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  deployments: string[];
  models: string[];
  failures: Array<{ at: number; status: number; body: string }>;
  startedAt: number;
  /** [sentAt, answeredAt, status, index into deployments, index into models] (-1: no such header) */
  rows: Array<[number, number, number, number, number]>;
}

export interface LoadGenerator {
  /** Resolves once the generator runs. */
  started: Promise<void>;
  /** How many requests it has had answered so far (as of its last progress line, at most 50 ms old). */
  answered(): number;
  /** Waits until `count` requests have been answered in all: a window of load measured in requests, not in time. */
  waitForAnswered(count: number, what: string, timeoutMs?: number): Promise<number>;
  /** Ends the load (the generator's stdin closes), waits for the calls in flight, and reads what it recorded. */
  stop(): Promise<LoadResult>;
}

/** Starts the load generator as a process of its own (plain node: it shares nothing with the test or the server). */
export function startLoad(options: {
  url: string;
  key: string;
  body: string;
  rate: number;
  connections: number;
  out: string;
}): LoadGenerator {
  const script = join(repositoryRoot, 'src', 'serving', 'load-generator.mjs');
  // `--name=value`: a key or body may begin with '-', which parseArgs would take for an option.
  const args = [
    `--url=${options.url}`,
    `--key=${options.key}`,
    `--body=${options.body}`,
    `--rate=${options.rate}`,
    `--connections=${options.connections}`,
    `--out=${options.out}`,
  ];
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let answered = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    const counts = [...text.matchAll(/^answered (\d+)$/gm)];
    if (counts.length > 0) answered = Number(counts.at(-1)![1]);
    output += text.replace(/^answered \d+\n?/gm, '');
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const started = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => output.includes('load:') && resolve());
    void exited.then(() => reject(new Error(`the load generator exited before it started:\n${output}`)));
  });
  return {
    started,
    answered: () => answered,
    waitForAnswered: (count, what, timeoutMs = 30_000) =>
      waitFor(() => answered, { what: `${count} answered requests (${what})`, until: (now) => now >= count, timeoutMs, intervalMs: 20 }),
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      if (code !== 0) throw new Error(`the load generator exited with ${code}:\n${output}`);
      return JSON.parse(await readFile(options.out, 'utf8')) as LoadResult;
    },
  };
}

/** Requests per deployment (or per model version, x-trellis-model) among the rows sent in [from, to). */
export function answeredBy(
  load: LoadResult,
  from: number,
  to = Number.POSITIVE_INFINITY,
  by: 'deployment' | 'model' = 'deployment',
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [sentAt, , , deployment, model] of load.rows) {
    if (sentAt < from || sentAt >= to) continue;
    const name = (by === 'deployment' ? load.deployments[deployment] : load.models[model]) ?? '(none)';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** The fewest requests answered in any whole second of the load (by answer time): how steady it was. */
export function slowestSecond(load: LoadResult): number {
  const seconds = new Map<number, number>();
  for (const [, answeredAt] of load.rows) {
    const second = Math.floor((answeredAt - load.startedAt) / 1000);
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
  }
  const whole = [...seconds.entries()]
    .filter(([second]) => second >= 1 && (second + 1) * 1000 <= load.durationMs - 1000)
    .map(([, count]) => count);
  return whole.length > 0 ? Math.min(...whole) : 0;
}
