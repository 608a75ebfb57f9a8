import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * Runs a job's command on this machine the way a node runs it: `bash -c <command>` in its own
 * process group, so a timeout, a cancel or an eviction stops everything the command started
 * (training workers, data loaders), not only the shell. SIGTERM first, so the job can save a
 * checkpoint, then SIGKILL after the grace period.
 */

export interface RunOptions {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** Stop the whole group after this many seconds (limits.timeout). */
  timeoutSeconds?: number | undefined;
  /** Seconds between SIGTERM and SIGKILL. */
  graceSeconds?: number;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

export interface RunningProcess {
  pid: number;
  /** Asks the group to stop (SIGTERM, then SIGKILL after the grace period); `why` is reported in the result. */
  stop(why: 'canceled' | 'evicted'): void;
  result: Promise<ProcessResult>;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why Trellis stopped it, when it did. */
  stoppedFor: 'timeout' | 'canceled' | 'evicted' | null;
  durationMs: number;
}

export function runProcessGroup(options: RunOptions): RunningProcess {
  const started = Date.now();
  const child = spawn('bash', ['-c', options.command], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
  child.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start bash for the command (cwd ${options.cwd})`);
  let stoppedFor: ProcessResult['stoppedFor'] = null;
  let killTimer: NodeJS.Timeout | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const stop = (why: NonNullable<ProcessResult['stoppedFor']>) => {
    if (stoppedFor !== null) return;
    stoppedFor = why;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), (options.graceSeconds ?? 10) * 1000);
  };
  const timeout = options.timeoutSeconds ? setTimeout(() => stop('timeout'), options.timeoutSeconds * 1000) : undefined;
  const result = (async (): Promise<ProcessResult> => {
    const [exitCode, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    if (timeout) clearTimeout(timeout);
    // The shell is gone; anything it left behind in the group goes too.
    signalGroup('SIGKILL');
    if (killTimer) clearTimeout(killTimer);
    return { exitCode, signal, stoppedFor, durationMs: Date.now() - started };
  })();
  return { pid, stop: (why) => stop(why), result };
}
