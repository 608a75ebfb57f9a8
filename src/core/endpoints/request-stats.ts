/**
 * A sliding window of request outcomes per deployment, in bounded memory, for the safe rollout
 * (error rate, p99 of the candidate) and the autoscaler and the endpoint's metrics.
 *
 * Time is cut into slots of `slotMs` (default 1 s) kept in a ring of `maxWindowMs / slotMs` slots
 * per deployment (default 10 minutes); each slot counts requests by status class and keeps a
 * latency histogram, so memory per deployment never grows with traffic.
 *
 * - Window: a snapshot covers the slots that start inside [now - windowMs, now], the newest one
 *   partly filled. A request up to one slot older than the window start is left out, never one
 *   from before it, so a rollout step's snapshot does not mix in the previous step.
 * - Latency: fixed log-scale buckets, four per doubling from 0.5 ms to about an hour. A percentile
 *   is the geometric middle of the bucket holding the nearest-rank sample, clamped to the fastest
 *   and slowest latency seen in the window: within ±9.1% (2^(1/8)) of the true value from 0.5 ms
 *   up (within 0.25 ms below that), and exact for the maximum and for a window of one request.
 * - Errors: 5xx answers and requests that got no answer at all (timeout, connection lost; record
 *   those with status 0). 4xx is the caller's mistake and is counted but not an error.
 */

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'failed';

export interface RequestStatsOptions {
  /** Width of one time slot in ms (the window's granularity); default 1000. */
  slotMs?: number;
  /** Longest window a snapshot may ask for, in ms; default 600000 (10 minutes). */
  maxWindowMs?: number;
}

export interface StatsSnapshot {
  deployment: string;
  /** The span the snapshot covers: windowMs clamped to maxWindowMs, rounded to slots. */
  windowMs: number;
  count: number;
  byClass: Record<StatusClass, number>;
  /** 5xx plus failed. */
  errors: number;
  /** errors / count; 0 with no requests. */
  errorRate: number;
  /** Undefined with no requests. */
  p50Ms: number | undefined;
  p90Ms: number | undefined;
  p99Ms: number | undefined;
  meanMs: number | undefined;
  maxMs: number | undefined;
  requestsPerSecond: number;
  /** Average requests in flight over the window by Little's law (busy time / window); counts completed requests only. */
  averageConcurrency: number;
}

const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', 'failed'];
const FAILED = 5;

/** Latencies below this share bucket 0. */
const SMALLEST_BOUND_MS = 0.5;
const BUCKETS_PER_DOUBLING = 4;
/** Upper bounds of buckets 0..n-2; the last bucket takes everything slower (about an hour and up). */
export const LATENCY_BUCKET_BOUNDS_MS: readonly number[] = Object.freeze(
  Array.from({ length: 93 }, (_, index) => SMALLEST_BOUND_MS * 2 ** (index / BUCKETS_PER_DOUBLING)),
);
const BUCKET_COUNT = LATENCY_BUCKET_BOUNDS_MS.length + 1;

/** The histogram bucket a latency falls in. */
export function latencyBucket(latencyMs: number): number {
  if (!(latencyMs >= SMALLEST_BOUND_MS)) return 0;
  const index = Math.floor(BUCKETS_PER_DOUBLING * Math.log2(latencyMs / SMALLEST_BOUND_MS)) + 1;
  // Floating point may put an exact bound one bucket off; the bounds are the truth.
  let bucket = Math.min(index, BUCKET_COUNT - 1);
  while (bucket > 0 && latencyMs < (LATENCY_BUCKET_BOUNDS_MS[bucket - 1] ?? 0)) bucket -= 1;
  while (bucket < BUCKET_COUNT - 1 && latencyMs >= (LATENCY_BUCKET_BOUNDS_MS[bucket] ?? Number.POSITIVE_INFINITY)) bucket += 1;
  return bucket;
}

/** The class a status falls in; anything that is not an HTTP status (0 for no answer) is `failed`. */
export function statusClass(status: number): StatusClass {
  if (!Number.isInteger(status) || status < 100 || status > 599) return 'failed';
  return STATUS_CLASSES[Math.floor(status / 100) - 1] ?? 'failed';
}

interface Slot {
  number: number;
  count: number;
  classes: Uint32Array;
  histogram: Uint32Array;
  sumLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
}

/** Request outcomes per deployment over a sliding window; `now` is always passed in (no clock inside). */
export class RequestStats {
  readonly slotMs: number;
  readonly maxWindowMs: number;
  private readonly ringSize: number;
  private readonly rings = new Map<string, Array<Slot | undefined>>();

  constructor(options: RequestStatsOptions = {}) {
    this.slotMs = options.slotMs ?? 1000;
    this.maxWindowMs = options.maxWindowMs ?? 600_000;
    if (!(this.slotMs > 0) || !(this.maxWindowMs >= this.slotMs)) {
      throw new RangeError(`request stats need slotMs > 0 and maxWindowMs >= slotMs, not ${this.slotMs} and ${this.maxWindowMs}`);
    }
    this.ringSize = Math.ceil(this.maxWindowMs / this.slotMs) + 1;
  }

