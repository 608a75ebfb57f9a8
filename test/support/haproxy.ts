import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/controllers/jobs/free-port.js';
import { waitFor } from './wait-for.js';

/** Debian's HAProxy (package haproxy), the load balancer the several-servers tests put in front of Trellis. */
export const haproxyBinary = '/usr/sbin/haproxy';

export function hasHaproxy(): boolean {
  return existsSync(haproxyBinary);
}

export interface RunningHaproxy {
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts HAProxy on a free loopback port in front of `backends` (base URLs), round robin, each
 * checked on /readyz every 300 ms (a check waits up to 5 s for its answer) and taken out after two failures; a request whose connection
 * is refused is sent to another server (retries, redispatch). Resolves once it passes a request on.
 */
export async function startHaproxy(backends: string[]): Promise<RunningHaproxy> {
  const folder = await mkdtemp(join(tmpdir(), 'trellis-haproxy-'));
  const configFile = join(folder, 'haproxy.cfg');
  const port = await freePort();
  await writeFile(
    configFile,
    [
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 60s',
      '  timeout server 60s',
      // A busy server answers /readyz slowly (a loaded machine, an ingest): without this the check's read timeout is `inter`, 300 ms.
      '  timeout check 5s',
      '  retries 3',
      '  option redispatch',
      'frontend trellis',
      `  bind 127.0.0.1:${port}`,
      '  default_backend servers',
      'backend servers',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      ...backends.map((url, index) => `  server trellis-${index} ${new URL(url).host} check inter 300ms fall 2 rise 1`),
      '',
    ].join('\n'),
  );
  const child = spawn(haproxyBinary, ['-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(folder, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`haproxy exited with ${child.exitCode}`);
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200;
      },
      { what: `HAProxy at ${url} to pass requests on`, timeoutMs: 15_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nHAProxy's output:\n${output}`);
  }
  return { url, output: () => output, stop };
}
