import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../src/controllers/jobs/free-port.js';
import { repositoryRoot } from './trellis-process.js';
import { waitFor } from './wait-for.js';

/** Azurite's well-known development account (the same in every Azurite; not a secret). */
export const azuriteAccount = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

export interface RunningAzurite {
  /** The development account's blob endpoint: `http://127.0.0.1:<port>/devstoreaccount1`. */
  accountUrl: string;
  /** What it logged, for failure messages. */
  output(): string;
  /** Kills it; everything it held (in memory) goes with it. */
  stop(): Promise<void>;
}

/**
 * Starts Azurite (npm `azurite`, Microsoft's Azure Storage emulator) in its own process: the blob
 * service only, in memory, on a free port of 127.0.0.1, with loose mode off (unsupported headers are
 * refused, as Azure would), no telemetry, and the API version check skipped (the SDK is newer than the
 * emulator). Resolves once it answers; fails with what it logged if it exits or is not up within 30 s.
 */
export async function startAzurite(): Promise<RunningAzurite> {
  // Its working folder: in memory it writes nothing, but nothing it might write lands in the repository.
  const folder = await mkdtemp(join(tmpdir(), 'trellis-azurite-'));
  const port = await freePort();
  const main = join(repositoryRoot, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--silent',
    ],
    { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
  const accountUrl = `http://127.0.0.1:${port}/${azuriteAccount.name}`;
  try {
    await waitFor(() => answers(child, accountUrl), { what: `Azurite at ${accountUrl} to answer`, timeoutMs: 30_000, intervalMs: 100 });
  } catch (error) {
    await stop();
    throw new Error(`Azurite did not come up: ${(error as Error).message}\nIts output:\n${output}`);
  }
  return { accountUrl, output: () => output, stop };
}

async function answers(child: ChildProcess, accountUrl: string): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null)
    throw new Error(`it exited (${child.exitCode ?? child.signalCode}) before it answered`);
  try {
    // Unsigned, so refused (403); any answer means it listens.
    await fetch(`${accountUrl}?comp=list`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    // Not listening yet.
    return false;
  }
}
