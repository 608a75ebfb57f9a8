import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobBody, TrellisClient } from '../../src/client/trellis-client.js';

/** What the job tests share: waiting on a job's state, and whether a process still runs. */

export const finished = (job: JobBody) => ['Completed', 'Failed', 'Canceled'].includes(job.state);

/** Polls the job until `done` says so; the error names the state and reason it was stuck in. */
export async function waitForJob(
  client: TrellisClient,
  name: string,
  done: (job: JobBody) => boolean,
  timeoutMs = 300_000,
  workspace = 'default',
): Promise<JobBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(workspace, name);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${name} is still ${job.state} (${job.reason ?? ''}) after ${timeoutMs} ms`);
    await sleep(100);
  }
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