  /** Record one finished request: its HTTP status (0 when it got no answer) and how long it took. */
  observe(deployment: string, status: number, latencyMs: number, now: number): void {
    const number = Math.floor(now / this.slotMs);
    let ring = this.rings.get(deployment);
    if (!ring) {
      ring = new Array<Slot | undefined>(this.ringSize).fill(undefined);
      this.rings.set(deployment, ring);
    }
    const position = modulo(number, this.ringSize);
    let slot = ring[position];
    if (slot && slot.number > number) return; // older than anything the ring still keeps
    if (!slot || slot.number !== number) {
      slot = {
        number,
        count: 0,
        classes: new Uint32Array(STATUS_CLASSES.length),
        histogram: new Uint32Array(BUCKET_COUNT),
        sumLatencyMs: 0,
        minLatencyMs: Number.POSITIVE_INFINITY,
        maxLatencyMs: 0,
      };
      ring[position] = slot;
    }
    const latency = Number.isFinite(latencyMs) && latencyMs > 0 ? latencyMs : 0;
    slot.count += 1;
    const classIndex = STATUS_CLASSES.indexOf(statusClass(status));
    slot.classes[classIndex === -1 ? FAILED : classIndex]! += 1;
    slot.histogram[latencyBucket(latency)]! += 1;
    slot.sumLatencyMs += latency;
    slot.minLatencyMs = Math.min(slot.minLatencyMs, latency);
    slot.maxLatencyMs = Math.max(slot.maxLatencyMs, latency);
  }

  /** Counts, error rate and latency percentiles of one deployment over the last `windowMs`. */
  snapshot(deployment: string, windowMs: number, now: number): StatsSnapshot {
    const span = Math.min(Math.max(0, windowMs), this.maxWindowMs);
    const newest = Math.floor(now / this.slotMs);
    // Slots that start at or after now - span: a slot that began before the window is left out.
    const oldest = Math.ceil((now - span) / this.slotMs);
    const firstStart = Math.min(oldest * this.slotMs, now);
    const classes = new Array<number>(STATUS_CLASSES.length).fill(0);
    const histogram = new Array<number>(BUCKET_COUNT).fill(0);
    let count = 0;
    let sumLatencyMs = 0;
    let minLatencyMs = Number.POSITIVE_INFINITY;
    let maxLatencyMs = 0;
    for (const slot of this.rings.get(deployment) ?? []) {
      if (!slot || slot.number < oldest || slot.number > newest) continue;
      count += slot.count;
      sumLatencyMs += slot.sumLatencyMs;
      minLatencyMs = Math.min(minLatencyMs, slot.minLatencyMs);
      maxLatencyMs = Math.max(maxLatencyMs, slot.maxLatencyMs);
      slot.classes.forEach((value, index) => {
        classes[index]! += value;
      });
      slot.histogram.forEach((value, index) => {
        histogram[index]! += value;
      });
    }
    const byClass = Object.fromEntries(STATUS_CLASSES.map((name, index) => [name, classes[index] ?? 0])) as Record<StatusClass, number>;
    const errors = byClass['5xx'] + byClass.failed;
    const coveredMs = now - firstStart;
    const percentile = (q: number) => (count === 0 ? undefined : percentileOf(histogram, count, q, minLatencyMs, maxLatencyMs));
    return {
      deployment,
      windowMs: coveredMs,
      count,
      byClass,
      errors,
      errorRate: count === 0 ? 0 : errors / count,
      p50Ms: percentile(0.5),
      p90Ms: percentile(0.9),
      p99Ms: percentile(0.99),
      meanMs: count === 0 ? undefined : sumLatencyMs / count,
      maxMs: count === 0 ? undefined : maxLatencyMs,
      requestsPerSecond: coveredMs > 0 ? (count * 1000) / coveredMs : 0,
      averageConcurrency: coveredMs > 0 ? sumLatencyMs / coveredMs : 0,
    };
  }

  /** Deployments with recorded requests. */
  deployments(): string[] {
    return [...this.rings.keys()].sort();
  }

  /** Drop a deployment's data (it was deleted). */
  forget(deployment: string): void {
    this.rings.delete(deployment);
  }
}

/**
 * The q-quantile (0..1) by nearest rank: the geometric middle of the bucket holding that sample,
 * clamped to the observed [min, max].
 */
export function percentileOf(histogram: readonly number[], count: number, q: number, minMs: number, maxMs: number): number {
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
  let seen = 0;
  let bucket = 0;
  for (; bucket < histogram.length; bucket += 1) {
    seen += histogram[bucket] ?? 0;
    if (seen >= rank) break;
  }
  const lower = bucket === 0 ? 0 : (LATENCY_BUCKET_BOUNDS_MS[bucket - 1] ?? 0);
  const upper = LATENCY_BUCKET_BOUNDS_MS[bucket] ?? maxMs;
  const middle = lower === 0 ? upper / 2 : Math.sqrt(lower * upper);
  return Math.min(maxMs, Math.max(minMs, middle));
}

function modulo(value: number, size: number): number {
  return ((value % size) + size) % size;
}
