import type { RequestStats } from './request-stats.js';

/**
 * A deployment's recent traffic second by second, for charts: read from the one-second slots that
 * RequestStats already keeps (one snapshot per slot), so the request path does no extra work.
 */

export interface SecondPoint {
  /** Start of the second, epoch ms. */
  at: number;
  requests: number;
  /** Answers by class: 4xx (the caller's mistake), 5xx, and failed (no answer at all). */
  errors: { '4xx': number; '5xx': number; failed: number };
  /** Null in a second without requests. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Average requests in flight during the second (busy time / second, completed requests only). */
  inFlight: number;
}

/**
 * The last `seconds` whole slots of `key` up to and including the one `now` falls in (partly
 * filled), oldest first. Seconds without requests are points with zero requests, so a chart shows
 * the gaps.
 */
export function secondsSeries(stats: Pick<RequestStats, 'snapshot' | 'slotMs'>, key: string, seconds: number, now: number): SecondPoint[] {
  const slotMs = stats.slotMs;
  const newest = Math.floor(now / slotMs);
  const points: SecondPoint[] = [];
  for (let slot = newest - seconds + 1; slot <= newest; slot++) {
    // A window of slotMs - 1 ending on the slot's last millisecond covers exactly that slot.
    const snapshot = stats.snapshot(key, slotMs - 1, (slot + 1) * slotMs - 1);
    points.push({
      at: slot * slotMs,
      requests: snapshot.count,
      errors: { '4xx': snapshot.byClass['4xx'], '5xx': snapshot.byClass['5xx'], failed: snapshot.byClass.failed },
      p50Ms: snapshot.p50Ms ?? null,
      p99Ms: snapshot.p99Ms ?? null,
      inFlight: Math.round((snapshot.averageConcurrency * snapshot.windowMs * 1000) / slotMs) / 1000,
    });
  }
  return points;
}
