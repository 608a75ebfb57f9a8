import { readFileSync } from 'node:fs';
import type { JobBody, TrellisClient } from '../../src/client/trellis-client.js';
import { waitFor } from './wait-for.js';

/** What the job tests share: waiting on a job's state, and whether a process still runs. */

export const finished = (job: JobBody) => ['Completed', 'Failed', 'Canceled'].includes(job.state);

/** Polls the job until `done` says so; the error names the state and reason it was stuck in. */
export function waitForJob(
  client: TrellisClient,
  name: string,
  done: (job: JobBody) => boolean,
  timeoutMs = 300_000,
  workspace = 'default',
  intervalMs = 100,
): Promise<JobBody> {
  return waitFor(() => client.getJob(workspace, name), {
    what: `job ${name} to be done`,
    until: done,
    timeoutMs,
    intervalMs,
    describe: (job) => `state ${job.state} (${job.reason ?? ''})`,
  });
}

/** Running, not merely a zombie waiting for a parent (in a container, PID 1 may never reap it). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}
