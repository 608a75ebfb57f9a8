import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/controllers/jobs/free-port.js';
import { waitFor } from './wait-for.js';

/** Any keys do for moto; these only have the AWS SDK sign its requests. */
export const motoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface RunningMoto {
  /** `http://127.0.0.1:<port>`: S3's API, path-style. */
  endpoint: string;
  /** What it logged, for failure messages. */
  output(): string;
  /** Kills it; everything it held (in memory) goes with it. */
  stop(): Promise<void>;
}

/**
 * `python -m moto.server` with one change: requests are served one at a time. moto checks a
 * conditional write (If-None-Match: *) and then writes, two steps that its threads could interleave,
 * where S3 does the two atomically; served in turn, concurrent writers see S3's answer (one wins, the
 * others get 412).
 */
const serverScript = `
import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
run_simple('127.0.0.1', int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False, request_handler=MotoRequestHandler)
`;

/**
 * Starts moto's server (PyPI `moto[server]`, in the test venv from test/python/requirements.txt) in
 * its own process on a free port of 127.0.0.1, holding everything in memory, one request at a time (see serverScript). Resolves once it answers;
 * fails with what it logged if it exits or is not up within 30 s.
 */
export async function startMoto(): Promise<RunningMoto> {
  const python = process.env.TRELLIS_TEST_PYTHON;
  if (!python)
    throw new Error('TRELLIS_TEST_PYTHON is not set: run the tests with scripts/run-tests.mjs, which makes the Python environment');
  const folder = await mkdtemp(join(tmpdir(), 'trellis-moto-'));
  const port = await freePort();
  const child = spawn(python, ['-c', serverScript, String(port)], {
    cwd: folder,
    env: { ...process.env, PYTHONUNBUFFERED: '1', MOTO_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.removeListener('exit', kill);
      resolve();
    }),
  );
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(folder, { recursive: true, force: true });
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitFor(() => answers(child, endpoint), { what: `moto at ${endpoint} to answer`, timeoutMs: 30_000, intervalMs: 100 });
  } catch (error) {
    await stop();
    throw new Error(`moto did not come up: ${(error as Error).message}\nIts output:\n${output}`);
  }
  return { endpoint, output: () => output, stop };
}

async function answers(child: ChildProcess, endpoint: string): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`it exited (${child.exitCode ?? child.signalCode}) before it answered`);
  try {
    return (await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    // Not listening yet.
    return false;
  }
}
