import type { JobEvent } from '../api/jobs.js';

/**
 * Nodes over time, derived: the API lists only the nodes up now (with when each was created) and
 * each job's state history, not past nodes. So a cluster's timeline is two step series: the
 * nodes its jobs held (a job holds `instanceCount` nodes from Preparing until it ends or is sent
 * back to Queued) and the nodes up now, counted from when each was created.
 */

export interface Interval {
  start: number;
  /** undefined: still open. */
  end: number | undefined;
  count: number;
}

/** When the job held nodes, from its state history. */
export function holdingIntervals(events: readonly JobEvent[], instanceCount: number): Interval[] {
  const intervals: Interval[] = [];
  let start: number | undefined;
  for (const event of events) {
    const holds = event.state === 'Preparing' || event.state === 'Running' || event.state === 'Finalizing';
    if (holds && start === undefined) start = event.at;
    if (!holds && start !== undefined) {
      intervals.push({ start, end: event.at, count: instanceCount });
      start = undefined;
    }
  }
  if (start !== undefined) intervals.push({ start, end: undefined, count: instanceCount });
  return intervals;
}

/**
 * How many are held at each change, as a step series from `from` to `now`: each change is drawn
 * as two points a millisecond apart so a line chart shows a step, not a slope.
 */
export function countOverTime(intervals: readonly Interval[], from: number, now: number): { xs: number[]; ys: number[] } {
  const changes = new Map<number, number>();
  const add = (at: number, delta: number) => changes.set(at, (changes.get(at) ?? 0) + delta);
  for (const interval of intervals) {
    const end = interval.end ?? now;
    if (end <= from || interval.start >= now) continue;
    add(Math.max(interval.start, from), interval.count);
    if (end < now) add(end, -interval.count);
  }
  const xs = [from];
  const ys = [0];
  let level = 0;
  for (const at of [...changes.keys()].sort((a, b) => a - b)) {
    const next = level + changes.get(at)!;
    if (next === level) continue;
    if (at > xs.at(-1)!) {
      xs.push(at - 1);
      ys.push(level);
    }
    if (at === xs.at(-1)) ys[ys.length - 1] = next;
    else {
      xs.push(at);
      ys.push(next);
    }
    level = next;
  }
  if (now > xs.at(-1)!) {
    xs.push(now);
    ys.push(level);
  }
  return { xs, ys };
}

/** Node-hours as the CLI writes them (`trellis compute usage`). */
export function formatNodeHours(nodeSeconds: number): string {
  return (nodeSeconds / 3600).toFixed(4);
}

/**
 * The node-seconds a job has held so far: what the server recorded for its ended attempts, plus,
 * while an attempt runs, its nodes since it started (the server adds those when the attempt ends).
 */
export function jobNodeSeconds(
  job: { nodeSeconds: number; startedAt: number | null; endedAt: number | null; instanceCount: number; state: string },
  now: number,
): number {
  const isRunning =
    job.startedAt !== null && job.endedAt === null && (job.state === 'Running' || job.state === 'Preparing' || job.state === 'Finalizing');
  return job.nodeSeconds + (isRunning ? (Math.max(0, now - job.startedAt!) / 1000) * job.instanceCount : 0);
}
