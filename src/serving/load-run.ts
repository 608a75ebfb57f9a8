import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** load-generator.mjs: beside this module, or in src/ when running the build from dist/ (tsc copies no .mjs files). */
export function loadGeneratorPath(): string {
  const beside = join(here, 'load-generator.mjs');
  if (existsSync(beside)) return beside;
  return join(here, '..', '..', 'src', 'serving', 'load-generator.mjs');
}

/** One answer: [sentAtMs, answeredAtMs, status (0: none), deployment index, model index], as the generator writes it. */
export type LoadRow = [number, number, number, number, number];

export interface LoadRunResult {
  rows: LoadRow[];
  /** From its first request to its last answer. */
  durationMs: number;
  /** The first answers that were not 200, with the start of their bodies. */
  failures: Array<{ status: number; body: string }>;
}

export interface ClosedLoopOptions {
  url: string;
  credential: string;
  bodyFile: string;
  contentType: string;
  deployment: string;
  concurrency: number;
  durationSeconds: number;
  /** Where the generator writes its result. */
  outFile: string;
  signal: AbortSignal;
}

/**
 * Runs the load generator closed-loop for a time: `concurrency` connections, each sending its next
 * request when its last is answered (a pacing rate no server reaches). It is a process of its
 * own, so the server it measures does not share an event loop with it.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadRunResult> {
  const args = [
    loadGeneratorPath(),
    // `--name=value`: a key may begin with '-', which parseArgs would take for an option.
    `--url=${options.url}`,
    `--key=${options.credential}`,
    `--body-file=${options.bodyFile}`,
    `--content-type=${options.contentType}`,
    `--deployment=${options.deployment}`,
    '--rate=1000000',
    `--connections=${options.concurrency}`,
    `--max-seconds=${options.durationSeconds}`,
    `--out=${options.outFile}`,
  ];
  // stdin stays open: the generator stops when it closes, or at --max-seconds.
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const stop = () => child.stdin.end();
  options.signal.addEventListener('abort', stop, { once: true });
  // The calls in flight finish after --max-seconds; one that hangs past this is not waited for.
  const deadline = setTimeout(() => child.kill('SIGKILL'), (options.durationSeconds + 60) * 1000);
  const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
  clearTimeout(deadline);
  options.signal.removeEventListener('abort', stop);
  if (code !== 0) throw new Error(`the load generator exited with ${code}: ${errors.trim().slice(0, 500)}`);
  const written = JSON.parse(await readFile(options.outFile, 'utf8')) as LoadRunResult;
  return { rows: written.rows, durationMs: written.durationMs, failures: written.failures };
}
