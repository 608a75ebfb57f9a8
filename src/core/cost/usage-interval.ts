import { DateTime } from 'luxon';
import { resolveTimeZone } from '../schedules/time-zones.js';

/**
 * Usage is time on machines: a job's nodes while it runs, a cluster's nodes while they sit idle
 * (billed as much as busy ones), an online deployment's instances. Each interval is `count`
 * machines of one size and tier from `start` to `end` (ms since the epoch; end null: still
 * running). Intervals must not overlap for the same machine: a node's time is either a job's or
 * idle (idle-nodes.ts splits a cluster's node lifetimes around its jobs).
 */
export type UsageKind = 'job-node' | 'idle-node' | 'endpoint-instance';

export interface UsageInterval {
  kind: UsageKind;
  workspace: string;
  /** The cluster or attached compute it ran on; absent for endpoint instances on no named compute. */
  compute?: string | undefined;
  size: string;
  /** dedicated, low_priority, or attached (a Slurm or Kubernetes cluster's own machines). */
  tier: string;
  /** Nodes or instances; 1 when absent. */
  count?: number | undefined;
  start: number;
  end: number | null;
  /** For job-node: the job, and the sweeps and pipelines above it, nearest first (trial → sweep → pipeline). */
  job?: { name: string; ancestors?: readonly string[] | undefined } | undefined;
  endpoint?: { name: string; deployment: string } | undefined;
  /** Finalized tags: the workspace's, then each ancestor's from the root down, then its own; the nearest wins. */
  tags: Readonly<Record<string, string>>;
}

/** A period [from, to) to account for, and the time now, at which running intervals end. ms since the epoch. */
export interface CostPeriod {
  from: number;
  to: number;
  now: number;
}

/** The part of an interval inside the period (running ones end now); undefined when none is. */
export function clipInterval(
  interval: Pick<UsageInterval, 'start' | 'end'>,
  period: CostPeriod,
): { start: number; end: number } | undefined {
  const start = Math.max(interval.start, period.from);
  const end = Math.min(interval.end ?? period.now, period.to, period.now);
  return end > start ? { start, end } : undefined;
}

/** Machine-seconds: the span's length times the interval's machines. */
export function machineSeconds(interval: Pick<UsageInterval, 'count'>, span: { start: number; end: number }): number {
  return ((span.end - span.start) / 1000) * (interval.count ?? 1);
}

/** A day in a time zone: its date (YYYY-MM-DD) and its bounds; a daylight-saving day is 23 or 25 hours long. */
export interface Day {
  day: string;
  start: number;
  end: number;
}

/** The day holding `at`, in `timeZone` (IANA or Windows name; UTC by default). */
export function dayOf(at: number, timeZone = 'UTC'): Day {
  const start = DateTime.fromMillis(at, { zone: zoneOf(timeZone) }).startOf('day');
  return { day: start.toISODate() ?? '', start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
}

/** A span cut at every midnight of `timeZone`: one piece per day it touches, in order. */
export function splitByDay(span: { start: number; end: number }, timeZone = 'UTC'): Array<Day & { spanStart: number; spanEnd: number }> {
  const pieces: Array<Day & { spanStart: number; spanEnd: number }> = [];
  let at = span.start;
  while (at < span.end) {
    const day = dayOf(at, timeZone);
    const spanEnd = Math.min(day.end, span.end);
    pieces.push({ ...day, spanStart: at, spanEnd });
    at = spanEnd;
  }
  return pieces;
}

/** The days from the one holding `from` up to the one holding the instant before `to`. */
export function daysBetween(from: number, to: number, timeZone = 'UTC'): Day[] {
  const days: Day[] = [];
  for (let at = from; at < to; ) {
    const day = dayOf(at, timeZone);
    days.push(day);
    at = day.end;
  }
  return days;
}

/** The IANA zone of a time zone name; a RangeError for a name that is none (schemas check names first). */
export function zoneOf(timeZone: string): string {
  const resolved = resolveTimeZone(timeZone);
  if ('problem' in resolved) throw new RangeError(resolved.problem);
  return resolved.zone;
}
