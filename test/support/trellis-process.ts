import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { verifyingFetch } from '../../src/cli/cli-context.js';
import { TrellisClient } from '../../src/client/trellis-client.js';

export const repositoryRoot = resolve(import.meta.dirname, '..', '..');
export const cliPath = join(repositoryRoot, 'dist', 'cli', 'main.js');

export interface TrellisProcess {
  url: string;
  home: string;
  client: TrellisClient;
  child: ChildProcess;
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * How long a `trellis up` may take to say it is up. A start loads the server's whole module graph
 * and migrates the database: about 4 s on an idle 2-core machine, 8 to 13 s at a load of 16 (two
 * test files at once, each with its servers, PostgreSQL and Python children), of which 5 s is
 * loading modules alone. 30 s was too short there; a start that hangs still fails, only later.
 * TRELLIS_TEST_START_TIMEOUT_MS sets another limit.
 */
const startTimeoutMs = Number(process.env.TRELLIS_TEST_START_TIMEOUT_MS ?? 120_000);

/**
 * Starts a real `trellis up` process (the built CLI) on a free port and waits for its URL.
 * `home` reuses a data directory, to restart a server on the same data; `caFile` is the PEM file
 * of the authority that signed a TLS server's certificate, which `client` then trusts.
 */
export async function startTrellis(
  options: { databaseUrl?: string | undefined; home?: string; env?: Record<string, string>; caFile?: string } = {},
): Promise<TrellisProcess> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'trellis-home-')));
  const env: NodeJS.ProcessEnv = { ...process.env, TRELLIS_HOME: home, TRELLIS_PORT: '0', TRELLIS_LOG_LEVEL: 'warn', ...options.env };
  delete env.TRELLIS_URL;
  if (options.databaseUrl) env.TRELLIS_DATABASE_URL = options.databaseUrl;
  else delete env.TRELLIS_DATABASE_URL;
  const child = spawn(process.execPath, [cliPath, 'up'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trellis up did not start in ${startTimeoutMs / 1000} s:\n${output}`));
    }, startTimeoutMs);
    const check = () => {
      const match = /Trellis is up at (https?:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`trellis up exited with ${code}:\n${output}`));
    });
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  return {
    url,
    home,
    client: new TrellisClient(url, options.caFile ? { fetch: verifyingFetch(options.caFile) } : {}),
    child,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function removeHome(home: string): Promise<void> {
  await rm(home, { recursive: true, force: true });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `trellis` CLI as a child process, as a user would. */
export async function runCli(
  args: string[],
  options: { url?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TRELLIS_OUTPUT: 'table',
    TRELLIS_HOME: join(tmpdir(), 'trellis-cli-home-unused'),
    ...options.env,
  };
  delete env.TRELLIS_WORKSPACE;
  if (options.url) env.TRELLIS_URL = options.url;
  const child = spawn(process.execPath, [cliPath, ...args], { env, cwd: options.cwd ?? repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number>((resolveCode) => child.once('exit', (exitCode) => resolveCode(exitCode ?? 1)));
  return { code, stdout, stderr };
}
