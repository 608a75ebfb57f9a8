import type { JobState } from './job-lifecycle.js';

/** One attempt's running period: from Running until it was requeued (evicted, node lost) or ended. */
export interface AttemptTime {
  /** 1 for the first attempt that ran, then 2, ... */
  attempt: number;
  startedAt: number;
  /** null while the attempt still runs. */
  endedAt: number | null;
  seconds: number;
  /** The state that ended it (Queued after an eviction, or the final state); null while it runs. */
  endedAs: JobState | null;
}

/** How long a job ran, over all attempts: what `Ran for` shows instead of the last attempt alone. */
export interface JobRunningTime {
  seconds: number;
  attempts: AttemptTime[];
}

/**
 * Adds up a job's running time from its state history (events in `seq` order). An attempt runs
 * from a Running event until the next Queued or final state; Finalizing still counts, as it did
 * for startedAt..endedAt. An attempt still running counts up to `now` (epoch ms).
 */
export function runningTimeOf(events: readonly { at: number; state: JobState }[], now: number): JobRunningTime {
  const attempts: AttemptTime[] = [];
  let open: number | undefined;
  const close = (endedAt: number | null, endedAs: JobState | null) => {
    if (open === undefined) return;
    const end = endedAt ?? Math.max(now, open);
    attempts.push({ attempt: attempts.length + 1, startedAt: open, endedAt, seconds: Math.max(0, end - open) / 1000, endedAs });
    open = undefined;
  };
  for (const event of events) {
    if (event.state === 'Running') open ??= event.at;
    else if (event.state === 'Queued' || event.state === 'Completed' || event.state === 'Failed' || event.state === 'Canceled')
      close(event.at, event.state);
  }
  close(null, null);
  return { seconds: attempts.reduce((sum, attempt) => sum + attempt.seconds, 0), attempts };
}
